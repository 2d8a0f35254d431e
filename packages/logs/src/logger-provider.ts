import {
  createComponentLogger,
  createMlsysopsResource,
  createSignalLifecycle,
  type FlushResult,
  isGlobalRegistered,
  type LogSeverityName,
  resolveSettings,
  type TelemetryOptions,
  type TelemetrySettings,
} from '@mlsysops/telemetry-core';
import {
  createNoopLogger,
  type Logger,
  type LoggerProvider,
  logs,
  type MeterProvider,
  SeverityNumber,
} from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  BatchLogRecordProcessor,
  type LogRecordExporter,
  type LogRecordProcessor,
  LoggerProvider as SdkLoggerProvider,
} from '@opentelemetry/sdk-logs';
import { createDefaultLogRecordExporter } from './default-exporter.js';
import {
  createSeverityFilterProcessor,
  type SeverityFilterProcessor,
} from './severity-filter-processor.js';

import {
  createStructuredLogger,
  type StructuredLogger,
  type StructuredLoggerOptions,
} from './structured-logger.js';

const log = createComponentLogger('@mlsysops/telemetry-logs/logger-provider');

/** Severity number of the lowest record kept for each `logMinSeverity` name. */
export const MIN_SEVERITY_NUMBER: Readonly<Record<LogSeverityName, SeverityNumber>> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

/** Options for {@link startLogs}: the shared telemetry options plus log wiring. */
export interface LogsOptions extends TelemetryOptions {
  /** Settings resolved already (the umbrella passes them); default `resolveSettings(options, env)`. */
  settings?: TelemetrySettings;
  /** Resource resolved already; default `createMlsysopsResource(settings)`. */
  resource?: Resource;
  /** Environment read by `resolveSettings`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Exporter behind the batch processor. Default: the OTLP exporter that follows the node agent. */
  exporter?: LogRecordExporter;
  /** Further log record processors, run before the batch processor. */
  processors?: LogRecordProcessor[];
  /** Register the provider as the global logger provider. Default true. */
  registerGlobal?: boolean;
  /**
   * Meter provider that receives the batch processor's own metrics, among them
   * `otel.sdk.processor.log.processed` with `error.type=queue_full` for every record dropped
   * because the queue was full. Default: none, so the processor records nothing.
   */
  selfObsMeterProvider?: MeterProvider;
}

/** A running logs pipeline. */
export interface LogsHandle {
  /** False when `OTEL_SDK_DISABLED=true` or `disabled: true`: every object is a no-op. */
  readonly enabled: boolean;
  /** The provider; a no-op provider when disabled. */
  readonly loggerProvider: LoggerProvider;
  /** True when this provider became the global logger provider. */
  readonly registeredGlobal: boolean;
  /** The exporter of the batch processor, for its counters; undefined when disabled. */
  readonly exporter: LogRecordExporter | undefined;
  /** Filter in front of every processor, whose minimum severity can change; undefined when disabled. */
  readonly severityFilter: SeverityFilterProcessor | undefined;
  /** Returns an OpenTelemetry logger of this provider, for log appenders. */
  getLogger(name: string, version?: string): Logger;
  /**
   * Returns a structured logger of this provider. The console mirror defaults to the
   * `logConsole` setting (`MLSYSOPS_LOG_CONSOLE`).
   */
  createLogger(options?: Omit<StructuredLoggerOptions, 'loggerProvider'>): StructuredLogger;
  /** Exports every emitted record now; resolves within `timeoutMillis` (default: the export timeout). */
  forceFlush(timeoutMillis?: number): Promise<FlushResult>;
  /** Flushes and stops; resolves within `timeoutMillis` (default: the shutdown timeout). */
  shutdown(timeoutMillis?: number): Promise<FlushResult>;
}

const DONE: FlushResult = { ok: true, timedOut: false };

function createDisabledHandle(): LogsHandle {
  const noop: LoggerProvider = { getLogger: () => createNoopLogger() };
  return {
    enabled: false,
    loggerProvider: noop,
    registeredGlobal: false,
    exporter: undefined,
    severityFilter: undefined,
    getLogger: () => createNoopLogger(),
    createLogger: (options) => createStructuredLogger({ ...options, loggerProvider: noop }),
    forceFlush: async () => DONE,
    shutdown: async () => DONE,
  };
}

/**
 * Starts the logs pipeline: a LoggerProvider with the MLSysOps resource, a minimum severity
 * filter from `logMinSeverity`, record limits, a batch log record processor and the OTLP
 * exporter that follows the node-local agent. Registers the provider globally unless
 * `registerGlobal` is false or another provider is registered already (one warning then).
 */
export function startLogs(options: LogsOptions = {}): LogsHandle {
  if (options.processors !== undefined && !Array.isArray(options.processors)) {
    throw new TypeError(
      `startLogs: invalid processors ${String(options.processors)}; expected an array`,
    );
  }

  const settings = options.settings ?? resolveSettings(options, options.env ?? process.env);
  if (settings.disabled) return createDisabledHandle();

  const resource = options.resource ?? createMlsysopsResource(settings);
  const exporter = options.exporter ?? createDefaultLogRecordExporter(settings);
  const batch = settings.batchLogRecordProcessor;

  // The filter enforces logMinSeverity so it can change at run time; the SDK caches each
  // logger's configurator result when the logger is created.
  const severityFilter = createSeverityFilterProcessor(
    [
      ...(options.processors ?? []),
      new BatchLogRecordProcessor({
        exporter,
        scheduledDelayMillis: batch.scheduledDelayMillis,
        exportTimeoutMillis: batch.exportTimeoutMillis,
        maxQueueSize: batch.maxQueueSize,
        maxExportBatchSize: Math.min(batch.maxExportBatchSize, batch.maxQueueSize),
        ...(options.selfObsMeterProvider === undefined
          ? {}
          : { selfObsMeterProvider: options.selfObsMeterProvider }),
      }),
    ],
    settings.logMinSeverity,
  );

  const provider = new SdkLoggerProvider({
    resource,
    logRecordLimits: {
      attributeCountLimit: settings.attributeCountLimit,
      attributeValueLengthLimit: settings.attributeValueLengthLimit,
    },
    processors: [severityFilter],
  });

  const registeredGlobal = registerGlobalProvider(provider, options.registerGlobal ?? true);
  const lifecycle = createSignalLifecycle({
    exporter,
    flushProvider: (timeoutMillis) => provider.forceFlush({ timeoutMillis }),
    shutdownProvider: () => provider.shutdown(),
    afterShutdown: () => {
      if (registeredGlobal) logs.disable();
    },
    flushTimeoutMillis: batch.exportTimeoutMillis,
    shutdownTimeoutMillis: settings.shutdownTimeoutMillis,
  });

  return {
    enabled: true,
    loggerProvider: provider,
    registeredGlobal,
    exporter,
    severityFilter,
    getLogger: (name, version) => provider.getLogger(name, version),
    createLogger: (loggerOptions) =>
      createStructuredLogger({
        console: settings.logConsole,
        ...loggerOptions,
        loggerProvider: provider,
      }),
    forceFlush: lifecycle.forceFlush,
    shutdown: lifecycle.shutdown,
  };
}

function registerGlobalProvider(provider: LoggerProvider, register: boolean): boolean {
  if (!register) return false;

  if (isGlobalRegistered('logs')) {
    log.warnOnce(
      'global',
      'a global LoggerProvider is registered already; keeping it. Pass registerGlobal: false ' +
        'and use the returned handle, or remove the other registration',
    );
    return false;
  }
  return logs.setGlobalLoggerProvider(provider);
}
