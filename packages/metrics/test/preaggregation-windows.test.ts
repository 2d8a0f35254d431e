import { hrTimeToMilliseconds } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPreAggregator, type PreAggregator } from '../src/preaggregation/index.js';
import { nextWindowBoundary } from '../src/preaggregation/window-scheduler.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 3); // 3 s past a 10 s step

let opened: PreAggregator[] = [];

function preAggregator(options: Parameters<typeof createPreAggregator>[0] = {}): PreAggregator {
  const created = createPreAggregator({
    intervalMillis: 10_000,
    windowOffsetMillis: 0,
    ...options,
  });
  opened.push(created);
  return created;
}

async function collect(producer: PreAggregator): Promise<MetricData[]> {
  const result = await producer.collect();
  return result.resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(T0);
});

afterEach(async () => {
  for (const item of opened) await item.shutdown();
  opened = [];
  vi.useRealTimers();
});

describe('pre-aggregation windows', () => {
  it('boundary arithmetic', () => {
    expect(nextWindowBoundary(3_000, 10_000, 0)).toBe(10_000);
    expect(nextWindowBoundary(10_000, 10_000, 0)).toBe(20_000);
    expect(nextWindowBoundary(3_000, 10_000, 2_500)).toBe(12_500);
    expect(nextWindowBoundary(1_000, 10_000, 2_500)).toBe(2_500);
  });

  it('nothing before first boundary', async () => {
    const producer = preAggregator();
    producer.counter('c').add(1);

    vi.advanceTimersByTime(6_999);
    expect(await collect(producer)).toEqual([]);
  });

  it('cumulative windows at aligned steps', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');

    counter.add(2);
    vi.advanceTimersByTime(7_000); // first boundary: T0 + 7 s
    const first = await collect(producer);
    expect(first[0]!.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE);
    expect(first[0]!.dataPoints[0]!.value).toBe(2);
    expect(hrTimeToMilliseconds(first[0]!.dataPoints[0]!.endTime)).toBe(T0 + 7_000);
    expect(hrTimeToMilliseconds(first[0]!.dataPoints[0]!.startTime)).toBe(T0);

    counter.add(3);
    vi.advanceTimersByTime(10_000);
    const second = await collect(producer);
    expect(second[0]!.dataPoints[0]!.value).toBe(5);
    expect(hrTimeToMilliseconds(second[0]!.dataPoints[0]!.endTime)).toBe(T0 + 17_000);
    expect(hrTimeToMilliseconds(second[0]!.dataPoints[0]!.startTime)).toBe(T0);

    // A second reader collecting in the same window gets the same totals.
    const again = await collect(producer);
    expect(again[0]!.dataPoints[0]!.value).toBe(5);
    expect(hrTimeToMilliseconds(again[0]!.dataPoints[0]!.endTime)).toBe(T0 + 17_000);
  });

  it('cumulative re-exported without data', async () => {
    const producer = preAggregator();
    producer.counter('c').add(4);

    vi.advanceTimersByTime(7_000);
    await collect(producer);
    vi.advanceTimersByTime(10_000);
    const again = await collect(producer);
    expect(again[0]!.dataPoints[0]!.value).toBe(4);
    expect(hrTimeToMilliseconds(again[0]!.dataPoints[0]!.endTime)).toBe(T0 + 17_000);
  });

  it('delta windows reset', async () => {
    const producer = preAggregator({ temporality: 'delta' });
    const histogram = producer.histogram('h', { boundaries: [10] });

    histogram.record(5);
    histogram.record(20);
    vi.advanceTimersByTime(7_000);
    const first = await collect(producer);
    expect(first[0]!.aggregationTemporality).toBe(AggregationTemporality.DELTA);
    expect((first[0]!.dataPoints[0]!.value as Histogram).buckets.counts).toEqual([1, 1]);

    histogram.record(1);
    vi.advanceTimersByTime(10_000);
    const second = await collect(producer);
    const point = second[0]!.dataPoints[0]!;
    expect((point.value as Histogram).buckets.counts).toEqual([1, 0]);
    expect((point.value as Histogram).sum).toBe(1);
    expect((point.value as Histogram).min).toBe(1);
    expect(hrTimeToMilliseconds(point.startTime)).toBe(T0 + 7_000);
    expect(hrTimeToMilliseconds(point.endTime)).toBe(T0 + 17_000);
  });

  it('delta merges uncollected windows', async () => {
    const producer = preAggregator({ temporality: 'delta' });
    const counter = producer.counter('c');

    counter.add(1, { k: 'a' });
    vi.advanceTimersByTime(7_000);
    counter.add(2, { k: 'a' });
    counter.add(5, { k: 'b' });
    vi.advanceTimersByTime(10_000);

    const merged = await collect(producer);
    const values = Object.fromEntries(merged[0]!.dataPoints.map((p) => [p.attributes.k, p.value]));
    expect(values).toEqual({ a: 3, b: 5 });
    expect(hrTimeToMilliseconds(merged[0]!.dataPoints[0]!.startTime)).toBe(T0);
    expect(hrTimeToMilliseconds(merged[0]!.dataPoints[0]!.endTime)).toBe(T0 + 17_000);
  });

  it('delta skips quiet series', async () => {
    const producer = preAggregator({ temporality: 'delta' });
    const counter = producer.counter('c');

    counter.add(1, { k: 'a' });
    vi.advanceTimersByTime(7_000);
    await collect(producer);
    counter.add(1, { k: 'b' });
    vi.advanceTimersByTime(10_000);

    const second = await collect(producer);
    expect(second[0]!.dataPoints.map((p) => p.attributes.k)).toEqual(['b']);
  });

  it('offset moves boundaries', async () => {
    const producer = preAggregator({ windowOffsetMillis: 4_000 });
    producer.counter('c').add(1);

    vi.advanceTimersByTime(999);
    expect(await collect(producer)).toEqual([]);
    vi.advanceTimersByTime(1);
    const metrics = await collect(producer);
    expect(hrTimeToMilliseconds(metrics[0]!.dataPoints[0]!.endTime)).toBe(T0 + 1_000);
  });

  it('random offset within interval', () => {
    for (let i = 0; i < 20; i++) {
      const producer = createPreAggregator({ intervalMillis: 10_000 });
      const boundaries = (producer as unknown as { scheduler: { offsetOf(i: number): number } })
        .scheduler;
      producer.counter('c');
      const offset = boundaries.offsetOf(10_000);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(10_000);
      void producer.shutdown();
    }
  });

  it('per-instrument interval', async () => {
    const producer = preAggregator();
    producer.counter('fast').add(1);
    producer.counter('slow', { intervalMillis: 60_000 }).add(1);

    vi.advanceTimersByTime(7_000);
    expect((await collect(producer)).map((m) => m.descriptor.name)).toEqual(['fast']);
    vi.advanceTimersByTime(50_000); // T0 + 57 s = 60 s step
    expect((await collect(producer)).map((m) => m.descriptor.name)).toEqual(['fast', 'slow']);
  });

  it('forceFlush closes partial window', async () => {
    const producer = preAggregator();
    producer.counter('c').add(9);

    vi.advanceTimersByTime(2_000);
    await producer.forceFlush();
    const metrics = await collect(producer);
    expect(metrics[0]!.dataPoints[0]!.value).toBe(9);
    expect(hrTimeToMilliseconds(metrics[0]!.dataPoints[0]!.endTime)).toBe(T0 + 2_000);
  });

  it('shutdown flushes then drops', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');
    const bound = counter.bind({ k: 'v' });

    counter.add(1);
    bound.add(2);
    await producer.shutdown();
    counter.add(100);
    bound.add(100);
    producer.counter('late').add(1);

    const metrics = await collect(producer);
    expect(metrics.map((m) => m.descriptor.name)).toEqual(['c']);
    expect(metrics[0]!.dataPoints.map((p) => p.value).sort()).toEqual([1, 2]);
    const stats = producer.stats();
    expect(stats.dropped.afterShutdown).toBe(3);
    expect(stats.recorded).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gauge window resets', async () => {
    const producer = preAggregator();
    const gauge = producer.gauge('g', { statistics: ['min', 'count'] });

    gauge.record(5);
    gauge.record(1);
    vi.advanceTimersByTime(7_000);
    const first = await collect(producer);
    expect(first.map((m) => [m.descriptor.name, m.dataPoints[0]!.value])).toEqual([
      ['g', 1],
      ['g.min', 1],
      ['g.count', 2],
    ]);

    gauge.record(3);
    vi.advanceTimersByTime(10_000);
    const second = await collect(producer);
    expect(second.map((m) => [m.descriptor.name, m.dataPoints[0]!.value])).toEqual([
      ['g', 3],
      ['g.min', 3],
      ['g.count', 1],
    ]);
    expect(hrTimeToMilliseconds(second[0]!.dataPoints[0]!.startTime)).toBe(T0 + 7_000);

    vi.advanceTimersByTime(10_000);
    expect(await collect(producer)).toEqual([]);
  });

  it('stats count exported points', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');
    counter.add(1, { k: 'a' });
    counter.add(1, { k: 'b' });

    vi.advanceTimersByTime(7_000);
    await collect(producer);
    vi.advanceTimersByTime(10_000);
    await collect(producer);

    expect(producer.stats().exportedPoints).toBe(4);
    expect(producer.stats().instruments[0]).toEqual({
      name: 'c',
      intervalMillis: 10_000,
      pendingIntervalMillis: undefined,
      recorded: 2,
      dropped: { notNumber: 0, nonFinite: 0, negative: 0, afterShutdown: 0 },
      overflowed: 0,
      series: 2,
      exportedPoints: 4,
    });
  });

  it('delta exponential merges windows', async () => {
    const producer = preAggregator({ temporality: 'delta' });
    const histogram = producer.histogram('e', { aggregation: 'exponential', maxSize: 4 });

    histogram.record(1.5);
    histogram.record(3);
    vi.advanceTimersByTime(7_000);
    histogram.record(1000);
    vi.advanceTimersByTime(10_000);

    const value = (await collect(producer))[0]!.dataPoints[0]!.value as ExponentialHistogram;
    expect(value.count).toBe(3);
    expect(value.sum).toBe(1004.5);
    expect(value.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(value.positive.bucketCounts.length).toBeLessThanOrEqual(4);
    // 1.5 and 1000 must still fall into different buckets: base^offset < 1.5, 1000 <= base^end.
    const base = 2 ** (2 ** -value.scale);
    expect(base ** value.positive.offset).toBeLessThan(1.5);
    expect(
      base ** (value.positive.offset + value.positive.bucketCounts.length),
    ).toBeGreaterThanOrEqual(1000);
  });

  it('cumulative export is a snapshot', async () => {
    const producer = preAggregator();
    const histogram = producer.histogram('h', { boundaries: [1] });

    histogram.record(0.5);
    vi.advanceTimersByTime(7_000);
    const first = (await collect(producer))[0]!.dataPoints[0]!.value as Histogram;
    histogram.record(2);
    histogram.record(3);

    expect(first.count).toBe(1);
    expect(first.buckets.counts).toEqual([1, 0]);
    vi.advanceTimersByTime(10_000);
    const second = (await collect(producer))[0]!.dataPoints[0]!.value as Histogram;
    expect(second.count).toBe(3);
    expect(second.buckets.counts).toEqual([1, 2]);
    expect(second.max).toBe(3);
  });

  it('cumulative start per series', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');

    counter.add(1, { k: 'early' });
    vi.advanceTimersByTime(2_000);
    counter.add(1, { k: 'late' });
    vi.advanceTimersByTime(5_000);

    const points = (await collect(producer))[0]!.dataPoints;
    const startOf = (k: string) =>
      hrTimeToMilliseconds(points.find((p) => p.attributes.k === k)!.startTime);
    expect(startOf('early')).toBe(T0);
    expect(startOf('late')).toBe(T0 + 2_000);
  });
});
