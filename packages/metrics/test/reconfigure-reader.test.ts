import {
  AggregationTemporality,
  DataPointType,
  type ExponentialHistogram,
  type Histogram,
  InMemoryMetricExporter,
  InstrumentType,
  MeterProvider,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAdjustableMetricFilter } from '../src/adjustable-metric-filter.js';
import { createAdjustableMetricReader } from '../src/adjustable-metric-reader.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  const pending = cleanups.splice(0).map((cleanup) => cleanup());
  // Shutdown waits on timers, which only run when a fake clock advances.
  if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(60_000);
  vi.useRealTimers();
  await Promise.all(pending);
});

function setup(exportIntervalMillis: number) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const reader = createAdjustableMetricReader({ exporter, exportIntervalMillis });
  const provider = new MeterProvider({ readers: [reader] });
  cleanups.push(() => provider.shutdown());
  const meter = provider.getMeter('reconfigure-test');
  return { exporter, reader, provider, meter };
}

/** Returns the sum of `name` over all exported delta batches, per attribute set. */
function totals(batches: ResourceMetrics[], name: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const batch of batches) {
    for (const scope of batch.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== name) continue;
        for (const point of metric.dataPoints) {
          const key = JSON.stringify(point.attributes);
          result.set(key, (result.get(key) ?? 0) + (point.value as number));
        }
      }
    }
  }
  return result;
}

function total(batches: ResourceMetrics[], name: string): number {
  let sum = 0;
  for (const value of totals(batches, name).values()) sum += value;
  return sum;
}

describe('adjustable metric reader', () => {
  it('interval change under load', async () => {
    vi.useFakeTimers({ now: 0 });
    const { exporter, reader, meter } = setup(1_000);
    const counter = meter.createCounter('requests');

    // 3 s at 1 s: 3 exports, 10 measurements between two timer steps of 100 ms.
    for (let step = 0; step < 30; step++) {
      for (let i = 0; i < 10; i++) counter.add(1, { model: 'a' });
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(exporter.getMetrics().length).toBe(3);
    expect(total(exporter.getMetrics(), 'requests')).toBe(300);

    // Shorter interval: the next export comes 100 ms after the change, not at 4 s.
    reader.setExportIntervalMillis(100);
    expect(reader.exportIntervalMillis).toBe(100);
    for (let step = 0; step < 10; step++) {
      for (let i = 0; i < 7; i++) counter.add(1, { model: 'a' });
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(exporter.getMetrics().length).toBe(13);
    expect(total(exporter.getMetrics(), 'requests')).toBe(370);

    // Longer interval again: the export due in 100 ms still runs, then one per 2 s.
    reader.setExportIntervalMillis(2_000);
    for (let i = 0; i < 5; i++) counter.add(1, { model: 'a' });
    await vi.advanceTimersByTimeAsync(100);
    expect(exporter.getMetrics().length).toBe(14);
    counter.add(11, { model: 'a' });
    await vi.advanceTimersByTimeAsync(1_900);
    expect(exporter.getMetrics().length).toBe(14);
    await vi.advanceTimersByTimeAsync(100);
    expect(exporter.getMetrics().length).toBe(15);
    expect(total(exporter.getMetrics(), 'requests')).toBe(386);
  });

  it('interval rejects invalid values', () => {
    const { reader } = setup(1_000);
    expect(() => reader.setExportIntervalMillis(0)).toThrow(
      'Invalid exportIntervalMillis: 0; expected an integer number of milliseconds from 1 to 2147483647.',
    );
    expect(() => reader.setExportIntervalMillis(1.5)).toThrow(RangeError);
    expect(reader.exportIntervalMillis).toBe(1_000);
  });

  it('constructor rejects invalid interval', () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
    expect(() => createAdjustableMetricReader({ exporter, exportIntervalMillis: -1 })).toThrow(
      'Invalid exportIntervalMillis: -1',
    );
  });

  it('view rules change under load', async () => {
    vi.useFakeTimers({ now: 0 });
    const { exporter, reader, meter } = setup(1_000);
    const counter = meter.createCounter('inference.requests');
    const other = meter.createCounter('queue.events');

    const load = async (rounds: number) => {
      for (let round = 0; round < rounds; round++) {
        counter.add(1, { model: 'a', pod: 'p1' });
        counter.add(2, { model: 'b', pod: 'p1' });
        counter.add(3, { model: 'a', pod: 'p2' });
        other.add(1);
        await vi.advanceTimersByTimeAsync(100);
      }
    };

    await load(10);
    expect(exporter.getMetrics().length).toBe(1);
    expect(totals(exporter.getMetrics(), 'inference.requests')).toEqual(
      new Map([
        ['{"model":"a","pod":"p1"}', 10],
        ['{"model":"b","pod":"p1"}', 20],
        ['{"model":"a","pod":"p2"}', 30],
      ]),
    );
    exporter.reset();

    reader.setViewRules([
      { instrument: 'inference.*', attributeKeys: ['model'] },
      { instrument: 'queue.events', drop: true },
    ]);
    await load(10);
    expect(exporter.getMetrics().length).toBe(1);
    expect(totals(exporter.getMetrics(), 'inference.requests')).toEqual(
      new Map([
        ['{"model":"a"}', 40],
        ['{"model":"b"}', 20],
      ]),
    );
    expect(totals(exporter.getMetrics(), 'queue.events').size).toBe(0);
    expect(reader.viewStats()).toEqual({ droppedPoints: 1, mergedPoints: 1 });
    exporter.reset();

    // Removing the rules restores every series; the delta totals stay exact.
    reader.setViewRules([]);
    await load(10);
    expect(total(exporter.getMetrics(), 'inference.requests')).toBe(60);
    expect(total(exporter.getMetrics(), 'queue.events')).toBe(10);
  });

  it('cardinality limits per kind', () => {
    const reader = createAdjustableMetricReader({
      exporter: new InMemoryMetricExporter(AggregationTemporality.DELTA),
      cardinalityLimits: { default: 3, observableUpDownCounter: 7, histogram: 5 },
    });
    expect(reader.selectCardinalityLimit(InstrumentType.OBSERVABLE_UP_DOWN_COUNTER)).toBe(7);
    expect(reader.selectCardinalityLimit(InstrumentType.HISTOGRAM)).toBe(5);
    expect(reader.selectCardinalityLimit(InstrumentType.COUNTER)).toBe(3);
  });

  it('shutdown exports last window', async () => {
    const { exporter, meter, provider } = setup(60_000);
    meter.createCounter('requests').add(42);
    await provider.shutdown();
    expect(total(exporter.getMetrics(), 'requests')).toBe(42);
  });
});

describe('adjustable metric filter', () => {
  const resource = {} as ResourceMetrics['resource'];

  function single(
    dataPointType: DataPointType,
    points: { attributes: object; value: unknown; end: number }[],
  ): ResourceMetrics {
    return {
      resource,
      scopeMetrics: [
        {
          scope: { name: 's' },
          metrics: [
            {
              descriptor: { name: 'm', description: '', unit: '', type: 'HISTOGRAM', valueType: 1 },
              aggregationTemporality: AggregationTemporality.DELTA,
              dataPointType,
              isMonotonic: true,
              dataPoints: points.map((point) => ({
                attributes: point.attributes,
                startTime: [0, 0],
                endTime: [point.end, 0],
                value: point.value,
              })),
            } as never,
          ],
        },
      ],
    };
  }

  it('merges histograms', () => {
    const filter = createAdjustableMetricFilter([{ instrument: 'm', attributeKeys: [] }]);
    const value = (counts: number[], sum: number, min: number, max: number): Histogram => ({
      buckets: { boundaries: [1, 10], counts },
      sum,
      count: counts.reduce((a, b) => a + b, 0),
      min,
      max,
    });
    const out = filter.apply(
      single(DataPointType.HISTOGRAM, [
        { attributes: { k: 'a' }, value: value([1, 2, 0], 12, 0.5, 8), end: 1 },
        { attributes: { k: 'b' }, value: value([0, 1, 3], 70, 4, 30), end: 2 },
      ]),
    );
    const points = out.scopeMetrics[0]!.metrics[0]!.dataPoints;
    expect(points.length).toBe(1);
    expect(points[0]!.attributes).toEqual({});
    expect(points[0]!.value).toEqual({
      buckets: { boundaries: [1, 10], counts: [1, 3, 3] },
      sum: 82,
      count: 7,
      min: 0.5,
      max: 30,
    });
    expect(points[0]!.endTime).toEqual([2, 0]);
  });

  it('merges exponential histograms', () => {
    const filter = createAdjustableMetricFilter([{ instrument: 'm', excludeAttributeKeys: ['k'] }]);
    const a: ExponentialHistogram = {
      count: 3,
      sum: 6,
      min: 1,
      max: 3,
      scale: 1,
      zeroCount: 0,
      positive: { offset: 0, bucketCounts: [1, 1, 1] },
      negative: { offset: 0, bucketCounts: [] },
    };
    const b: ExponentialHistogram = {
      count: 2,
      sum: 5,
      min: 0,
      max: 5,
      scale: 0,
      zeroCount: 1,
      positive: { offset: 2, bucketCounts: [1] },
      negative: { offset: 0, bucketCounts: [] },
    };
    const out = filter.apply(
      single(DataPointType.EXPONENTIAL_HISTOGRAM, [
        { attributes: { k: 'a', keep: 'x' }, value: a, end: 1 },
        { attributes: { k: 'b', keep: 'x' }, value: b, end: 1 },
      ]),
    );
    const points = out.scopeMetrics[0]!.metrics[0]!.dataPoints;
    expect(points.length).toBe(1);
    expect(points[0]!.attributes).toEqual({ keep: 'x' });
    // Scale 1 indexes 0, 1, 2 become scale 0 indexes 0, 0, 1.
    expect(points[0]!.value).toEqual({
      count: 5,
      sum: 11,
      min: 0,
      max: 5,
      scale: 0,
      zeroCount: 1,
      positive: { offset: 0, bucketCounts: [2, 1, 1] },
      negative: { offset: 0, bucketCounts: [] },
    });
  });

  it('gauge keeps latest value', () => {
    const filter = createAdjustableMetricFilter([{ instrument: '*', attributeKeys: [] }]);
    const out = filter.apply(
      single(DataPointType.GAUGE, [
        { attributes: { k: 'a' }, value: 5, end: 3 },
        { attributes: { k: 'b' }, value: 9, end: 2 },
      ]),
    );
    expect(out.scopeMetrics[0]!.metrics[0]!.dataPoints[0]!.value).toBe(5);
  });

  it('no rules returns input', () => {
    const input = single(DataPointType.SUM, [{ attributes: {}, value: 1, end: 1 }]);
    expect(createAdjustableMetricFilter().apply(input)).toBe(input);
  });
});
