import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPreAggregator, type PreAggregator } from '@mlsysops/telemetry-metrics';
import { context, DiagLogLevel, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../core/test/export-test-servers.js';
import { createReconfigurationController } from '../src/reconfigure-controller.js';
import {
  type StartTelemetryOptions,
  startTelemetry,
  type Telemetry,
} from '../src/start-telemetry.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 3); // 3 s past a 10 s step
const STEP_MILLIS = 250;

let running: Telemetry | undefined;
const infoLines: string[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(() => {
  infoLines.length = 0;
  const record = (message: string, ...args: unknown[]) => {
    infoLines.push([message, ...args].join(' '));
  };
  diag.setLogger(
    { info: record, warn: () => {}, error: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true },
  );
});

afterEach(async () => {
  // Shutdown waits on timers, so the real ones come back first.
  vi.useRealTimers();
  await running?.shutdown(2_000);
  running = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const api of [metrics, trace, context, propagation, diag]) api.disable();
});

function start(
  preAggregator: PreAggregator | undefined,
  exporter: InMemoryMetricExporter,
  options: Partial<StartTelemetryOptions> = {},
): Telemetry {
  running = startTelemetry({
    env: { MLSYSOPS_DISCOVERY_ENABLED: 'false' },
    serviceName: 'svc',
    handleSignals: false,
    selfTelemetry: false,
    settingsFile: false,
    metricExportIntervalMillis: 5_000,
    metricExportTimeoutMillis: 5_000,
    traces: false,
    logs: false,
    metrics: {
      exporter,
      metricProducers: preAggregator === undefined ? [] : [preAggregator],
    },
    ...options,
  });
  return running;
}

/** Returns each distinct exported window of `name` as `[end offset from T0, value]`, in order. */
function exportedWindows(exporter: InMemoryMetricExporter, name: string): [number, number][] {
  const windows: [number, number][] = [];
  for (const resourceMetrics of exporter.getMetrics()) {
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== name) continue;
        for (const point of metric.dataPoints) {
          const end = point.endTime[0] * 1_000 + Math.round(point.endTime[1] / 1e6) - T0;
          if (windows.at(-1)?.[0] !== end) windows.push([end, point.value as number]);
        }
      }
    }
  }
  return windows;
}

function reconfigureLines(): string[] {
  // Each line starts with the component logger's namespace.
  return infoLines
    .filter((line) => line.includes('reconfigured'))
    .map((line) => line.slice(line.indexOf('reconfigured')));
}

describe('telemetry.reconfigure pre-aggregation', () => {
  it('window change under load', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(T0);
    const preAggregator = createPreAggregator({ intervalMillis: 10_000, windowOffsetMillis: 0 });
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const telemetry = start(preAggregator, exporter);
    const jobs = preAggregator.counter('jobs');
    preAggregator.counter('other').add(1);

    // Sum added before each moment, in milliseconds after T0.
    const totals = new Map<number, number>();
    let total = 0;
    const drive = async (untilOffsetMillis: number) => {
      while (Date.now() - T0 < untilOffsetMillis) {
        totals.set(Date.now() - T0, total);
        for (let i = 0; i < 50; i++) {
          const value = (i % 5) + 1;
          jobs.add(value);
          total += value;
        }
        await vi.advanceTimersByTimeAsync(STEP_MILLIS);
      }
      totals.set(Date.now() - T0, total);
    };

    await drive(2_000);
    const result = telemetry.reconfigure({ preAggregationIntervals: { jobs: 30_000 } });
    expect(result.changed).toEqual(['preAggregationIntervals']);
    expect(reconfigureLines()).toEqual([
      'reconfigured preAggregationIntervals.jobs: 10000 -> 30000 (source: code; from the next window boundary)',
    ]);

    const status = telemetry.status().reconfiguration;
    expect(status.adjustable).toContain('preAggregationIntervals');
    expect(status.settings.preAggregationIntervals).toEqual({ jobs: 30_000, other: 10_000 });
    expect(status.preAggregationWindows).toEqual([
      { name: 'jobs', intervalMillis: 10_000, pendingIntervalMillis: 30_000 },
      { name: 'other', intervalMillis: 10_000, pendingIntervalMillis: undefined },
    ]);
    expect(status.lastChange?.fields).toEqual(['preAggregationIntervals']);

    await drive(60_000);
    // Windows end at the old 10 s boundary 00:00:10, then at the 30 s steps 00:00:30 and 00:01:00.
    expect(exportedWindows(exporter, 'jobs')).toEqual([
      [7_000, totals.get(7_000)],
      [27_000, totals.get(27_000)],
      [57_000, totals.get(57_000)],
    ]);
    expect(totals.get(57_000)).toBe((57_000 / STEP_MILLIS) * 150);
    expect(exportedWindows(exporter, 'other').map(([end]) => end)).toEqual([
      7_000, 17_000, 27_000, 37_000, 47_000, 57_000,
    ]);
    expect(telemetry.status().reconfiguration.preAggregationWindows?.[0]).toEqual({
      name: 'jobs',
      intervalMillis: 30_000,
      pendingIntervalMillis: undefined,
    });

    // Same value again: nothing changes and nothing is logged.
    expect(telemetry.reconfigure({ preAggregationIntervals: { jobs: 30_000 } }).changed).toEqual(
      [],
    );
    expect(reconfigureLines().length).toBe(1);

    // Shutdown closes the last, partial window at 00:01:03 and exports the full total.
    let report: Awaited<ReturnType<Telemetry['shutdown']>> | undefined;
    void telemetry.shutdown(2_000).then((value) => {
      report = value;
    });
    for (let step = 0; step < 100 && report === undefined; step++) {
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(report?.ok).toBe(true);
    expect(exportedWindows(exporter, 'jobs').at(-1)).toEqual([60_000, total]);
  });

  it('invalid settings change nothing', () => {
    const preAggregator = createPreAggregator({ intervalMillis: 10_000 });
    const telemetry = start(
      preAggregator,
      new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    );
    preAggregator.counter('jobs');
    const before = telemetry.status().reconfiguration;

    expect(() =>
      telemetry.reconfigure({
        metricExportIntervalMillis: 2_000,
        preAggregationIntervals: { jobs: 0 },
      }),
    ).toThrow(
      'Invalid setting preAggregationIntervals.jobs: 0; expected an integer number of milliseconds from 1 to 2147483647.',
    );
    expect(() =>
      telemetry.reconfigure({
        metricExportIntervalMillis: 2_000,
        preAggregationIntervals: { jobs: 5_000, missing: 5_000 },
      }),
    ).toThrow(
      'Invalid setting preAggregationIntervals.missing: pre-aggregated instrument not found; expected one of: jobs. Create the instrument before the change.',
    );

    const after = telemetry.status().reconfiguration;
    expect(after.settings).toEqual(before.settings);
    expect(after.preAggregationWindows).toEqual([
      { name: 'jobs', intervalMillis: 10_000, pendingIntervalMillis: undefined },
    ]);
    expect(after.lastChange).toBeUndefined();
    expect(reconfigureLines()).toEqual([]);
  });

  it('no pre-aggregator rejects field', () => {
    const telemetry = start(
      undefined,
      new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    );
    expect(telemetry.status().reconfiguration.adjustable).not.toContain('preAggregationIntervals');
    expect(telemetry.status().reconfiguration.settings.preAggregationIntervals).toBeUndefined();
    expect(telemetry.status().reconfiguration.preAggregationWindows).toBeUndefined();
    expect(() => telemetry.reconfigure({ preAggregationIntervals: { jobs: 5_000 } })).toThrow(
      'Cannot reconfigure preAggregationIntervals: no pre-aggregator is in metricProducers of the metrics signal.',
    );
  });

  it('name in two pre-aggregators', async () => {
    const first = createPreAggregator({ intervalMillis: 10_000 });
    const second = createPreAggregator({ intervalMillis: 20_000 });
    cleanups.push(
      () => first.shutdown(),
      () => second.shutdown(),
    );
    first.counter('jobs');
    second.histogram('jobs');
    second.gauge('depth');
    const controller = createReconfigurationController({ preAggregators: [first, second] });

    expect(controller.status().settings.preAggregationIntervals).toEqual({
      jobs: 10_000,
      depth: 20_000,
    });
    controller.reconfigure({ preAggregationIntervals: { jobs: 5_000 } });
    expect(first.intervals()[0]?.pendingIntervalMillis).toBe(5_000);
    expect(second.intervals().map((item) => item.pendingIntervalMillis)).toEqual([
      5_000,
      undefined,
    ]);
    expect(reconfigureLines()).toEqual([
      'reconfigured preAggregationIntervals.jobs: 10000 -> 5000 (source: code; from the next window boundary)',
    ]);
  });

  it('settings file sets window', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reconfigure-preaggregation-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'telemetry.yaml');
    await writeFile(path, 'preAggregationIntervals:\n  jobs: 15000\n');

    const preAggregator = createPreAggregator({ intervalMillis: 60_000 });
    preAggregator.counter('jobs');
    const telemetry = start(
      preAggregator,
      new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
      {
        settingsFile: path,
        settingsFileDebounceMillis: 20,
        settingsFileRecheckIntervalMillis: 100,
      },
    );

    await waitFor(() => telemetry.status().reconfiguration.settingsFile?.applied === 1);
    expect(preAggregator.intervals()).toEqual([
      { name: 'jobs', intervalMillis: 60_000, pendingIntervalMillis: 15_000 },
    ]);
    expect(telemetry.status().reconfiguration.lastChange?.source).toBe('file');
    expect(reconfigureLines()).toEqual([
      'reconfigured preAggregationIntervals.jobs: 60000 -> 15000 (source: file; from the next window boundary)',
    ]);

    // A rejected document keeps the last good window.
    await writeFile(path, 'preAggregationIntervals:\n  jobs: -1\n');
    await waitFor(() => telemetry.status().reconfiguration.settingsFile?.rejected === 1);
    expect(preAggregator.intervals()[0]?.pendingIntervalMillis).toBe(15_000);
  });
});
