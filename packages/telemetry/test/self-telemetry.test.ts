import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ATTR_TELEMETRY_DROP_REASON,
  ATTR_TELEMETRY_SIGNAL,
  METRIC_TELEMETRY_BUFFERED,
  METRIC_TELEMETRY_DROPPED,
  registerSelfTelemetry,
} from '../src/self-telemetry.js';
import { disabledSignalStatus, readSignalStatus, type SignalStatus } from '../src/status.js';

let provider: MeterProvider | undefined;

afterEach(async () => {
  await provider?.shutdown();
});

function transportStatus(overrides: Record<string, unknown> = {}) {
  return {
    signal: 'traces',
    exportedItems: 10,
    exportedBatches: 2,
    retriedRequests: 3,
    bufferedItems: 4,
    bufferedBatches: 1,
    bufferedBytes: 900,
    droppedItems: { overflow: 5, superseded: 0, 'too-large': 1, shutdown: 0 },
    failedItems: 2,
    rejectedItems: 1,
    state: 'backoff',
    protocol: 'http/protobuf',
    endpoint: 'http://127.0.0.1:4318/v1/traces',
    consecutiveFailures: 2,
    lastError: 'HTTP 503',
    lastSuccessMillis: 1,
    nextAttemptMillis: 2,
    ...overrides,
  };
}

describe('readSignalStatus', () => {
  it('maps transport status', () => {
    const status = readSignalStatus({ status: () => transportStatus() });

    expect(status).toEqual({
      enabled: true,
      endpoint: 'http://127.0.0.1:4318/v1/traces',
      reachable: false,
      lastError: 'HTTP 503',
      exported: 10,
      retried: 3,
      buffered: 4,
      dropped: 6,
      droppedByReason: { overflow: 5, superseded: 0, 'too-large': 1, shutdown: 0 },
      failed: 3,
    });
  });

  it('reports reachable after success', () => {
    const status = readSignalStatus({
      status: () => transportStatus({ consecutiveFailures: 0 }),
    });
    expect(status.reachable).toBe(true);
  });

  it('reports unknown before first attempt', () => {
    const status = readSignalStatus({
      status: () => transportStatus({ consecutiveFailures: 0, lastSuccessMillis: undefined }),
    });
    expect(status.reachable).toBeUndefined();
  });

  it('zeroes a plain exporter', () => {
    expect(readSignalStatus({ export: () => undefined })).toEqual({
      ...disabledSignalStatus(),
      enabled: true,
    });
  });

  it('survives a throwing status', () => {
    const status = readSignalStatus({
      status: () => {
        throw new Error('broken');
      },
    });
    expect(status.exported).toBe(0);
  });
});

describe('registerSelfTelemetry', () => {
  it('observes per signal and reason', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    provider = new MeterProvider({ readers: [reader] });
    const statuses: Record<'metrics' | 'traces' | 'logs', SignalStatus> = {
      metrics: disabledSignalStatus(),
      traces: readSignalStatus({ status: () => transportStatus() }),
      logs: disabledSignalStatus(),
    };

    let reads = 0;
    const remove = registerSelfTelemetry(provider.getMeter('self'), () => {
      reads++;
      return statuses;
    });
    await reader.forceFlush();

    const metrics = exporter.getMetrics().at(-1)!.scopeMetrics[0]!.metrics;
    const buffered = metrics.find((m) => m.descriptor.name === METRIC_TELEMETRY_BUFFERED)!;
    expect(buffered.dataPoints.map((p) => [p.attributes[ATTR_TELEMETRY_SIGNAL], p.value])).toEqual([
      ['traces', 4],
    ]);
    const dropped = metrics.find((m) => m.descriptor.name === METRIC_TELEMETRY_DROPPED)!;
    const byReason = Object.fromEntries(
      dropped.dataPoints.map((p) => [p.attributes[ATTR_TELEMETRY_DROP_REASON], p.value]),
    );
    expect(byReason).toEqual({ overflow: 5, superseded: 0, 'too-large': 1, shutdown: 0 });
    expect(reads).toBe(1);

    remove();
    await reader.forceFlush();
    expect(reads).toBe(1);
  });
});
