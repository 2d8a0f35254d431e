// Benchmarks of the pre-aggregation layer against the plain OpenTelemetry SDK and prom-client,
// measured in one process after warm-up. Run through `pnpm bench [filter] [--quick]` from the
// repository root, which starts Node.js with --expose-gc so the memory section is exact.

import { type Attributes, metrics as metricsApi } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import promClient from 'prom-client';
import { createPreAggregator } from '../src/preaggregation/index.js';

const quick = process.argv.includes('--quick');
const sections = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
/** Sections: record, export, memory, cpu. Filters that match no section select nothing here. */
const wanted = (section: string) =>
  sections.length === 0 || sections.some((filter) => section.includes(filter));

const MODELS = ['resnet', 'bert', 'gpt', 'llama', 'vit', 'yolo', 'whisper', 't5'];

/**
 * Latency-like values in milliseconds: log-normal with a median of 40 ms, from a seeded
 * generator so every run and every library records the same sequence. They spread over the
 * default buckets in an order that a branch predictor cannot learn.
 */
const VALUES = (() => {
  let state = 0x2545f491;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 2 ** 32;
  };
  const values = new Float64Array(1 << 16);
  for (let i = 0; i < values.length; i++) {
    const normal = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    values[i] = Math.round(40 * Math.exp(1.2 * normal) * 100) / 100;
  }
  return values;
})();
const OPERATIONS = VALUES.length;
const ROUNDS = quick ? 5 : 15;
const ITERATIONS = quick ? 200_000 : 1_000_000;

/** An exporter that accepts and discards every batch, so the SDK aggregates for real. */
class DiscardingExporter implements PushMetricExporter {
  export(_metrics: ResourceMetrics, done: (result: { code: ExportResultCode }) => void): void {
    done({ code: ExportResultCode.SUCCESS });
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }
}

/** A reader that only collects on request, for the export-cost section. */
class ManualReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

function periodicReader(metricProducers = [] as ReturnType<typeof createPreAggregator>[]) {
  return new PeriodicExportingMetricReader({
    exporter: new DiscardingExporter(),
    exportIntervalMillis: 10_000,
    metricProducers,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Returns the CPU time (user and system) of this process in nanoseconds. */
function cpuNanos(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}

/**
 * Runs each loop twice as warm-up, then times the loops in turn for `ROUNDS` rounds and
 * returns the median nanoseconds per operation of each. The time is the CPU time of this
 * process, not wall-clock time, so time spent waiting while other processes use the cores does
 * not count. Taking turns spreads the remaining disturbance over all loops.
 */
function nanosPerOperation(loops: ((n: number) => void)[]): number[] {
  for (const loop of loops) {
    loop(ITERATIONS);
    loop(ITERATIONS);
  }

  const samples: number[][] = loops.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    loops.forEach((loop, index) => {
      const start = cpuNanos();
      loop(ITERATIONS);
      samples[index]!.push((cpuNanos() - start) / ITERATIONS);
    });
  }
  return samples.map(median);
}

function format(value: number, digits = 1): string {
  return value.toFixed(digits);
}

function printTable(title: string, header: string[], rows: string[][]): void {
  console.log(`\n### ${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

async function recordCost(): Promise<void> {
  const sdkProvider = new MeterProvider({ readers: [periodicReader()] });
  const sdkMeter = sdkProvider.getMeter('bench');
  const sdkHistogram = sdkMeter.createHistogram('sdk.duration', { unit: 'ms' });
  const sdkCounter = sdkMeter.createCounter('sdk.requests');

  const preAggregator = createPreAggregator({ intervalMillis: 10_000 });
  const preProvider = new MeterProvider({ readers: [periodicReader([preAggregator])] });
  const histogram = preAggregator.histogram('pre.duration', { unit: 'ms' });
  const counter = preAggregator.counter('pre.requests');

  const registry = new promClient.Registry();
  const promHistogram = new promClient.Histogram({
    name: 'prom_duration',
    help: 'Benchmark histogram',
    labelNames: ['model', 'operation', 'node', 'tier'],
    buckets: [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000],
    registers: [registry],
  });
  const promCounter = new promClient.Counter({
    name: 'prom_requests',
    help: 'Benchmark counter',
    labelNames: ['model', 'operation'],
    registers: [registry],
  });

  const reused: Attributes = { model: 'resnet', operation: 'infer' };
  const frozen: Attributes = Object.freeze({ model: 'resnet', operation: 'infer' });
  const promReused = { model: 'resnet', operation: 'infer' };
  const bound = histogram.bind({ model: 'resnet', operation: 'infer' });
  const boundCounter = counter.bind({ model: 'resnet', operation: 'infer' });
  const promChild = promHistogram.labels('resnet', 'infer', '', '');
  const promCounterChild = promCounter.labels('resnet', 'infer');
  const mask = OPERATIONS - 1;

  type Case = {
    name: string;
    pre: (n: number) => void;
    sdk: (n: number) => void;
    prom: (n: number) => void;
  };
  const cases: Case[] = [
    {
      name: 'histogram record, bound (SDK: reused attributes)',
      pre: (n) => {
        for (let i = 0; i < n; i++) bound.record(VALUES[i & mask]!);
      },
      sdk: (n) => {
        for (let i = 0; i < n; i++) sdkHistogram.record(VALUES[i & mask]!, reused);
      },
      prom: (n) => {
        for (let i = 0; i < n; i++) promChild.observe(VALUES[i & mask]!);
      },
    },
    {
      name: 'histogram record, reused attributes object',
      pre: (n) => {
        for (let i = 0; i < n; i++) histogram.record(VALUES[i & mask]!, reused);
      },
      sdk: (n) => {
        for (let i = 0; i < n; i++) sdkHistogram.record(VALUES[i & mask]!, reused);
      },
      prom: (n) => {
        for (let i = 0; i < n; i++) promHistogram.observe(promReused, VALUES[i & mask]!);
      },
    },
    {
      name: 'histogram record, reused frozen attributes object',
      pre: (n) => {
        for (let i = 0; i < n; i++) histogram.record(VALUES[i & mask]!, frozen);
      },
      sdk: (n) => {
        for (let i = 0; i < n; i++) sdkHistogram.record(VALUES[i & mask]!, frozen);
      },
      prom: (n) => {
        for (let i = 0; i < n; i++) promHistogram.observe(promReused, VALUES[i & mask]!);
      },
    },
    {
      name: 'histogram record, new literal, 2 attributes',
      pre: (n) => {
        for (let i = 0; i < n; i++) {
          histogram.record(VALUES[i & mask]!, { model: MODELS[i & 7], operation: 'infer' });
        }
      },
      sdk: (n) => {
        for (let i = 0; i < n; i++) {
          sdkHistogram.record(VALUES[i & mask]!, { model: MODELS[i & 7], operation: 'infer' });
        }
      },
      prom: (n) => {
        for (let i = 0; i < n; i++) {
          promHistogram.observe({ model: MODELS[i & 7]!, operation: 'infer' }, VALUES[i & mask]!);
        }
      },
    },
    {
      name: 'histogram record, new literal, 4 attributes',
      pre: (n) => {
        for (let i = 0; i < n; i++) {
          histogram.record(VALUES[i & mask]!, {
            model: MODELS[i & 7],
            operation: 'infer',
            node: 'node-1',
            tier: 'edge',
          });
        }
      },
      sdk: (n) => {
        for (let i = 0; i < n; i++) {
          sdkHistogram.record(VALUES[i & mask]!, {
            model: MODELS[i & 7],
            operation: 'infer',
            node: 'node-1',
            tier: 'edge',
          });
        }
      },
      prom: (n) => {
        for (let i = 0; i < n; i++) {
          promHistogram.observe(
            { model: MODELS[i & 7]!, operation: 'infer', node: 'node-1', tier: 'edge' },
            VALUES[i & mask]!,
          );
        }
      },
    },
    {
      name: 'counter add(1), reused attributes object',
      pre: (n) => {
        for (let i = 0; i < n; i++) counter.add(1, reused);
      },
      sdk: (n) => {
        for (let i = 0; i < n; i++) sdkCounter.add(1, reused);
      },
      prom: (n) => {
        for (let i = 0; i < n; i++) promCounter.inc(promReused, 1);
      },
    },
    {
      name: 'counter add(1), bound (SDK: reused attributes)',
      pre: (n) => {
        for (let i = 0; i < n; i++) boundCounter.add(1);
      },
      sdk: (n) => {
        for (let i = 0; i < n; i++) sdkCounter.add(1, reused);
      },
      prom: (n) => {
        for (let i = 0; i < n; i++) promCounterChild.inc(1);
      },
    },
  ];

  const rows: string[][] = [];
  for (const item of cases) {
    const [pre, sdk, prom] = nanosPerOperation([item.pre, item.sdk, item.prom]) as [
      number,
      number,
      number,
    ];
    rows.push([
      item.name,
      format(pre),
      format(sdk),
      format(prom),
      `${format(sdk / pre)}x`,
      `${format(prom / pre)}x`,
    ]);
  }
  printTable(
    `Record cost (CPU ns per operation, median of ${ROUNDS} rounds of ${ITERATIONS.toLocaleString('en')})`,
    ['operation', 'pre-aggregation', 'OTel SDK', 'prom-client', 'vs SDK', 'vs prom-client'],
    rows,
  );

  await preAggregator.shutdown();
  await preProvider.shutdown();
  await sdkProvider.shutdown();
  metricsApi.disable();
}

async function exportCost(): Promise<void> {
  const rows: string[][] = [];
  const repeats = quick ? 3 : 10;

  for (const seriesCount of [1_000, 10_000]) {
    const preAggregator = createPreAggregator({
      cardinalityLimit: 20_000,
      intervalMillis: 3_600_000,
    });
    const preReader = new ManualReader({ metricProducers: [preAggregator] });
    const preProvider = new MeterProvider({ readers: [preReader] });
    const histogram = preAggregator.histogram('pre.duration', { unit: 'ms' });

    const sdkReader = new ManualReader({ cardinalitySelector: () => 20_000 });
    const sdkProvider = new MeterProvider({ readers: [sdkReader] });
    const sdkHistogram = sdkProvider.getMeter('bench').createHistogram('sdk.duration');

    for (let i = 0; i < seriesCount; i++) {
      const attributes = { series: `series-${i}`, model: MODELS[i & 7] };
      histogram.record(i % 1000, attributes);
      sdkHistogram.record(i % 1000, attributes);
    }

    const collectOnce = async (reader: MetricReader, before: () => Promise<void>) => {
      // The pre-aggregator's window close (a copy of the cumulative arrays) counts as well.
      const start = process.hrtime.bigint();
      await before();
      const { resourceMetrics } = await reader.collect();
      const body = ProtobufMetricsSerializer.serializeRequest(resourceMetrics);
      return {
        millis: Number(process.hrtime.bigint() - start) / 1e6,
        bytes: body?.byteLength ?? 0,
      };
    };
    const preCollect = () => collectOnce(preReader, () => preAggregator.forceFlush());
    const sdkCollect = () => collectOnce(sdkReader, async () => {});

    // Both run twice before timing, then in turn, so neither profits from the other's warm-up.
    for (let r = 0; r < 2; r++) {
      await preCollect();
      await sdkCollect();
    }
    const preSamples: number[] = [];
    const sdkSamples: number[] = [];
    let preBytes = 0;
    let sdkBytes = 0;
    for (let r = 0; r < repeats; r++) {
      const preResult = await preCollect();
      const sdkResult = await sdkCollect();
      preSamples.push(preResult.millis);
      sdkSamples.push(sdkResult.millis);
      preBytes = preResult.bytes;
      sdkBytes = sdkResult.bytes;
    }
    const pre = { millis: median(preSamples), bytes: preBytes };
    const sdk = { millis: median(sdkSamples), bytes: sdkBytes };
    rows.push([
      seriesCount.toLocaleString('en'),
      format(pre.millis, 2),
      format(sdk.millis, 2),
      (pre.bytes / 1024).toFixed(0),
      (sdk.bytes / 1024).toFixed(0),
    ]);

    await preAggregator.shutdown();
    await preProvider.shutdown();
    await sdkProvider.shutdown();
  }

  printTable(
    'Export cost: window close, collect and OTLP protobuf serialization of one histogram (ms, median)',
    ['series', 'pre-aggregation ms', 'OTel SDK ms', 'pre-aggregation KiB', 'OTel SDK KiB'],
    rows,
  );
}

function heapMiB(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function memory(): Promise<void> {
  const total = quick ? 200_000 : 1_000_000;
  const checkpoints = quick ? [2_000, 100_000, 200_000] : [2_000, 100_000, 500_000, 1_000_000];
  if (globalThis.gc === undefined)
    console.log(
      '\nThe memory section needs node --expose-gc for exact heap numbers, which pnpm bench sets.',
    );

  const rows: string[][] = [];
  for (const library of ['pre-aggregation', 'OTel SDK']) {
    const before = heapMiB();
    const preAggregator = createPreAggregator({
      cardinalityLimit: 2_000,
      intervalMillis: 3_600_000,
    });
    const reader = new ManualReader({ metricProducers: [preAggregator] });
    const provider = new MeterProvider({ readers: [reader] });
    const record =
      library === 'pre-aggregation'
        ? preAggregator
            .histogram('pre.duration')
            .record.bind(preAggregator.histogram('pre.duration'))
        : (
            (histogram) => (value: number, attributes: Attributes) =>
              histogram.record(value, attributes)
          )(provider.getMeter('bench').createHistogram('sdk.duration'));

    const heap: string[] = [];
    let done = 0;
    for (const checkpoint of checkpoints) {
      for (; done < checkpoint; done++)
        record(done % 100, { request: `request-${done}`, model: 'resnet' });
      heap.push(format(heapMiB() - before, 2));
    }
    const stats = preAggregator.stats();
    rows.push([
      library,
      ...heap,
      library === 'pre-aggregation'
        ? `${stats.instruments[0]!.series} + overflow ${stats.overflowed.toLocaleString('en')}`
        : 'n/a',
    ]);
    await preAggregator.shutdown();
    await provider.shutdown();
  }

  printTable(
    `Memory: ${total.toLocaleString('en')} distinct attribute sets, cardinality limit 2000 (heap growth in MiB after N records)`,
    ['library', ...checkpoints.map((n) => `after ${n.toLocaleString('en')}`), 'series'],
    rows,
  );
}

async function cpuShare(): Promise<void> {
  const ratePerSecond = 100_000;
  const tickMillis = 10;
  const perTick = (ratePerSecond * tickMillis) / 1000;
  const durationMillis = quick ? 6_000 : 60_000;
  const segmentMillis = quick ? 1_000 : 5_000;

  const preAggregator = createPreAggregator({ intervalMillis: 10_000 });
  const provider = new MeterProvider({ readers: [periodicReader([preAggregator])] });
  const histogram = preAggregator.histogram('pre.duration', { unit: 'ms' });
  const attributes = MODELS.map((model) => ({ model, operation: 'infer' }));
  const bound = attributes.map((item) => histogram.bind(item));

  type Mode = 'idle' | 'bound' | 'attributes';
  const modes: Mode[] = ['idle', 'bound', 'attributes'];
  const totals = Object.fromEntries(
    modes.map((mode) => [mode, { cpuMicros: 0, wallMillis: 0, recorded: 0 }]),
  ) as Record<Mode, { cpuMicros: number; wallMillis: number; recorded: number }>;

  // The modes take turns in short segments, so drift in the load of the machine affects all
  // of them alike. Window closes and exports run in every mode.
  let index = 0;
  const segments = (modes.length * durationMillis) / segmentMillis;
  for (let segment = 0; segment < segments; segment++) {
    const mode = modes[segment % modes.length]!;
    const total = totals[mode];
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    let next = wallStart;

    while (performance.now() - wallStart < segmentMillis) {
      if (mode === 'bound') {
        for (let i = 0; i < perTick; i++) {
          bound[index & 7]!.record(VALUES[index & (OPERATIONS - 1)]!);
          index++;
        }
        total.recorded += perTick;
      } else if (mode === 'attributes') {
        for (let i = 0; i < perTick; i++) {
          histogram.record(VALUES[index & (OPERATIONS - 1)]!, attributes[index & 7]);
          index++;
        }
        total.recorded += perTick;
      }
      next += tickMillis;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())));
    }

    const cpu = process.cpuUsage(cpuStart);
    total.cpuMicros += cpu.user + cpu.system;
    total.wallMillis += performance.now() - wallStart;
  }

  await preAggregator.shutdown();
  await provider.shutdown();

  const percent = (mode: Mode) => (totals[mode].cpuMicros / 1000 / totals[mode].wallMillis) * 100;
  const rate = (mode: Mode) => format((totals[mode].recorded / totals[mode].wallMillis) * 1000, 0);
  printTable(
    `CPU share of one core at ${ratePerSecond.toLocaleString('en')} records/s into 8 series, ${durationMillis / 1000} s per mode in ${segmentMillis / 1000} s turns`,
    ['mode', 'records/s', 'CPU % of one core', 'records only (minus idle)'],
    [
      ['paced loop without records', '0', format(percent('idle'), 3), ''],
      [
        'bound handles',
        rate('bound'),
        format(percent('bound'), 3),
        format(percent('bound') - percent('idle'), 3),
      ],
      [
        'reused attributes objects',
        rate('attributes'),
        format(percent('attributes'), 3),
        format(percent('attributes') - percent('idle'), 3),
      ],
    ],
  );
}

console.log(
  `## Pre-aggregation (${quick ? 'quick' : 'full'} run, Node ${process.version}, ${new Date().toISOString()})`,
);
if (!['record', 'export', 'memory', 'cpu'].some(wanted)) {
  console.log(`No section matches ${sections.join(', ')}. Sections: record, export, memory, cpu.`);
}
if (wanted('record')) await recordCost();
if (wanted('export')) await exportCost();
if (wanted('memory')) await memory();
if (wanted('cpu')) await cpuShare();
