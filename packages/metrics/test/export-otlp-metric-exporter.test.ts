import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import {
  AggregationTemporality,
  InstrumentType,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closedPort,
  startGrpcServer,
  startHttpServer,
  type TestServer,
} from '../../core/test/export-test-servers.js';
import {
  createOtlpMetricExporter,
  type OtlpMetricExporterOptions,
} from '../src/export/otlp-metric-exporter.js';
import { selectorForPreference } from '../src/export/temporality.js';

const FAST_RETRY = { initialBackoffMillis: 10, maxBackoffMillis: 40 };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track(server: TestServer): TestServer {
  cleanups.push(() => server.close());
  return server;
}

/** Builds a meter provider whose reader exports only when the test flushes it. */
function setup(options: OtlpMetricExporterOptions) {
  const exporter = createOtlpMetricExporter({
    retry: FAST_RETRY,
    // The reader's forceFlush also flushes the exporter, which waits this long while the
    // agent is down.
    flushTimeoutMillis: 50,
    shutdownTimeoutMillis: 200,
    ...options,
  });
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  cleanups.push(() => provider.shutdown());
  const counter = provider.getMeter('test-meter').createCounter('requests');
  return { exporter, reader, counter };
}

interface JsonDataPoint {
  asInt?: string | number;
  asDouble?: number;
  attributes: { key: string; value: { stringValue?: string } }[];
}

/** Reads the sum data points of metric `name` from an OTLP/JSON request body. */
function sumPoints(body: Buffer, name: string): JsonDataPoint[] {
  const request = JSON.parse(body.toString());
  const points: JsonDataPoint[] = [];
  for (const resource of request.resourceMetrics) {
    for (const scope of resource.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.name === name) points.push(...metric.sum.dataPoints);
      }
    }
  }
  return points;
}

function pointValue(point: JsonDataPoint): number {
  return Number(point.asInt ?? point.asDouble);
}

describe('metric exporter', () => {
  it('exports OTLP/JSON', async () => {
    const server = track(await startHttpServer(() => ({ status: 200 })));
    const { exporter, reader, counter } = setup({
      target: { url: `${server.url}/v1/metrics`, protocol: 'http/json' },
    });

    counter.add(5, { route: '/infer' });
    await reader.forceFlush();

    expect(server.requests).toHaveLength(1);
    const points = sumPoints(server.requests[0]!.body, 'requests');
    expect(points.map(pointValue)).toEqual([5]);
    expect(points[0]!.attributes).toEqual([{ key: 'route', value: { stringValue: '/infer' } }]);
    expect(exporter.getStats().exportedItems).toBe(1);
  });

  it('exports protobuf over gRPC', async () => {
    const server = track(await startGrpcServer(() => ({ code: 0 })));
    const { exporter, reader, counter } = setup({
      target: { url: `127.0.0.1:${server.port}`, protocol: 'grpc', insecure: true },
    });

    counter.add(1, { route: 'a' });
    counter.add(1, { route: 'b' });
    await reader.forceFlush();

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body.toString()).toContain('requests');
    expect(exporter.getStats().exportedItems).toBe(2);
  });

  it('replaces superseded cumulative snapshots', async () => {
    const port = await closedPort();
    const { exporter, reader, counter } = setup({
      target: { url: `http://127.0.0.1:${port}/v1/metrics`, protocol: 'http/json' },
      maxQueueItems: 3,
    });

    for (let round = 1; round <= 4; round++) {
      counter.add(round, { route: 'a' });
      counter.add(10 * round, { route: 'b' });
      await reader.forceFlush();
      // A batch being sent is never evicted, so each round waits until the refused attempt
      // has put the transport into backoff, where every queued batch can be replaced.
      const deadline = Date.now() + 2_000;
      while (exporter.status().state === 'sending' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    const stats = exporter.getStats();

    expect(stats.bufferedItems).toBe(2);
    expect(stats.droppedItems.superseded).toBe(6);
    expect(stats.droppedItems.overflow).toBe(0);

    const server = track(await startHttpServer(() => ({ status: 200 }), port));
    const report = await exporter.flush(5_000);
    expect(report.complete).toBe(true);
    expect(server.requests).toHaveLength(1);
    const points = sumPoints(server.requests[0]!.body, 'requests')
      .map(pointValue)
      .sort((a, b) => a - b);
    expect(points).toEqual([10, 100]);
  });

  it('keeps delta snapshots in order', async () => {
    const port = await closedPort();
    const { exporter, reader, counter } = setup({
      target: { url: `http://127.0.0.1:${port}/v1/metrics`, protocol: 'http/json' },
      temporalityPreference: 'delta',
    });

    for (let round = 1; round <= 3; round++) {
      counter.add(round);
      await reader.forceFlush();
    }
    expect(exporter.getStats().bufferedBatches).toBe(3);

    const server = track(await startHttpServer(() => ({ status: 200 }), port));
    await exporter.flush(5_000);
    const values = server.requests.map((request) =>
      pointValue(sumPoints(request.body, 'requests')[0]!),
    );
    expect(values).toEqual([1, 2, 3]);
  });

  it('drops oldest deltas past cap', async () => {
    const port = await closedPort();
    const { exporter, reader, counter } = setup({
      target: { url: `http://127.0.0.1:${port}/v1/metrics`, protocol: 'http/json' },
      temporalityPreference: 'delta',
      maxQueueItems: 2,
    });

    for (let round = 1; round <= 5; round++) {
      counter.add(round);
      await reader.forceFlush();
    }
    const stats = exporter.getStats();

    expect(stats.bufferedItems).toBeLessThanOrEqual(3);
    expect(stats.bufferedItems + stats.droppedItems.overflow).toBe(5);
    expect(stats.droppedItems.superseded).toBe(0);
  });

  it('selects temporality', () => {
    const exporter = createOtlpMetricExporter({
      target: { url: 'http://127.0.0.1:1/v1/metrics', protocol: 'http/protobuf' },
      temporalityPreference: 'lowmemory',
    });
    cleanups.push(() => exporter.shutdown());

    expect(exporter.selectAggregationTemporality!(InstrumentType.COUNTER)).toBe(
      AggregationTemporality.DELTA,
    );
    expect(exporter.selectAggregationTemporality!(InstrumentType.OBSERVABLE_COUNTER)).toBe(
      AggregationTemporality.CUMULATIVE,
    );
    expect(exporter.selectAggregationTemporality!(InstrumentType.UP_DOWN_COUNTER)).toBe(
      AggregationTemporality.CUMULATIVE,
    );
  });

  it.each([
    ['cumulative', [1, 1, 1, 1, 1, 1, 1]],
    ['delta', [0, 1, 0, 1, 0, 1, 1]],
    ['lowmemory', [0, 1, 0, 1, 1, 1, 1]],
  ] as const)('maps %s preference', (preference, expected) => {
    const selector = selectorForPreference(preference);
    const instruments = [
      InstrumentType.COUNTER,
      InstrumentType.GAUGE,
      InstrumentType.HISTOGRAM,
      InstrumentType.UP_DOWN_COUNTER,
      InstrumentType.OBSERVABLE_COUNTER,
      InstrumentType.OBSERVABLE_GAUGE,
      InstrumentType.OBSERVABLE_UP_DOWN_COUNTER,
    ];

    expect(instruments.map((instrument) => selector(instrument))).toEqual(expected);
  });

  it('rejects invalid preference', () => {
    expect(() =>
      createOtlpMetricExporter({
        target: { url: 'http://127.0.0.1:1/v1/metrics', protocol: 'http/protobuf' },
        temporalityPreference: 'sometimes' as 'delta',
      }),
    ).toThrow(
      'Invalid temporalityPreference: sometimes. Expected one of cumulative, delta, lowmemory.',
    );
  });

  it('fails export after shutdown', async () => {
    const { exporter, reader, counter } = setup({
      target: { url: 'http://127.0.0.1:1/v1/metrics', protocol: 'http/protobuf' },
    });
    counter.add(1);
    const { resourceMetrics } = await reader.collect();
    await exporter.shutdown();

    const result = await new Promise<ExportResult>((resolve) =>
      exporter.export(resourceMetrics, resolve),
    );
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect(result.error?.message).toBe('Exporter is shut down.');
  });
});
