import {
  createComponentLogger,
  createMlsysopsResource,
  createSignalLifecycle,
  type FlushResult,
  isGlobalRegistered,
  resolveSettings,
  type TelemetryOptions,
  type TelemetrySettings,
} from '@mlsysops/telemetry-core';
import { createNoopMeter, type Meter, type MeterProvider, metrics } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import {
  type IMetricReader,
  type MetricProducer,
  type PeriodicExportingMetricReaderOptions,
  type PushMetricExporter,
  MeterProvider as SdkMeterProvider,
  type ViewOptions,
} from '@opentelemetry/sdk-metrics';
import {
  type AdjustableMetricReader,
  createAdjustableMetricReader,
} from './adjustable-metric-reader.js';
import { createDefaultMetricExporter } from './default-exporter.js';

const log = createComponentLogger('@mlsysops/telemetry-metrics/meter-provider');

/** Reader-level cardinality limits per instrument kind, in time series per instrument. */
export type CardinalityLimits = NonNullable<
  PeriodicExportingMetricReaderOptions['cardinalityLimits']
>;

/** Options for {@link startMetrics}: the shared telemetry options plus metric wiring. */
export interface MetricsOptions extends TelemetryOptions {
  /** Settings resolved already (the umbrella passes them); default `resolveSettings(options, env)`. */
  settings?: TelemetrySettings;
  /** Resource resolved already; default `createMlsysopsResource(settings)`. */
  resource?: Resource;
  /** Environment read by `resolveSettings`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Exporter of the periodic reader. Default: the OTLP exporter that follows the node agent. */
  exporter?: PushMetricExporter;
  /** Further readers, such as a Prometheus pull reader. */
  readers?: IMetricReader[];
  /** Views applied to every reader. */
  views?: ViewOptions[];
  /** Producers whose data the periodic reader exports next to the SDK's, such as pre-aggregation. */
  metricProducers?: MetricProducer[];
  /** Cardinality limits of the periodic reader. Default 2 000 series per instrument (SDK default). */
  cardinalityLimits?: CardinalityLimits;
  /** Register the provider as the global meter provider. Default true. */
  registerGlobal?: boolean;
}

/** A running metrics pipeline. */
export interface MetricsHandle {
  /** False when `OTEL_SDK_DISABLED=true` or `disabled: true`: every object is a no-op. */
  readonly enabled: boolean;
  /** The provider; a no-op provider when disabled. */
  readonly meterProvider: MeterProvider;
  /** True when this provider became the global meter provider. */
  readonly registeredGlobal: boolean;
  /** The exporter of the periodic reader, for its counters; undefined when disabled. */
  readonly exporter: PushMetricExporter | undefined;
  /** The periodic reader, whose interval and view rules can change; undefined when disabled. */
  readonly reader: AdjustableMetricReader | undefined;
  /** Returns a meter of this provider. */
  getMeter(name: string, version?: string): Meter;
  /** Collects and exports now; resolves within `timeoutMillis` (default: the export timeout). */
  forceFlush(timeoutMillis?: number): Promise<FlushResult>;
  /** Flushes and stops; resolves within `timeoutMillis` (default: the shutdown timeout). */
  shutdown(timeoutMillis?: number): Promise<FlushResult>;
}

const noopMeterProvider: MeterProvider = { getMeter: () => createNoopMeter() };

const DONE: FlushResult = { ok: true, timedOut: false };

/** Returns a handle whose objects do nothing, for `OTEL_SDK_DISABLED=true`. */
function createDisabledHandle(): MetricsHandle {
  return {
    enabled: false,
    meterProvider: noopMeterProvider,
    registeredGlobal: false,
    exporter: undefined,
    reader: undefined,
    getMeter: () => createNoopMeter(),
    forceFlush: async () => DONE,
    shutdown: async () => DONE,
  };
}

function validateOptions(options: MetricsOptions): void {
  if (options.views !== undefined && !Array.isArray(options.views)) {
    throw new TypeError(`startMetrics: invalid views ${String(options.views)}; expected an array`);
  }
  if (options.readers !== undefined && !Array.isArray(options.readers)) {
    throw new TypeError(
      `startMetrics: invalid readers ${String(options.readers)}; expected an array`,
    );
  }
  if (options.metricProducers !== undefined && !Array.isArray(options.metricProducers)) {
    throw new TypeError(
      `startMetrics: invalid metricProducers ${String(options.metricProducers)}; expected an array`,
    );
  }
}

/**
 * Starts the metrics pipeline: a MeterProvider with the MLSysOps resource, a periodic
 * exporting reader with the configured interval, timeout, temporality and cardinality
 * limits, and the OTLP exporter that follows the node-local agent. Registers the provider
 * globally unless `registerGlobal` is false or another provider is registered already, in
 * which case it warns once and leaves that provider in place.
 */
export function startMetrics(options: MetricsOptions = {}): MetricsHandle {
  validateOptions(options);

  const settings = options.settings ?? resolveSettings(options, options.env ?? process.env);
  if (settings.disabled) return createDisabledHandle();

  const resource = options.resource ?? createMlsysopsResource(settings);
  const exporter = options.exporter ?? createDefaultMetricExporter(settings);

  const reader = createAdjustableMetricReader({
    exporter,
    exportIntervalMillis: settings.metricExportIntervalMillis,
    exportTimeoutMillis: Math.min(
      settings.metricExportTimeoutMillis,
      settings.metricExportIntervalMillis,
    ),
    metricProducers: options.metricProducers,
    cardinalityLimits: options.cardinalityLimits,
  });

  const provider = new SdkMeterProvider({
    resource,
    views: options.views,
    readers: [reader, ...(options.readers ?? [])],
  });

  const registeredGlobal = registerGlobalProvider(provider, options.registerGlobal ?? true);
  const lifecycle = createSignalLifecycle({
    exporter,
    // Closing the producers' current windows first puts their unfinished windows into the
    // export.
    flushProvider: async (timeoutMillis) => {
      await flushProducers(options.metricProducers, 'forceFlush');
      await provider.forceFlush({ timeoutMillis });
    },
    shutdownProvider: async (timeoutMillis) => {
      await flushProducers(options.metricProducers, 'shutdown');
      await provider.shutdown({ timeoutMillis });
    },
    afterShutdown: () => {
      if (registeredGlobal && metrics.getMeterProvider() === provider) metrics.disable();
    },
    flushTimeoutMillis: settings.metricExportTimeoutMillis,
    shutdownTimeoutMillis: settings.shutdownTimeoutMillis,
  });

  return {
    enabled: true,
    meterProvider: provider,
    registeredGlobal,
    exporter,
    reader,
    getMeter: (name, version) => provider.getMeter(name, version),
    forceFlush: lifecycle.forceFlush,
    shutdown: lifecycle.shutdown,
  };
}

/**
 * Calls `forceFlush` or `shutdown` on every producer that has it, such as a pre-aggregator,
 * and logs instead of failing when one of them rejects.
 */
async function flushProducers(
  producers: readonly MetricProducer[] | undefined,
  operation: 'forceFlush' | 'shutdown',
): Promise<void> {
  if (producers === undefined) return;

  await Promise.all(
    producers.map(async (producer) => {
      const hook = (producer as Partial<Record<typeof operation, () => Promise<void>>>)[operation];
      if (typeof hook !== 'function') return;
      try {
        await hook.call(producer);
      } catch (error) {
        log.warnRateLimited(
          `producer-${operation}`,
          `metric producer ${operation} failed: ${error}`,
        );
      }
    }),
  );
}

function registerGlobalProvider(provider: MeterProvider, register: boolean): boolean {
  if (!register) return false;

  if (isGlobalRegistered('metrics')) {
    log.warnOnce(
      'global',
      'a global MeterProvider is registered already; keeping it. Pass registerGlobal: false ' +
        'and use the returned handle, or remove the other registration',
    );
    return false;
  }
  return metrics.setGlobalMeterProvider(provider);
}
