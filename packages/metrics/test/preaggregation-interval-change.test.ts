import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createPreAggregator,
  type PreAggregatedCounter,
  type PreAggregator,
} from '../src/preaggregation/index.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 3); // 3 s past a 10 s step
const STEP_MILLIS = 250;

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

interface Point {
  value: number;
  startMillis: number;
  endMillis: number;
}

async function point(producer: PreAggregator, name: string): Promise<Point | undefined> {
  const metric = (await collect(producer)).find((m) => m.descriptor.name === name);
  const data = metric?.dataPoints[0];
  if (data === undefined) return undefined;
  return {
    value: data.value as number,
    startMillis: hrTimeToMilliseconds(data.startTime),
    endMillis: hrTimeToMilliseconds(data.endTime),
  };
}

/**
 * Adds a varying load every 250 ms of fake time until `untilMillis`, and returns the sum added.
 * Additions at a boundary happen after its timer fired, so they belong to the next window.
 */
function drive(counter: PreAggregatedCounter, untilMillis: number): number {
  let sum = 0;
  while (Date.now() < untilMillis) {
    for (let i = 0; i < 40; i++) {
      const value = (Date.now() / STEP_MILLIS + i) % 7;
      counter.add(value);
      sum += value;
    }
    vi.advanceTimersByTime(STEP_MILLIS);
  }
  return sum;
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

describe('pre-aggregation interval change', () => {
  it('cumulative under load', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');

    let total = drive(counter, T0 + 2_000);
    producer.setIntervalMillis('c', 30_000);
    expect(producer.intervals()).toEqual([
      { name: 'c', intervalMillis: 10_000, pendingIntervalMillis: 30_000 },
    ]);

    // The old interval's next boundary, 00:00:10, still closes a window.
    total += drive(counter, T0 + 7_000);
    expect(await point(producer, 'c')).toEqual({
      value: total,
      startMillis: T0,
      endMillis: T0 + 7_000,
    });
    expect(producer.intervals()).toEqual([
      { name: 'c', intervalMillis: 30_000, pendingIntervalMillis: undefined },
    ]);
    expect(vi.getTimerCount()).toBe(1);

    // No window closes at 00:00:20 any more: the export still ends at 00:00:10.
    const afterFirst = drive(counter, T0 + 26_750);
    expect((await point(producer, 'c'))?.endMillis).toBe(T0 + 7_000);

    // The next window closes at the aligned 30 s step, 00:00:30.
    total += afterFirst + drive(counter, T0 + 27_000);
    expect(await point(producer, 'c')).toEqual({
      value: total,
      startMillis: T0,
      endMillis: T0 + 27_000,
    });

    total += drive(counter, T0 + 57_000);
    expect(await point(producer, 'c')).toEqual({
      value: total,
      startMillis: T0,
      endMillis: T0 + 57_000,
    });
    expect(producer.stats().recorded).toBe(40 * (57_000 / STEP_MILLIS));
    expect(producer.stats().instruments[0]?.intervalMillis).toBe(30_000);
  });

  it('delta windows add up', async () => {
    const producer = preAggregator({ temporality: 'delta' });
    const counter = producer.counter('c');
    const windows: Point[] = [];

    const first = drive(counter, T0 + 1_000);
    producer.setIntervalMillis('c', 20_000);
    const firstRest = drive(counter, T0 + 7_000);
    windows.push((await point(producer, 'c'))!);
    const second = drive(counter, T0 + 17_000);
    windows.push((await point(producer, 'c'))!);
    const third = drive(counter, T0 + 37_000);
    windows.push((await point(producer, 'c'))!);

    expect(windows).toEqual([
      { value: first + firstRest, startMillis: T0, endMillis: T0 + 7_000 },
      { value: second, startMillis: T0 + 7_000, endMillis: T0 + 17_000 },
      { value: third, startMillis: T0 + 17_000, endMillis: T0 + 37_000 },
    ]);
  });

  it('shorter interval', async () => {
    const producer = preAggregator({ intervalMillis: 60_000 });
    const counter = producer.counter('c');

    let total = drive(counter, T0 + 1_000);
    producer.setIntervalMillis('c', 5_000);
    // Nothing closes at 00:00:05 or 00:00:10: the 60 s window ends first, at 00:01:00.
    total += drive(counter, T0 + 56_750);
    expect(await collect(producer)).toEqual([]);

    total += drive(counter, T0 + 57_000);
    expect(await point(producer, 'c')).toEqual({
      value: total,
      startMillis: T0,
      endMillis: T0 + 57_000,
    });
    total += drive(counter, T0 + 62_000);
    expect(await point(producer, 'c')).toEqual({
      value: total,
      startMillis: T0,
      endMillis: T0 + 62_000,
    });
  });

  it('joins existing group', async () => {
    const producer = preAggregator();
    producer.counter('fast').add(1);
    producer.counter('slow', { intervalMillis: 60_000 }).add(2);
    expect(vi.getTimerCount()).toBe(2);

    producer.setIntervalMillis('fast', 60_000);
    vi.advanceTimersByTime(7_000);
    expect((await collect(producer)).map((m) => m.descriptor.name)).toEqual(['fast']);
    expect(vi.getTimerCount()).toBe(1);

    producer.counter('fast').add(1);
    vi.advanceTimersByTime(49_999);
    expect((await point(producer, 'fast'))?.endMillis).toBe(T0 + 7_000);
    vi.advanceTimersByTime(1);
    expect(await point(producer, 'fast')).toEqual({
      value: 2,
      startMillis: T0,
      endMillis: T0 + 57_000,
    });
    expect(await point(producer, 'slow')).toEqual({
      value: 2,
      startMillis: T0,
      endMillis: T0 + 57_000,
    });
  });

  it('later call replaces change', async () => {
    const producer = preAggregator();
    producer.counter('c').add(1);

    producer.setIntervalMillis('c', 30_000);
    producer.setIntervalMillis('c', 20_000);
    expect(producer.intervals()[0]?.pendingIntervalMillis).toBe(20_000);
    vi.advanceTimersByTime(7_000);
    vi.advanceTimersByTime(13_000);
    expect((await point(producer, 'c'))?.endMillis).toBe(T0 + 17_000);
    expect(producer.intervals()[0]?.intervalMillis).toBe(20_000);
  });

  it('current interval cancels change', async () => {
    const producer = preAggregator();
    producer.counter('c').add(1);

    producer.setIntervalMillis('c', 30_000);
    producer.setIntervalMillis('c', 10_000);
    expect(producer.intervals()).toEqual([
      { name: 'c', intervalMillis: 10_000, pendingIntervalMillis: undefined },
    ]);
    vi.advanceTimersByTime(17_000);
    expect((await point(producer, 'c'))?.endMillis).toBe(T0 + 17_000);
  });

  it('forceFlush keeps change waiting', async () => {
    const producer = preAggregator();
    producer.counter('c').add(4);

    producer.setIntervalMillis('c', 30_000);
    vi.advanceTimersByTime(1_000);
    await producer.forceFlush();
    expect(await point(producer, 'c')).toEqual({
      value: 4,
      startMillis: T0,
      endMillis: T0 + 1_000,
    });
    expect(producer.intervals()[0]?.pendingIntervalMillis).toBe(30_000);

    producer.counter('c').add(1);
    vi.advanceTimersByTime(6_000);
    expect(await point(producer, 'c')).toEqual({
      value: 5,
      startMillis: T0,
      endMillis: T0 + 7_000,
    });
    expect(producer.intervals()[0]?.intervalMillis).toBe(30_000);
  });

  it.each([
    [0, RangeError],
    [-5, RangeError],
    [1.5, RangeError],
    [2 ** 31, RangeError],
    [Number.NaN, RangeError],
    ['5000', TypeError],
    [undefined, TypeError],
  ])('rejects interval %s', (value, errorClass) => {
    const producer = preAggregator();
    producer.counter('c');

    const call = () => producer.setIntervalMillis('c', value as number);
    expect(call).toThrow(errorClass);
    expect(call).toThrow(
      `Invalid pre-aggregation option intervalMillis of c: ${JSON.stringify(value) ?? 'undefined'}; expected an integer number of milliseconds from 1 to 2147483647.`,
    );
    expect(producer.intervals()).toEqual([
      { name: 'c', intervalMillis: 10_000, pendingIntervalMillis: undefined },
    ]);
  });

  it('rejects unknown instrument', () => {
    const producer = preAggregator();
    producer.counter('c');
    producer.gauge('g');

    const call = () => producer.setIntervalMillis('missing', 5_000);
    expect(call).toThrow(RangeError);
    expect(call).toThrow(
      'Pre-aggregated instrument "missing" not found. Create it first, or use one of the existing instruments: c, g.',
    );
    expect(() => producer.setIntervalMillis(7 as unknown as string, 5_000)).toThrow(TypeError);
    expect(producer.intervals().map((item) => item.pendingIntervalMillis)).toEqual([
      undefined,
      undefined,
    ]);
  });

  it('after shutdown stores value', async () => {
    const producer = preAggregator();
    producer.counter('c').add(1);

    await producer.shutdown();
    producer.setIntervalMillis('c', 30_000);
    expect(producer.intervals()).toEqual([
      { name: 'c', intervalMillis: 30_000, pendingIntervalMillis: undefined },
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
