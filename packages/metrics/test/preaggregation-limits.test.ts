import { type Attributes, type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import {
  type Histogram,
  MeterProvider,
  type MetricData,
  MetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createPreAggregator,
  OVERFLOW_ATTRIBUTES,
  type PreAggregator,
  registerPreAggregatorTelemetry,
} from '../src/preaggregation/index.js';

let opened: PreAggregator[] = [];
let warnings: string[] = [];

function preAggregator(options: Parameters<typeof createPreAggregator>[0] = {}): PreAggregator {
  const created = createPreAggregator({ intervalMillis: 3_600_000, ...options });
  opened.push(created);
  return created;
}

async function collectNow(producer: PreAggregator): Promise<MetricData[]> {
  await producer.forceFlush();
  const result = await producer.collect();
  return result.resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
}

beforeEach(() => {
  warnings = [];
  const logger: DiagLogger = {
    error: () => {},
    // A component logger passes its namespace as the first argument.
    warn: (...args: unknown[]) => warnings.push(args.join(' ')),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
});

afterEach(async () => {
  for (const item of opened) await item.shutdown();
  opened = [];
  diag.disable();
});

describe('pre-aggregation limits', () => {
  it('overflow after exactly limit series', async () => {
    const producer = preAggregator({ cardinalityLimit: 5 });
    const counter = producer.counter('c');

    for (let i = 0; i < 5; i++) counter.add(1, { id: i });
    expect(producer.stats().overflowed).toBe(0);

    for (let i = 5; i < 12; i++) counter.add(10, { id: i });
    counter.add(1, { id: 0 }); // an existing series still counts there

    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points).toHaveLength(6);
    const overflow = points.find((p) => p.attributes['otel.metric.overflow'] === true);
    expect(overflow?.attributes).toEqual(OVERFLOW_ATTRIBUTES);
    expect(overflow?.value).toBe(70);
    expect(points.find((p) => p.attributes.id === 0)?.value).toBe(2);
    expect(points.reduce((total, p) => total + (p.value as number), 0)).toBe(76);

    const stats = producer.stats().instruments[0]!;
    expect(stats.overflowed).toBe(7);
    expect(stats.series).toBe(5);
    expect(stats.recorded).toBe(13);
    expect(warnings.filter((w) => w.includes('cardinality limit of 5'))).toHaveLength(1);
  });

  it('histogram overflow keeps totals', async () => {
    const producer = preAggregator({ cardinalityLimit: 3 });
    const histogram = producer.histogram('h', { boundaries: [1] });

    for (let i = 0; i < 100; i++) histogram.record(i % 3, { id: `id-${i}` });

    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points).toHaveLength(4);
    const total = points.reduce((sum, p) => sum + (p.value as Histogram).count, 0);
    expect(total).toBe(100);
    const overflow = points.find((p) => p.attributes['otel.metric.overflow'] === true)!;
    expect((overflow.value as Histogram).count).toBe(97);
  });

  it('bind after limit uses overflow', async () => {
    const producer = preAggregator({ cardinalityLimit: 1 });
    const counter = producer.counter('c');
    counter.add(1, { id: 'a' });
    const bound = counter.bind({ id: 'b' });

    bound.add(4);

    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points.find((p) => p.attributes['otel.metric.overflow'] === true)?.value).toBe(4);
    expect(producer.stats().overflowed).toBe(1);
  });

  it('memory flat after limit', async () => {
    const producer = preAggregator({ cardinalityLimit: 100 });
    const counter = producer.counter('c');

    for (let i = 0; i < 200_000; i++) counter.add(1, { request: `r-${i}` });

    const stats = producer.stats().instruments[0]!;
    expect(stats.series).toBe(100);
    expect(stats.overflowed).toBe(199_900);
    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points).toHaveLength(101);
  });

  it('keep filter before aggregation', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c', { attributes: { keep: ['model'] } });

    counter.add(1, { model: 'a', request: 'r1' });
    counter.add(1, { request: 'r2', model: 'a' });
    counter.add(1, { model: 'b', user: 'u' });

    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points.map((p) => [p.attributes, p.value])).toEqual([
      [{ model: 'a' }, 2],
      [{ model: 'b' }, 1],
    ]);
  });

  it('drop filter before aggregation', async () => {
    const producer = preAggregator({ cardinalityLimit: 2 });
    const counter = producer.counter('c', { attributes: { drop: ['request'] } });

    for (let i = 0; i < 50; i++) counter.add(1, { model: 'a', request: `r${i}` });

    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points).toEqual([expect.objectContaining({ attributes: { model: 'a' }, value: 50 })]);
    expect(producer.stats().overflowed).toBe(0);
  });

  it('bad values dropped and counted', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');
    const histogram = producer.histogram('h');
    const gauge = producer.gauge('g');
    const bound = histogram.bind({ k: 'v' });

    counter.add(-1);
    counter.add(Number.NaN);
    counter.add('3' as unknown as number);
    counter.bind().add(-5);
    histogram.record(Number.POSITIVE_INFINITY);
    histogram.record(-1); // valid for a histogram
    bound.record(Number.NEGATIVE_INFINITY);
    bound.record(undefined as unknown as number);
    gauge.record(Number.NaN);
    gauge.record(null as unknown as number);

    expect(producer.stats().dropped).toEqual({
      notNumber: 3,
      nonFinite: 4,
      negative: 2,
      afterShutdown: 0,
    });
    expect(producer.stats().recorded).toBe(1);
    const metrics = await collectNow(producer);
    expect(metrics.map((m) => m.descriptor.name)).toEqual(['h']);
  });

  it('bad value warnings rate limited', () => {
    const producer = preAggregator();
    const counter = producer.counter('c');

    for (let i = 0; i < 1000; i++) counter.add(-1);

    const matching = warnings.filter((w) => w.includes('Dropped a measurement of c'));
    expect(matching).toHaveLength(1);
    expect(matching[0]).toContain('negative');
  });

  it('mutated reused object', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');
    const attributes: Attributes = { model: 'a', op: 'infer' };

    counter.add(1, attributes);
    counter.add(1, attributes);
    attributes.model = 'b';
    counter.add(1, attributes);
    attributes.extra = 'x';
    counter.add(1, attributes);
    delete attributes.extra;
    counter.add(1, attributes);

    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points.map((p) => [p.attributes, p.value])).toEqual([
      [{ model: 'a', op: 'infer' }, 2],
      [{ model: 'b', op: 'infer' }, 2],
      [{ extra: 'x', model: 'b', op: 'infer' }, 1],
    ]);
  });

  it('alternating reused objects', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');
    const objects = [0, 1, 2, 3, 4, 5].map((i) => ({ id: i }));

    for (let round = 0; round < 10; round++) {
      for (const item of objects) counter.add(1, item);
    }
    objects[2]!.id = 0;
    counter.add(1, objects[2]);

    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points.map((p) => p.value)).toEqual([11, 10, 10, 10, 10, 10]);
  });

  it('many alternating objects', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');
    const objects = Array.from({ length: 20 }, (_, i) => ({ id: i }));

    for (let round = 0; round < 5; round++) {
      for (const item of objects) counter.add(1, item);
    }
    objects[3]!.id = 4;
    objects[15]!.id = 4;
    for (const item of objects) counter.add(1, item);

    const points = (await collectNow(producer))[0]!.dataPoints;
    const values = Object.fromEntries(points.map((p) => [p.attributes.id, p.value]));
    expect(values[4]).toBe(8);
    expect(values[3]).toBe(5);
    expect(values[15]).toBe(5);
    expect(values[0]).toBe(6);
    expect(points).toHaveLength(20);
  });

  it('frozen and undefined attributes', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');
    const frozen = Object.freeze({ a: 1 });

    counter.add(1, frozen);
    counter.add(1, frozen);
    counter.add(1, { a: 1, b: undefined });
    counter.add(1, {});
    counter.add(1);

    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points.map((p) => [p.attributes, p.value])).toEqual([
      [{ a: 1 }, 3],
      [{}, 2],
    ]);
  });

  it('array and typed attribute values', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');

    counter.add(1, { tags: ['x', 'y'] });
    counter.add(1, { tags: ['x', 'y'] });
    counter.add(1, { tags: ['y', 'x'] });
    counter.add(1, { n: 1 });
    counter.add(1, { n: '1' });
    counter.add(1, { n: true });

    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points.map((p) => [p.attributes, p.value])).toEqual([
      [{ tags: ['x', 'y'] }, 2],
      [{ tags: ['y', 'x'] }, 1],
      [{ n: 1 }, 1],
      [{ n: '1' }, 1],
      [{ n: true }, 1],
    ]);
  });

  it('more than 31 keys', async () => {
    const producer = preAggregator();
    const counter = producer.counter('c');
    const wide = (shift: number): Attributes =>
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${(i + shift) % 40}`, i + shift]));

    counter.add(1, wide(0));
    counter.add(1, wide(0));
    counter.add(1, wide(1));

    const points = (await collectNow(producer))[0]!.dataPoints;
    expect(points.map((p) => p.value)).toEqual([2, 1]);
    expect(Object.keys(points[0]!.attributes)).toHaveLength(40);
  });

  it.each([
    [{ intervalMillis: 0 }, 'intervalMillis: 0'],
    [{ intervalMillis: 1.5 }, 'intervalMillis: 1.5'],
    [{ cardinalityLimit: -1 }, 'cardinalityLimit: -1'],
    [{ temporality: 'weekly' }, 'temporality: "weekly"'],
    [{ windowOffsetMillis: -5 }, 'windowOffsetMillis: -5'],
  ])('invalid option %o throws', (options, text) => {
    expect(() => createPreAggregator(options as never)).toThrow(text);
  });

  it('invalid instrument options throw', () => {
    const producer = preAggregator();
    expect(() => producer.histogram('h', { boundaries: [1, 1] })).toThrow(
      'Invalid pre-aggregation option boundaries: [1,1]; expected an array of finite numbers in strictly increasing order.',
    );
    expect(() => producer.histogram('e', { aggregation: 'exponential', maxScale: 21 })).toThrow(
      'maxScale: 21',
    );
    expect(() => producer.counter('1abc')).toThrow('Invalid pre-aggregation option name: "1abc"');
    expect(() => producer.gauge('g', { statistics: ['median' as never] })).toThrow('statistics');
    expect(() => producer.counter('c', { attributes: { keep: 'model' as never } })).toThrow(
      'attributes.keep',
    );
  });

  it('same name returns same instrument', () => {
    const producer = preAggregator();
    const first = producer.counter('c');
    expect(producer.counter('c')).toBe(first);
    expect(() => producer.histogram('c')).toThrow('already exists as a counter');
  });

  it('record path never throws', () => {
    const producer = preAggregator();
    const histogram = producer.histogram('h');
    const odd = [null, 'text', 42, Symbol('s'), () => {}] as unknown as Attributes[];

    expect(() => {
      for (const attributes of odd) histogram.record(1, attributes);
      histogram.record({} as unknown as number, {});
      histogram.bind(null as unknown as Attributes).record(2);
    }).not.toThrow();
    expect(producer.stats().recorded).toBe(6);
  });

  it('timer callbacks stay unref', () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const producer = preAggregator({ intervalMillis: 1_000 });
      producer.counter('c');
      expect(vi.getTimerCount()).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('self-telemetry counters', async () => {
    class ManualReader extends MetricReader {
      protected override async onShutdown(): Promise<void> {}
      protected override async onForceFlush(): Promise<void> {}
    }
    const producer = preAggregator({ cardinalityLimit: 1 });
    const reader = new ManualReader();
    const provider = new MeterProvider({ readers: [reader] });
    const unregister = registerPreAggregatorTelemetry(provider.getMeter('self'), producer);

    const counter = producer.counter('c');
    counter.add(1, { id: 'a' });
    counter.add(1, { id: 'b' });
    counter.add(-1);
    counter.add(Number.NaN);
    await collectNow(producer);

    const { resourceMetrics } = await reader.collect();
    const metrics = resourceMetrics.scopeMetrics[0]!.metrics;
    const points = (name: string) =>
      metrics.find((m) => m.descriptor.name === `mlsysops.telemetry.preaggregation.${name}`)!
        .dataPoints;
    expect(points('recorded')[0]!.value).toBe(2);
    expect(points('overflowed')[0]!.value).toBe(1);
    expect(points('exported')[0]!.value).toBe(2);
    const dropped = Object.fromEntries(
      points('dropped').map((p) => [p.attributes['mlsysops.telemetry.drop_reason'], p.value]),
    );
    expect(dropped).toEqual({ not_number: 0, non_finite: 1, negative: 1, after_shutdown: 0 });

    unregister();
    await provider.shutdown();
  });
});
