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
import {
  context,
  type MeterProvider,
  ProxyTracerProvider,
  propagation,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type Sampler,
  TracerProvider as SdkTracerProvider,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { createDefaultSpanExporter } from './default-exporter.js';

import { createSampler } from './sampler.js';

const log = createComponentLogger('@mlsysops/telemetry-traces/tracer-provider');

/** Options for {@link startTraces}: the shared telemetry options plus trace wiring. */
export interface TracesOptions extends TelemetryOptions {
  /** Settings resolved already (the umbrella passes them); default `resolveSettings(options, env)`. */
  settings?: TelemetrySettings;
  /** Resource resolved already; default `createMlsysopsResource(settings)`. */
  resource?: Resource;
  /** Environment read by `resolveSettings`. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Exporter behind the batch span processor. Default: the OTLP exporter that follows the node agent. */
  exporter?: SpanExporter;
  /** Further span processors, run before the batch processor. */
  spanProcessors?: SpanProcessor[];
  /** Sampler object; wins over `tracesSampler`. */
  sampler?: Sampler;
  /**
   * Register the provider, the AsyncLocalStorage context manager and the W3C propagators
   * globally. Default true.
   */
  registerGlobal?: boolean;
  /**
   * Meter provider that receives the batch span processor's own metrics, among them
   * `otel.sdk.processor.span.processed` with `error.type=queue_full` for every span dropped
   * because the queue was full. Default: none, so the processor records nothing.
   */
  selfObsMeterProvider?: MeterProvider;
}

/** A running traces pipeline. */
export interface TracesHandle {
  /** False when `OTEL_SDK_DISABLED=true` or `disabled: true`: every object is a no-op. */
  readonly enabled: boolean;
  /** The provider; a no-op provider when disabled. */
  readonly tracerProvider: TracerProvider;
  /** True when this provider became the global tracer provider. */
  readonly registeredGlobal: boolean;
  /** The exporter of the batch processor, for its counters; undefined when disabled. */
  readonly exporter: SpanExporter | undefined;
  /** Returns a tracer of this provider. */
  getTracer(name: string, version?: string): Tracer;
  /** Exports every ended span now; resolves within `timeoutMillis` (default: the export timeout). */
  forceFlush(timeoutMillis?: number): Promise<FlushResult>;
  /** Flushes and stops; resolves within `timeoutMillis` (default: the shutdown timeout). */
  shutdown(timeoutMillis?: number): Promise<FlushResult>;
}

const DONE: FlushResult = { ok: true, timedOut: false };

function createDisabledHandle(): TracesHandle {
  const noop = new ProxyTracerProvider();
  return {
    enabled: false,
    tracerProvider: noop,
    registeredGlobal: false,
    exporter: undefined,
    getTracer: (name, version) => noop.getTracer(name, version),
    forceFlush: async () => DONE,
    shutdown: async () => DONE,
  };
}

function validateOptions(options: TracesOptions): void {
  if (options.spanProcessors !== undefined && !Array.isArray(options.spanProcessors)) {
    throw new TypeError(
      `startTraces: invalid spanProcessors ${String(options.spanProcessors)}; expected an array`,
    );
  }
  if (options.sampler !== undefined && typeof options.sampler?.shouldSample !== 'function') {
    throw new TypeError('startTraces: invalid sampler; expected an object with shouldSample()');
  }
}

/**
 * Starts the traces pipeline: a TracerProvider with the MLSysOps resource, the sampler from
 * the settings (`OTEL_TRACES_SAMPLER`), span limits, a batch span processor and the OTLP
 * exporter that follows the node-local agent. Unless `registerGlobal` is false, it also
 * registers the AsyncLocalStorage context manager and the W3C trace-context and baggage
 * propagators. A global tracer provider registered by someone else is kept, with one warning.
 */
export function startTraces(options: TracesOptions = {}): TracesHandle {
  validateOptions(options);

  const settings = options.settings ?? resolveSettings(options, options.env ?? process.env);
  if (settings.disabled) return createDisabledHandle();

  const resource = options.resource ?? createMlsysopsResource(settings);
  const exporter = options.exporter ?? createDefaultSpanExporter(settings);
  const batch = settings.batchSpanProcessor;

  const provider = new SdkTracerProvider({
    resource,
    sampler:
      options.sampler ?? createSampler(settings.tracesSampler, settings.tracesSamplerRatio, false),
    spanLimits: {
      attributeCountLimit: settings.attributeCountLimit,
      attributeValueLengthLimit: settings.attributeValueLengthLimit,
    },
    spanProcessors: [
      ...(options.spanProcessors ?? []),
      new BatchSpanProcessor({
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
  });

  const registeredGlobal = registerGlobals(provider, options.registerGlobal ?? true);
  const lifecycle = createSignalLifecycle({
    exporter,
    flushProvider: (timeoutMillis) => provider.forceFlush({ timeoutMillis }),
    shutdownProvider: () => provider.shutdown(),
    afterShutdown: () => {
      if (registeredGlobal) trace.disable();
    },
    flushTimeoutMillis: batch.exportTimeoutMillis,
    shutdownTimeoutMillis: settings.shutdownTimeoutMillis,
  });

  return {
    enabled: true,
    tracerProvider: provider,
    registeredGlobal,
    exporter,
    getTracer: (name, version) => provider.getTracer(name, version),
    forceFlush: lifecycle.forceFlush,
    shutdown: lifecycle.shutdown,
  };
}

function registerGlobals(provider: TracerProvider, register: boolean): boolean {
  if (!register) return false;

  if (!isGlobalRegistered('context')) {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }
  if (!isGlobalRegistered('propagation')) {
    propagation.setGlobalPropagator(
      new CompositePropagator({
        propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
      }),
    );
  }

  if (isGlobalRegistered('trace')) {
    log.warnOnce(
      'global',
      'a global TracerProvider is registered already; keeping it. Pass registerGlobal: false ' +
        'and use the returned handle, or remove the other registration',
    );
    return false;
  }
  return trace.setGlobalTracerProvider(provider);
}
