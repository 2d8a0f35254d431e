import {
  createComponentLogger,
  createMlsysopsResource,
  type OtlpSignal,
  type ReconfigurableSettings,
  resolveSettings,
  type TelemetryOptions,
  type TelemetrySettings,
} from '@mlsysops/telemetry-core';
import {
  type LogsHandle,
  type LogsOptions,
  type StructuredLogger,
  startLogs,
} from '@mlsysops/telemetry-logs';
import { type MetricsHandle, type MetricsOptions, startMetrics } from '@mlsysops/telemetry-metrics';
import { startTraces, type TracesHandle, type TracesOptions } from '@mlsysops/telemetry-traces';
import type { Meter, Tracer } from '@opentelemetry/api';
import type { ReconfigureResult } from './reconfigure-controller.js';
import { prepareReconfiguration, type ReconfigurationOptions } from './reconfigure-wiring.js';
import { registerSelfTelemetry, SELF_TELEMETRY_METER_NAME } from './self-telemetry.js';
import { installShutdownHandlers } from './shutdown-signals.js';
import {
  disabledSignalStatus,
  readSignalStatus,
  type SignalStatus,
  type TelemetryStatus,
} from './status.js';

const log = createComponentLogger('@mlsysops/telemetry/start-telemetry');

type SharedKeys =
  | keyof TelemetryOptions
  | 'settings'
  | 'resource'
  | 'env'
  | 'registerGlobal'
  | 'selfObsMeterProvider';

/** Options for {@link startTelemetry}: the shared telemetry options plus per-signal wiring. */
export interface StartTelemetryOptions extends TelemetryOptions, ReconfigurationOptions {
  /** Environment read by `resolveSettings`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Register providers, context manager and propagators globally. Default true. */
  registerGlobal?: boolean;
  /** Scope name of the returned `meter`, `tracer` and `logger`. Default: the service name. */
  scopeName?: string;
  /** Metric wiring: exporter, views, readers, producers, cardinality limits; `false` turns metrics off. */
  metrics?: Omit<MetricsOptions, SharedKeys> | false;
  /** Trace wiring: exporter, span processors, sampler; `false` turns traces off. */
  traces?: Omit<TracesOptions, SharedKeys> | false;
  /** Log wiring: exporter, processors; `false` turns logs off. */
  logs?: Omit<LogsOptions, SharedKeys> | false;
}

/** Outcome of one signal in {@link Telemetry.forceFlush} or {@link Telemetry.shutdown}. */
export interface SignalFlushReport {
  /** True when the signal flushed without error before the deadline. */
  ok: boolean;
  /** True when the deadline passed first. */
  timedOut: boolean;
  /** Error message, when the SDK reported an error. */
  error?: string;
  /** Items still in the buffer when the call returned: not delivered. */
  undelivered: number;
  /** Items dropped before delivery since start, all reasons together. */
  dropped: number;
}

/** Outcome of {@link Telemetry.forceFlush} or {@link Telemetry.shutdown}. */
export interface TelemetryFlushReport {
  /** True when every signal flushed before the deadline and nothing is left undelivered. */
  ok: boolean;
  /** Per-signal outcome. */
  signals: Record<OtlpSignal, SignalFlushReport>;
}

/** Handle returned by {@link startTelemetry}. */
export interface Telemetry {
  /** The resolved settings. */
  readonly settings: TelemetrySettings;
  /** Meter of the scope `scopeName`. */
  readonly meter: Meter;
  /** Tracer of the scope `scopeName`. */
  readonly tracer: Tracer;
  /** Structured logger of the scope `scopeName`, with trace correlation. */
  readonly logger: StructuredLogger;
  /** The metrics pipeline. */
  readonly metrics: MetricsHandle;
  /** The traces pipeline. */
  readonly traces: TracesHandle;
  /** The logs pipeline. */
  readonly logs: LogsHandle;
  /** Exports everything now; resolves within `timeoutMillis` (default: the shutdown timeout) and never rejects. */
  forceFlush(timeoutMillis?: number): Promise<TelemetryFlushReport>;
  /**
   * Flushes and stops every signal; resolves within `timeoutMillis` (default: the shutdown
   * timeout, 5 s) and never rejects, also when the agent is gone. Later calls return the
   * first call's report.
   */
  shutdown(timeoutMillis?: number): Promise<TelemetryFlushReport>;
  /** Returns the agent endpoint, reachability and delivery counters per signal. */
  status(): TelemetryStatus;
  /**
   * Changes the metric export interval, metric views, pre-aggregation windows, sampling
   * ratio, minimum log severity or agent endpoint at run time; see docs/reconfiguration.md. Throws a `ReconfigurationError`
   * naming the field, the value and what is accepted, and then applies nothing.
   */
  reconfigure(partialSettings: ReconfigurableSettings): ReconfigureResult;
}

const SIGNALS: readonly OtlpSignal[] = ['metrics', 'traces', 'logs'];

/**
 * Starts metrics, traces and logs with one resolved settings object and one MLSysOps
 * resource, registers the self-telemetry instruments and the SIGTERM / SIGINT handlers
 * (both on by default), and returns a handle. A bad option passed in code throws here with
 * a message that names it; bad environment values log one warning and fall back.
 */
export function startTelemetry(options: StartTelemetryOptions = {}): Telemetry {
  const settings = resolveSettings(options, options.env ?? process.env);
  const resource = settings.disabled ? undefined : createMlsysopsResource(settings);
  const shared = { settings, resource, registerGlobal: options.registerGlobal ?? true };

  const reconfiguration = prepareReconfiguration(options, settings, options.env ?? process.env);
  const handles = startSignals(reconfiguration.options, shared, settings);
  const { controller, close: closeReconfiguration } = reconfiguration.attach(handles);
  const { metrics: metricsHandle, traces: tracesHandle, logs: logsHandle } = handles;

  const scopeName = options.scopeName ?? settings.resource.serviceName;
  let shutDown = false;

  const readStatuses = (): Record<OtlpSignal, SignalStatus> => ({
    metrics: metricsHandle.enabled
      ? readSignalStatus(metricsHandle.exporter)
      : disabledSignalStatus(),
    traces: tracesHandle.enabled ? readSignalStatus(tracesHandle.exporter) : disabledSignalStatus(),
    logs: logsHandle.enabled ? readSignalStatus(logsHandle.exporter) : disabledSignalStatus(),
  });

  if (metricsHandle.enabled && settings.selfTelemetry) {
    registerSelfTelemetry(metricsHandle.getMeter(SELF_TELEMETRY_METER_NAME), readStatuses);
  }

  const flushAll = async (
    operation: 'forceFlush' | 'shutdown',
    timeoutMillis: number,
  ): Promise<TelemetryFlushReport> => {
    const results = await Promise.all(
      SIGNALS.map((signal) => handles[signal][operation](timeoutMillis)),
    );
    const statuses = readStatuses();
    const report: TelemetryFlushReport = {
      ok: true,
      signals: {} as Record<OtlpSignal, SignalFlushReport>,
    };

    SIGNALS.forEach((signal, index) => {
      const result = results[index]!;
      const status = statuses[signal];
      const signalReport: SignalFlushReport = {
        ok: result.ok && status.buffered === 0,
        timedOut: result.timedOut,
        undelivered: status.buffered,
        dropped: status.dropped,
      };
      if (result.error !== undefined) signalReport.error = result.error;
      report.signals[signal] = signalReport;
      if (!signalReport.ok) report.ok = false;
    });
    return report;
  };

  let shutdownReport: Promise<TelemetryFlushReport> | undefined;
  let removeHandlers: (() => void) | undefined;

  const shutdown = (
    timeoutMillis = settings.shutdownTimeoutMillis,
  ): Promise<TelemetryFlushReport> => {
    if (shutdownReport === undefined) {
      shutDown = true;
      removeHandlers?.();
      closeReconfiguration();
      shutdownReport = flushAll('shutdown', timeoutMillis).then((report) => {
        if (!report.ok) {
          log.warn(`telemetry shutdown left data undelivered: ${describeReport(report)}`);
        }
        return report;
      });
    }
    return shutdownReport;
  };

  if (settings.handleSignals && !settings.disabled) {
    removeHandlers = installShutdownHandlers({
      shutdown: (timeoutMillis) => shutdown(timeoutMillis),
      timeoutMillis: settings.shutdownTimeoutMillis,
    });
  }

  return {
    settings,
    meter: metricsHandle.getMeter(scopeName),
    tracer: tracesHandle.getTracer(scopeName),
    logger: logsHandle.createLogger({ name: scopeName }),
    metrics: metricsHandle,
    traces: tracesHandle,
    logs: logsHandle,
    forceFlush: (timeoutMillis = settings.shutdownTimeoutMillis) =>
      flushAll('forceFlush', timeoutMillis),
    shutdown,
    status: () => ({
      enabled: !settings.disabled,
      serviceName: settings.resource.serviceName,
      shutDown,
      signals: readStatuses(),
      reconfiguration: controller.status(),
    }),
    reconfigure: (partialSettings) => controller.reconfigure(partialSettings),
  };
}

interface SignalHandles {
  metrics: MetricsHandle;
  traces: TracesHandle;
  logs: LogsHandle;
}

/**
 * Starts the three signals in turn. When a later signal rejects its options, the signals
 * started before it are shut down, so a failed start leaves no global provider behind.
 */
function startSignals(
  options: StartTelemetryOptions,
  shared: {
    settings: TelemetrySettings;
    resource: MetricsOptions['resource'];
    registerGlobal: boolean;
  },
  settings: TelemetrySettings,
): SignalHandles {
  const started: { shutdown: (timeoutMillis?: number) => Promise<unknown> }[] = [];

  try {
    const metrics = startMetrics({ ...shared, ...offIfFalse(options.metrics, settings) });
    started.push(metrics);

    // The batch processors count the items they drop on a full queue through this provider.
    const selfObs =
      metrics.enabled && settings.selfTelemetry
        ? { selfObsMeterProvider: metrics.meterProvider }
        : {};
    const traces = startTraces({ ...shared, ...selfObs, ...offIfFalse(options.traces, settings) });
    started.push(traces);
    const logs = startLogs({ ...shared, ...selfObs, ...offIfFalse(options.logs, settings) });
    return { metrics, traces, logs };
  } catch (error) {
    for (const handle of started) void handle.shutdown(0);
    throw error;
  }
}

/** Turns `false` into options with `disabled` settings, so the signal returns its no-op handle. */
function offIfFalse<T extends object>(
  signalOptions: T | false | undefined,
  settings: TelemetrySettings,
): Partial<T> & { settings?: TelemetrySettings } {
  if (signalOptions === false) {
    return { settings: { ...settings, disabled: true } } as Partial<T> & {
      settings?: TelemetrySettings;
    };
  }
  return signalOptions ?? {};
}

function describeReport(report: TelemetryFlushReport): string {
  return SIGNALS.map((signal) => {
    const signalReport = report.signals[signal];
    let state = signalReport.error ?? 'incomplete';
    if (signalReport.ok) state = 'ok';
    if (signalReport.timedOut) state = 'timed out';
    return `${signal} ${state}, ${signalReport.undelivered} undelivered, ${signalReport.dropped} dropped`;
  }).join('; ');
}
