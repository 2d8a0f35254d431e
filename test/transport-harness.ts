// Shared parts of the transport fault tests. The Collector's OTLP receivers listen on ports
// that the test chooses, so a second Collector can take over the same ports after an outage.
// The test application records spans, log records and counts at a steady rate.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportTarget, OtlpSignal } from '@mlsysops/telemetry-core';
import { createOtlpLogRecordExporter, type OtlpLogRecordExporter } from '@mlsysops/telemetry-logs';
import { createOtlpMetricExporter, type OtlpMetricExporter } from '@mlsysops/telemetry-metrics';
import { createOtlpSpanExporter, type OtlpSpanExporter } from '@mlsysops/telemetry-traces';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { type CollectorHandle, startCollector } from './support/collector.js';
import { readLogRecords, readMetrics, readSpans } from './support/otlp-files.js';
import { freePort } from './support/ports.js';

/** Receiver ports and output folder that outlive one Collector process. */
export interface AgentSlot {
  httpPort: number;
  grpcPort: number;
  outputDir: string;
  /** Collectors started so far; each writes its own output files. */
  runs: number;
  cleanup(): void;
}

/** Allocates receiver ports and an output folder for agents that replace each other. */
export async function createAgentSlot(): Promise<AgentSlot> {
  const outputDir = mkdtempSync(join(tmpdir(), 'mlsysops-transport-'));
  return {
    httpPort: await freePort(),
    grpcPort: await freePort(),
    outputDir,
    runs: 0,
    cleanup: () => rmSync(outputDir, { recursive: true, force: true }),
  };
}

/** Starts a Collector on the slot's ports that writes every signal to files of run `slot.runs`. */
export function startAgent(slot: AgentSlot): Promise<CollectorHandle> {
  const run = slot.runs++;
  const file = (signal: string) => ({
    path: join(slot.outputDir, `${signal}-${run}.jsonl`),
    flush_interval: '100ms',
  });
  return startCollector({
    config: {
      receivers: {
        otlp: {
          protocols: {
            http: { endpoint: `127.0.0.1:${slot.httpPort}` },
            grpc: { endpoint: `127.0.0.1:${slot.grpcPort}` },
          },
        },
      },
      exporters: {
        'file/traces': file('traces'),
        'file/logs': file('logs'),
        'file/metrics': file('metrics'),
      },
      service: {
        pipelines: {
          traces: { receivers: ['otlp'], exporters: ['file/traces'] },
          logs: { receivers: ['otlp'], exporters: ['file/logs'] },
          metrics: { receivers: ['otlp'], exporters: ['file/metrics'] },
        },
      },
    },
  });
}

/** Reads what every Collector of the slot wrote so far. */
export function readSlot(slot: AgentSlot) {
  const runs = Array.from({ length: slot.runs }, (_, run) => run);
  const path = (signal: string, run: number) => join(slot.outputDir, `${signal}-${run}.jsonl`);
  return {
    spans: runs.flatMap((run) => readSpans(path('traces', run))),
    logs: runs.flatMap((run) => readLogRecords(path('logs', run))),
    metrics: runs.flatMap((run) => readMetrics(path('metrics', run))),
  };
}

/** OTLP `AggregationTemporality` numbers as OTLP/JSON carries them. */
export const OTLP_DELTA = 1;
export const OTLP_CUMULATIVE = 2;

/**
 * Values of the sum data points of metric `name` with `temporality` in the slot's output,
 * in arrival order.
 */
export function sumValues(slot: AgentSlot, name: string, temporality: number): number[] {
  return readSlot(slot)
    .metrics.filter(
      (metric) =>
        metric.name === name && Number(metric.data.aggregationTemporality) === temporality,
    )
    .flatMap((metric) => (metric.data.dataPoints ?? []) as { asInt?: string; asDouble?: number }[])
    .map((point) => Number(point.asInt ?? point.asDouble));
}

/** The SDK pipelines of a test application with one exporter per signal and temporality. */
export interface TestApp {
  spanExporter: OtlpSpanExporter;
  logExporter: OtlpLogRecordExporter;
  cumulativeExporter: OtlpMetricExporter;
  deltaExporter: OtlpMetricExporter;
  /** Records one span, one log record and one count per tick; returns how many so far. */
  tick(): number;
  /** Returns the four exporters. */
  exporters(): (OtlpSpanExporter | OtlpLogRecordExporter | OtlpMetricExporter)[];
  /** Flushes the SDK, then waits up to `timeoutMillis` for every exporter to deliver. */
  deliverAll(timeoutMillis: number): Promise<boolean>;
  /** Flushes the SDK processors and readers, which hands everything to the exporters. */
  flushSdk(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Builds an application whose exporters send to `targetOf(signal)`, read before every
 * request. The metric exporters report the same counter, one with cumulative and one with
 * delta temporality.
 */
export function createTestApp(
  targetOf: (signal: OtlpSignal) => ExportTarget,
  options: { maxBackoffMillis?: number; maxQueueBytes?: number } = {},
): TestApp {
  const common = {
    retry: { initialBackoffMillis: 100, maxBackoffMillis: options.maxBackoffMillis ?? 1_000 },
    flushTimeoutMillis: 100,
    shutdownTimeoutMillis: 2_000,
    ...(options.maxQueueBytes === undefined ? {} : { maxQueueBytes: options.maxQueueBytes }),
  };
  const spanExporter = createOtlpSpanExporter({ ...common, target: () => targetOf('traces') });
  const logExporter = createOtlpLogRecordExporter({ ...common, target: () => targetOf('logs') });
  const metricsTarget = () => targetOf('metrics');
  const cumulativeExporter = createOtlpMetricExporter({ ...common, target: metricsTarget });
  const deltaExporter = createOtlpMetricExporter({
    ...common,
    target: metricsTarget,
    temporalityPreference: 'delta',
  });

  const tracerProvider = new TracerProvider({
    spanProcessors: [new BatchSpanProcessor({ exporter: spanExporter, scheduledDelayMillis: 100 })],
  });
  const loggerProvider = new LoggerProvider({
    processors: [new BatchLogRecordProcessor({ exporter: logExporter, scheduledDelayMillis: 100 })],
  });
  const readers = [cumulativeExporter, deltaExporter].map(
    (exporter) => new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 250 }),
  );
  const meterProvider = new MeterProvider({ readers });

  const tracer = tracerProvider.getTracer('transport-test');
  const logger = loggerProvider.getLogger('transport-test');
  const counter = meterProvider.getMeter('transport-test').createCounter('transport.test.ticks');
  let ticks = 0;

  return {
    spanExporter,
    logExporter,
    cumulativeExporter,
    deltaExporter,
    tick() {
      const index = ticks++;
      tracer.startSpan(`tick-${index}`).end();
      logger.emit({ body: `tick-${index}` });
      counter.add(1);
      return ticks;
    },
    exporters: () => [spanExporter, logExporter, cumulativeExporter, deltaExporter],
    async deliverAll(timeoutMillis) {
      await this.flushSdk();
      const reports = await Promise.all(
        this.exporters().map((exporter) => exporter.flush(timeoutMillis)),
      );
      return reports.every((report) => report.complete);
    },
    async flushSdk() {
      await Promise.all([
        tracerProvider.forceFlush(),
        loggerProvider.forceFlush(),
        ...readers.map((reader) => reader.forceFlush()),
      ]);
    },
    async shutdown() {
      await Promise.all([
        tracerProvider.shutdown(),
        loggerProvider.shutdown(),
        meterProvider.shutdown(),
      ]);
    },
  };
}

/** Calls `tick` every `intervalMillis` until `stop()`, which returns the tick count. */
export function tickContinuously(app: TestApp, intervalMillis: number) {
  let count = 0;
  const timer = setInterval(() => {
    count = app.tick();
  }, intervalMillis);
  return {
    stop(): number {
      clearInterval(timer);
      return count;
    },
  };
}
