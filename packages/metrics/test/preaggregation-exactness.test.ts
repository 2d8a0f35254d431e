import type { Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationType,
  DataPointType,
  type ExponentialHistogram,
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createPreAggregator, type PreAggregator } from '../src/preaggregation/index.js';

/** A reader that collects only when a test calls `collect()`. */
class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

const opened: PreAggregator[] = [];

function preAggregator(): PreAggregator {
  const created = createPreAggregator({ intervalMillis: 3_600_000, windowOffsetMillis: 0 });
  opened.push(created);
  return created;
}

afterEach(async () => {
  for (const item of opened.splice(0)) await item.shutdown();
});

async function collectNow(producer: PreAggregator): Promise<MetricData[]> {
  await producer.forceFlush();
  const result = await producer.collect();
  expect(result.errors).toEqual([]);
  return result.resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
}

function metricNamed(metrics: MetricData[], name: string): MetricData {
  const metric = metrics.find((item) => item.descriptor.name === name);
  if (metric === undefined) throw new Error(`metric ${name} not collected`);
  return metric;
}

/** Values that hit bucket boundaries exactly, fall between them, and exceed the last one. */
const VALUES = [
  -3, 0, 0, 0.5, 1, 2, 2, 2.000001, 3, 4.5, 5, 7, 10, 10, 99.75, 100, 100.25, 1e6, -0.25, 42,
];

describe('pre-aggregation exactness', () => {
  it('counter sums per series', async () => {
    const producer = preAggregator();
    const counter = producer.counter('requests', { unit: '{request}', description: 'Requests' });

    for (let i = 1; i <= 1000; i++) {
      counter.add(i, { model: 'a', op: 'infer' });
      counter.add(0.5, { op: 'infer', model: 'b' });
    }
    counter.add(7);

    const metric = metricNamed(await collectNow(producer), 'requests');
    expect(metric.dataPointType).toBe(DataPointType.SUM);
    expect(metric.descriptor.unit).toBe('{request}');
    expect(metric.descriptor.description).toBe('Requests');
    const byModel = new Map(metric.dataPoints.map((p) => [p.attributes.model, p.value]));
    expect(byModel.get('a')).toBe(500_500);
    expect(byModel.get('b')).toBe(500);
    expect(byModel.get(undefined)).toBe(7);
    expect(metric.dataPoints).toHaveLength(3);
  });

  it('key order gives one series', async () => {
    const producer = preAggregator();
    const counter = producer.counter('orders');

    counter.add(1, { a: '1', b: '2', c: '3' });
    counter.add(1, { c: '3', a: '1', b: '2' });
    counter.add(1, { b: '2', c: '3', a: '1' });

    const metric = metricNamed(await collectNow(producer), 'orders');
    expect(metric.dataPoints).toHaveLength(1);
    expect(metric.dataPoints[0]!.value).toBe(3);
    expect(Object.keys(metric.dataPoints[0]!.attributes)).toEqual(['a', 'b', 'c']);
  });

  it('up-down counter keeps negative sums', async () => {
    const producer = preAggregator();
    const gaugeLike = producer.upDownCounter('queue.depth');

    gaugeLike.add(5, { queue: 'q' });
    gaugeLike.add(-8, { queue: 'q' });
    const bound = gaugeLike.bind({ queue: 'q' });
    bound.add(-0.5);

    const metric = metricNamed(await collectNow(producer), 'queue.depth');
    expect(metric.dataPointType).toBe(DataPointType.SUM);
    expect((metric as { isMonotonic?: boolean }).isMonotonic).toBe(false);
    expect(metric.dataPoints[0]!.value).toBe(-3.5);
  });

  it('histogram equals the SDK', async () => {
    const boundaries = [0, 1, 2, 5, 10, 100];
    const producer = preAggregator();
    const histogram = producer.histogram('latency', { boundaries });

    const sdkReader = new ManualReader();
    const provider = new MeterProvider({
      readers: [sdkReader],
      views: [
        {
          instrumentName: 'latency',
          aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries } },
        },
      ],
    });
    const sdkHistogram = provider.getMeter('test').createHistogram('latency');

    // The SDK's histogram drops negative values, so only the others go to both.
    for (const value of VALUES.filter((item) => item >= 0)) {
      histogram.record(value, { model: 'm' });
      sdkHistogram.record(value, { model: 'm' });
    }

    const ours = metricNamed(await collectNow(producer), 'latency');
    const sdk = (await sdkReader.collect()).resourceMetrics.scopeMetrics[0]!.metrics[0]!;
    await provider.shutdown();

    const ourValue = ours.dataPoints[0]!.value as Histogram;
    const sdkValue = sdk.dataPoints[0]!.value as Histogram;
    expect(ourValue.buckets).toEqual(sdkValue.buckets);
    expect(ourValue.buckets.counts).toEqual([2, 2, 2, 4, 3, 3, 2]);
    expect(ourValue.count).toBe(sdkValue.count);
    expect(ourValue.sum).toBe(sdkValue.sum);
    expect(ourValue.min).toBe(0);
    expect(ourValue.max).toBe(1e6);
  });

  it('histogram counts negative values', async () => {
    const producer = preAggregator();
    const histogram = producer.histogram('offsets', { boundaries: [0, 1, 2, 5, 10, 100] });

    for (const value of VALUES) histogram.record(value);

    const value = metricNamed(await collectNow(producer), 'offsets').dataPoints[0]!
      .value as Histogram;
    expect(value.buckets.counts).toEqual([4, 2, 2, 4, 3, 3, 2]);
    expect(value.count).toBe(20);
    expect(value.sum).toBe(VALUES.reduce((total, item) => total + item, 0));
    expect(value.min).toBe(-3);
    expect(value.max).toBe(1e6);
  });

  it('histogram large and fractional values', async () => {
    const boundaries = [0.5, 1, 3, 1024, 4096, 2 ** 32, 1e12];
    const values = [
      0.25,
      0.5,
      0.75,
      1,
      1.5,
      3,
      3.5,
      1024,
      1025,
      4e3,
      2 ** 32,
      2 ** 32 + 1,
      5e9,
      1e12,
      2e12,
    ];
    const producer = preAggregator();
    const histogram = producer.histogram('large', { boundaries });

    for (const value of values) histogram.record(value);

    const counts = (
      metricNamed(await collectNow(producer), 'large').dataPoints[0]!.value as Histogram
    ).buckets.counts;
    expect(counts).toEqual([2, 2, 2, 2, 2, 1, 3, 1]);
  });

  it.each([
    { name: 'default boundaries', boundaries: undefined },
    { name: 'dense boundaries', boundaries: Array.from({ length: 60 }, (_, i) => 2 ** (i / 3)) },
  ])('random values equal the SDK: $name', async ({ boundaries }) => {
    const producer = preAggregator();
    const histogram = producer.histogram('random', boundaries ? { boundaries } : {});
    const sdkReader = new ManualReader();
    const provider = new MeterProvider({
      readers: [sdkReader],
      views: boundaries
        ? [
            {
              instrumentName: 'random',
              aggregation: {
                type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
                options: { boundaries },
              },
            },
          ]
        : [],
    });
    const sdkHistogram = provider.getMeter('test').createHistogram('random');

    // Log-uniform values from 1e-3 to 1e13 with a fixed seed, plus every boundary exactly.
    let state = 12345;
    const next = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const values = Array.from({ length: 5000 }, () => 10 ** (next() * 16 - 3));
    values.push(...(boundaries ?? [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000]));
    for (const value of values) {
      histogram.record(value);
      sdkHistogram.record(value);
    }

    const ours = metricNamed(await collectNow(producer), 'random').dataPoints[0]!
      .value as Histogram;
    const sdk = (await sdkReader.collect()).resourceMetrics.scopeMetrics[0]!.metrics[0]!
      .dataPoints[0]!.value as Histogram;
    await provider.shutdown();
    expect(ours.buckets).toEqual(sdk.buckets);
    expect(ours.count).toBe(values.length);
  });

  it('histogram binary search boundaries', async () => {
    const boundaries = Array.from({ length: 40 }, (_, i) => i * 2.5);
    const producer = preAggregator();
    const histogram = producer.histogram('wide', { boundaries });

    const expected = new Array(boundaries.length + 1).fill(0);
    for (let i = -10; i < 1100; i++) {
      const value = i / 10;
      histogram.record(value);
      const bucket = boundaries.findIndex((boundary) => value <= boundary);
      expected[bucket === -1 ? boundaries.length : bucket]++;
    }

    const metric = metricNamed(await collectNow(producer), 'wide');
    expect((metric.dataPoints[0]!.value as Histogram).buckets.counts).toEqual(expected);
  });

  it.each([
    { name: 'small range', values: [1, 2, 3, 4, 5, 6, 7, 8] },
    { name: 'wide range', values: [0.001, 0.5, 1, 3, 1024, 5e5, 1e9] },
    { name: 'zeros', values: [0, 0, 0.25, 4, 16, 17] },
    { name: 'powers of two', values: [0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64] },
    { name: 'one value', values: [7.25] },
    { name: 'subnormal and huge', values: [5e-324, 1e-310, 1e-300, 1e300, 1.7e308] },
    { name: 'many values', values: Array.from({ length: 500 }, (_, i) => 1 + i * 0.37) },
  ])('exponential histogram equals the SDK: $name', async ({ values }) => {
    const producer = preAggregator();
    const histogram = producer.histogram('exp', { aggregation: 'exponential', maxSize: 20 });

    const sdkReader = new ManualReader();
    const provider = new MeterProvider({
      readers: [sdkReader],
      views: [
        {
          instrumentName: 'exp',
          aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 20 } },
        },
      ],
    });
    const sdkHistogram = provider.getMeter('test').createHistogram('exp');

    for (const value of values) {
      histogram.record(value);
      sdkHistogram.record(value);
    }

    const ours = metricNamed(await collectNow(producer), 'exp');
    const sdk = (await sdkReader.collect()).resourceMetrics.scopeMetrics[0]!.metrics[0]!;
    await provider.shutdown();

    expect(ours.dataPointType).toBe(DataPointType.EXPONENTIAL_HISTOGRAM);
    const ourValue = ours.dataPoints[0]!.value as ExponentialHistogram;
    const sdkValue = sdk.dataPoints[0]!.value as ExponentialHistogram;
    expect(ourValue.scale).toBe(sdkValue.scale);
    expect(ourValue.zeroCount).toBe(sdkValue.zeroCount);
    expect(ourValue.positive).toEqual(sdkValue.positive);
    expect(ourValue.negative).toEqual(sdkValue.negative);
    expect(ourValue.count).toBe(values.length);
    expect(ourValue.sum).toBe(sdkValue.sum);
    expect(ourValue.min).toBe(Math.min(...values));
    expect(ourValue.max).toBe(Math.max(...values));
  });

  it('exponential negatives mirror positives', async () => {
    const values = [-1e3, -2, -1.5, 0, 0.25, 4, 16, 17, 3e4];
    const producer = preAggregator();
    const direct = producer.histogram('direct', { aggregation: 'exponential', maxSize: 20 });
    const mirrored = producer.histogram('mirrored', { aggregation: 'exponential', maxSize: 20 });

    for (const value of values) {
      direct.record(value);
      mirrored.record(-value);
    }

    const metrics = await collectNow(producer);
    const a = metricNamed(metrics, 'direct').dataPoints[0]!.value as ExponentialHistogram;
    const b = metricNamed(metrics, 'mirrored').dataPoints[0]!.value as ExponentialHistogram;
    expect(a.negative.bucketCounts.reduce((x, y) => x + y, 0)).toBe(3);
    expect(a.positive.bucketCounts.reduce((x, y) => x + y, 0)).toBe(5);
    expect(a.zeroCount).toBe(1);
    expect(b.scale).toBe(a.scale);
    expect(b.positive).toEqual(a.negative);
    expect(b.negative).toEqual(a.positive);
    expect(a.positive.bucketCounts.length).toBeLessThanOrEqual(20);
  });

  it('gauge window statistics', async () => {
    const producer = preAggregator();
    const gauge = producer.gauge('gpu.utilization', { unit: '1' });

    for (const value of [0.5, 0.25, 0.875, 0.75]) gauge.record(value, { gpu: '0' });
    gauge.bind({ gpu: '1' }).record(-2);

    const metrics = await collectNow(producer);
    const pointValue = (name: string, gpu: string) =>
      metricNamed(metrics, name).dataPoints.find((p) => p.attributes.gpu === gpu)?.value;
    expect(metricNamed(metrics, 'gpu.utilization').dataPointType).toBe(DataPointType.GAUGE);
    expect(pointValue('gpu.utilization', '0')).toBe(0.75);
    expect(pointValue('gpu.utilization.min', '0')).toBe(0.25);
    expect(pointValue('gpu.utilization.max', '0')).toBe(0.875);
    expect(pointValue('gpu.utilization.sum', '0')).toBe(2.375);
    expect(pointValue('gpu.utilization.count', '0')).toBe(4);
    expect(pointValue('gpu.utilization', '1')).toBe(-2);
    expect(metricNamed(metrics, 'gpu.utilization.count').descriptor.unit).toBe('1');
  });

  it('gauge statistics option', async () => {
    const producer = preAggregator();
    producer.gauge('temperature', { statistics: ['max'] }).record(40);

    const names = (await collectNow(producer)).map((metric) => metric.descriptor.name);
    expect(names).toEqual(['temperature', 'temperature.max']);
  });

  it('reader export carries SDK resource', async () => {
    const producer = preAggregator();
    const reader = new ManualReader({ metricProducers: [producer] });
    const provider = new MeterProvider({
      readers: [reader],
      resource: resourceFromAttributes({ 'service.name': 'agent' }),
    });
    provider.getMeter('sdk').createCounter('sdk.requests').add(2);
    producer.counter('fast.requests').add(3, { model: 'm' });
    await producer.forceFlush();

    const { resourceMetrics, errors } = await reader.collect();
    await provider.shutdown();

    expect(errors).toEqual([]);
    expect(resourceMetrics.resource.attributes['service.name']).toBe('agent');
    const names = resourceMetrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.map((metric) => `${scope.scope.name}/${metric.descriptor.name}`),
    );
    expect(names).toEqual(['sdk/sdk.requests', '@mlsysops/telemetry-metrics/fast.requests']);
  });

  it('many series stay separate', async () => {
    const producer = preAggregator();
    const counter = producer.counter('per.series');
    const expected = new Map<string, number>();

    for (let i = 0; i < 20_000; i++) {
      const attributes: Attributes = { id: `s${i % 1500}`, shard: i % 3 };
      counter.add(1, attributes);
      const key = `${attributes.id}/${attributes.shard}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }

    const metric = metricNamed(await collectNow(producer), 'per.series');
    expect(metric.dataPoints).toHaveLength(expected.size);
    for (const point of metric.dataPoints) {
      expect(point.value).toBe(expected.get(`${point.attributes.id}/${point.attributes.shard}`));
    }
  });
});
