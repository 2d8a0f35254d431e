// Pre-aggregated metrics through the real Collector into Prometheus: one million values
// recorded at full speed must arrive with exact counts, sums and bucket counts. The same
// checks run with the upstream OTLP/HTTP JSON exporter and with this repository's OTLP
// exporter sending protobuf. A third case sends delta sums, exponential histograms and gauge
// statistics, read back from the Collector's file exporter because Prometheus stores no deltas.
import {
  createOtlpMetricExporter,
  createPreAggregator,
  type PreAggregator,
} from '@mlsysops/telemetry-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorHandle, startCollector } from './support/collector.js';
import { OUTPUT_FILES, testCollectorConfig } from './support/collector-config.js';
import { type MetricRecord, readMetrics, waitForRecords } from './support/otlp-files.js';
import { type PrometheusHandle, startPrometheus } from './support/prometheus.js';

const RECORDS = 1_000_000;
const MODELS = ['resnet', 'bert', 'llama', 'whisper'];
const BOUNDARIES = [10, 50, 100, 200];
const OVERFLOW_LIMIT = 10;
const OVERFLOW_SETS = 100;

interface Expected {
  count: number;
  sum: number;
  /** Cumulative count per `le` label, as Prometheus stores histogram buckets. */
  buckets: Map<string, number>;
}

let prometheus: PrometheusHandle;
let collector: CollectorHandle;

beforeAll(async () => {
  prometheus = await startPrometheus();
  collector = await startCollector({
    config: testCollectorConfig({ remoteWriteUrl: prometheus.remoteWriteUrl }),
  });
}, 120_000);

afterAll(async () => {
  await collector?.stop();
  await prometheus?.stop();
});

/** Returns the single value of an instant query once it equals `value`, else the last one. */
async function queryValue(promql: string, value: number): Promise<number | undefined> {
  const samples = await prometheus
    .waitFor(promql, (result) => result.length === 1 && result[0]!.value === value, 60_000)
    .catch(async () => prometheus.query(promql));
  return samples.length === 1 ? samples[0]!.value : undefined;
}

/** Computes what Prometheus must hold for the records of {@link recordAll}, in the same order. */
function expectedSeries(): Map<string, Expected> {
  const expected = new Map<string, Expected>();
  for (const model of MODELS) {
    for (const path of ['bound', 'literal']) {
      expected.set(`${model}/${path}`, { count: 0, sum: 0, buckets: new Map() });
    }
  }

  for (let i = 0; i < RECORDS; i++) {
    const value = (i % 1000) / 4;
    const item = expected.get(`${MODELS[i & 3]}/${i & 4 ? 'bound' : 'literal'}`)!;
    item.count++;
    item.sum += value;
    for (const boundary of BOUNDARIES) {
      const le = String(boundary);
      if (value <= boundary) item.buckets.set(le, (item.buckets.get(le) ?? 0) + 1);
    }
    item.buckets.set('+Inf', item.count);
  }
  return expected;
}

/** Records the test data on `preAggregator` and returns the time it took in milliseconds. */
function recordAll(preAggregator: PreAggregator, prefix: string): number {
  const histogram = preAggregator.histogram(`${prefix}_latency`, { boundaries: BOUNDARIES });
  const counter = preAggregator.counter(`${prefix}_requests`);
  const limited = preAggregator.counter(`${prefix}_limited`, { cardinalityLimit: OVERFLOW_LIMIT });
  const bound = MODELS.map((model) => histogram.bind({ model, path: 'bound' }));

  const start = performance.now();
  for (let i = 0; i < RECORDS; i++) {
    // Multiples of 1/4 below 2^40 add up without rounding, so the sums are exact.
    const value = (i % 1000) / 4;
    const model = i & 3;
    if (i & 4) bound[model]!.record(value);
    else histogram.record(value, { model: MODELS[model], path: 'literal' });
    counter.add(1, { model: MODELS[model] });
  }
  const millis = performance.now() - start;

  for (let i = 0; i < OVERFLOW_SETS; i++) limited.add(2, { request: `request-${i}` });
  return millis;
}

const PIPELINES: { name: string; prefix: string; exporter: () => PushMetricExporter }[] = [
  {
    name: 'upstream JSON exporter',
    prefix: 'preagg_json',
    exporter: () => new OTLPMetricExporter({ url: `${collector.endpoints.otlpHttp}/v1/metrics` }),
  },
  {
    name: 'package protobuf exporter',
    prefix: 'preagg_proto',
    exporter: () =>
      createOtlpMetricExporter({
        target: { url: `${collector.endpoints.otlpHttp}/v1/metrics`, protocol: 'http/protobuf' },
      }),
  },
];

describe.each(PIPELINES)('pre-aggregation end to end: $name', ({ prefix, exporter }) => {
  let meterProvider: MeterProvider;
  let preAggregator: PreAggregator;
  let recordMillis = 0;
  const expected = expectedSeries();

  beforeAll(async () => {
    preAggregator = createPreAggregator({ intervalMillis: 1_000 });
    meterProvider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'preaggregation-e2e' }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: exporter(),
          exportIntervalMillis: 500,
          metricProducers: [preAggregator],
        }),
      ],
    });

    recordMillis = recordAll(preAggregator, prefix);
    await preAggregator.forceFlush();
    await meterProvider.forceFlush();
  }, 120_000);

  afterAll(async () => {
    await preAggregator?.shutdown();
    await meterProvider?.shutdown();
  });

  it('records at full speed', () => {
    const stats = preAggregator.stats();
    expect(stats.recorded).toBe(2 * RECORDS + OVERFLOW_SETS);
    expect(stats.dropped).toEqual({ notNumber: 0, nonFinite: 0, negative: 0, afterShutdown: 0 });
    console.log(
      `${prefix}: recorded ${RECORDS} histogram values and ${RECORDS} counter adds in ${recordMillis.toFixed(0)} ms`,
    );
  });

  it('counter total exact', async () => {
    expect(await queryValue(`sum(${prefix}_requests_total)`, RECORDS)).toBe(RECORDS);
    for (const model of MODELS) {
      const promql = `${prefix}_requests_total{model="${model}"}`;
      expect(await queryValue(promql, RECORDS / 4)).toBe(RECORDS / 4);
    }
  });

  it('histogram count and sum exact', async () => {
    expect(await queryValue(`sum(${prefix}_latency_count)`, RECORDS)).toBe(RECORDS);
    for (const [key, item] of expected) {
      const [model, path] = key.split('/');
      const selector = `{model="${model}",path="${path}"}`;
      expect(await queryValue(`${prefix}_latency_count${selector}`, item.count)).toBe(item.count);
      expect(await queryValue(`${prefix}_latency_sum${selector}`, item.sum)).toBe(item.sum);
    }
  });

  it('histogram buckets exact', async () => {
    for (const [key, item] of expected) {
      const [model, path] = key.split('/');
      for (const [le, count] of item.buckets) {
        const promql = `${prefix}_latency_bucket{model="${model}",path="${path}",le="${le}"}`;
        expect(await queryValue(promql, count)).toBe(count);
      }
    }
  });

  it('overflow series exact', async () => {
    const overflowTotal = (OVERFLOW_SETS - OVERFLOW_LIMIT) * 2;
    const overflow = `${prefix}_limited_total{otel_metric_overflow="true"}`;
    expect(await queryValue(overflow, overflowTotal)).toBe(overflowTotal);
    const seriesCount = `count(${prefix}_limited_total)`;
    expect(await queryValue(seriesCount, OVERFLOW_LIMIT + 1)).toBe(OVERFLOW_LIMIT + 1);
    const total = `sum(${prefix}_limited_total)`;
    expect(await queryValue(total, OVERFLOW_SETS * 2)).toBe(OVERFLOW_SETS * 2);
  });
});

/** `AGGREGATION_TEMPORALITY_DELTA` of the OTLP metrics protocol, as OTLP/JSON writes it. */
const OTLP_DELTA = 1;

describe('pre-aggregation end to end: delta windows', () => {
  const DELTA_RECORDS = 300_000;
  let meterProvider: MeterProvider;
  let preAggregator: PreAggregator;
  let metrics: MetricRecord[];

  beforeAll(async () => {
    preAggregator = createPreAggregator({ intervalMillis: 200, temporality: 'delta' });
    meterProvider = new MeterProvider({
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new OTLPMetricExporter({ url: `${collector.endpoints.otlpHttp}/v1/metrics` }),
          exportIntervalMillis: 100,
          metricProducers: [preAggregator],
        }),
      ],
    });
    const counter = preAggregator.counter('preagg_delta_requests');
    const histogram = preAggregator.histogram('preagg_delta_latency', {
      aggregation: 'exponential',
      maxSize: 40,
    });
    const gauge = preAggregator.gauge('preagg_delta_queue', { statistics: ['max', 'count'] });

    // Three bursts with pauses longer than a window, so the data spans several windows.
    for (let burst = 0; burst < 3; burst++) {
      for (let i = 0; i < DELTA_RECORDS / 3; i++) {
        counter.add(1, { burst: i & 1 ? 'odd' : 'even' });
        histogram.record((i % 500) + 0.5);
        gauge.record(i % 97);
      }
      await new Promise((resolve) => setTimeout(resolve, 450));
    }
    await preAggregator.shutdown();
    await meterProvider.shutdown();

    const path = collector.path(OUTPUT_FILES.metrics);
    const total = (records: MetricRecord[]) =>
      pointsOf(records, 'preagg_delta_requests').reduce((sum, p) => sum + Number(p.asDouble), 0);
    metrics = await waitForRecords(
      readMetrics,
      path,
      (records) => total(records) >= DELTA_RECORDS,
      {
        timeoutMillis: 30_000,
      },
    );
  }, 120_000);

  function pointsOf(records: MetricRecord[], name: string): Record<string, unknown>[] {
    return records
      .filter((record) => record.name === name)
      .flatMap((record) => (record.data.dataPoints ?? []) as Record<string, unknown>[]);
  }

  it('delta sums add up exactly', () => {
    const sums = metrics.filter((record) => record.name === 'preagg_delta_requests');
    expect(sums.length).toBeGreaterThanOrEqual(3);
    for (const record of sums) {
      expect(record.data.aggregationTemporality).toBe(OTLP_DELTA);
      expect(record.data.isMonotonic).toBe(true);
    }
    const points = pointsOf(metrics, 'preagg_delta_requests');
    const total = points.reduce((sum, p) => sum + Number(p.asDouble), 0);
    expect(total).toBe(DELTA_RECORDS);
  });

  it('exponential histogram counts exact', () => {
    const points = pointsOf(metrics, 'preagg_delta_latency');
    expect(points.length).toBeGreaterThanOrEqual(3);
    const count = points.reduce((sum, p) => sum + Number(p.count), 0);
    const bucketTotal = points.reduce((sum, p) => {
      const positive = (p.positive as { bucketCounts?: (string | number)[] }).bucketCounts ?? [];
      return sum + positive.reduce<number>((inner, item) => inner + Number(item), 0);
    }, 0);
    expect(count).toBe(DELTA_RECORDS);
    expect(bucketTotal).toBe(DELTA_RECORDS);
  });

  it('gauge statistics per window', () => {
    const maxima = pointsOf(metrics, 'preagg_delta_queue.max').map((p) => Number(p.asDouble));
    const counts = pointsOf(metrics, 'preagg_delta_queue.count').map((p) => Number(p.asDouble));
    expect(maxima.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...maxima)).toBe(96);
    expect(counts.reduce((sum, item) => sum + item, 0)).toBe(DELTA_RECORDS);
  });
});
