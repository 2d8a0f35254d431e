// Changes the metric export interval and a pre-aggregation window of a running startTelemetry()
// pipeline against the real Collector and Prometheus, and checks the exact totals and the export
// spacing or window ends before and after.

import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTelemetry, type Telemetry } from '@mlsysops/telemetry';
import { createPreAggregator } from '@mlsysops/telemetry-metrics';
import { context, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorHandle, startCollector } from './support/collector.js';
import { OUTPUT_FILES, testCollectorConfig } from './support/collector-config.js';
import { readMetrics } from './support/otlp-files.js';
import { type PrometheusHandle, startPrometheus } from './support/prometheus.js';

const METRIC = 'reconfigure.e2e.requests';
const QUERY = 'reconfigure_e2e_requests_total{job="reconfigure-svc"}';

let prometheus: PrometheusHandle;
let collector: CollectorHandle;
let telemetry: Telemetry | undefined;

beforeAll(async () => {
  prometheus = await startPrometheus();
  collector = await startCollector({
    config: testCollectorConfig({ remoteWriteUrl: prometheus.remoteWriteUrl }),
  });
});

afterEach(async () => {
  await telemetry?.shutdown(3_000);
  telemetry = undefined;
  for (const api of [metrics, trace, logs, context, propagation]) api.disable();
});

afterAll(async () => {
  await collector?.stop();
  await prometheus?.stop();
});

/** Returns the end time, in milliseconds, of every exported point of `name`. */
function exportTimes(name = METRIC): number[] {
  const times: number[] = [];
  for (const record of readMetrics(collector.path(OUTPUT_FILES.metrics))) {
    if (record.name !== name) continue;
    for (const point of (record.data.dataPoints ?? []) as { timeUnixNano: string }[]) {
      times.push(Number(BigInt(point.timeUnixNano) / 1_000_000n));
    }
  }
  return times.sort((a, b) => a - b);
}

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

describe('reconfigure end to end', () => {
  it('interval change keeps exact totals', async () => {
    telemetry = startTelemetry({
      env: {
        MLSYSOPS_DISCOVERY_ENABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoints.otlpHttp,
      },
      serviceName: 'reconfigure-svc',
      serviceInstanceId: 'reconfigure-svc-0',
      handleSignals: false,
      selfTelemetry: false,
      settingsFile: false,
      metricExportIntervalMillis: 60_000,
      traces: false,
      logs: false,
    });
    const counter = telemetry.meter.createCounter(METRIC);

    // At 60 s nothing leaves during this test unless the interval changes.
    for (let i = 0; i < 200; i++) counter.add(1, { model: 'yolo' });
    await sleep(1_500);
    expect(exportTimes()).toEqual([]);

    telemetry.reconfigure({ metricExportIntervalMillis: 1_000 });
    const first = await prometheus.waitFor(QUERY, (samples) => samples[0]?.value === 200, 15_000);
    expect(first.length).toBe(1);

    for (let i = 0; i < 300; i++) counter.add(1, { model: 'yolo' });
    await prometheus.waitFor(QUERY, (samples) => samples[0]?.value === 500, 15_000);

    // Consecutive exports at the 1 s interval lie about one second apart.
    const deadline = Date.now() + 10_000;
    while (exportTimes().length < 3 && Date.now() < deadline) await sleep(200);
    const times = exportTimes();
    expect(times.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]! - times[i - 1]!;
      expect(gap).toBeGreaterThanOrEqual(900);
      expect(gap).toBeLessThanOrEqual(1_600);
    }

    // Back to 60 s: the export due within 1 s still runs, then nothing for a minute.
    telemetry.reconfigure({ metricExportIntervalMillis: 60_000 });
    await sleep(1_500);
    const settled = exportTimes().length;
    for (let i = 0; i < 25; i++) counter.add(1, { model: 'yolo' });
    await sleep(2_500);
    expect(exportTimes().length).toBe(settled);

    await telemetry.forceFlush(3_000);
    const last = await prometheus.waitFor(QUERY, (samples) => samples[0]?.value === 525, 15_000);
    expect(last[0]?.labels.model).toBe('yolo');

    const status = telemetry.status().reconfiguration;
    expect(status.settings.metricExportIntervalMillis).toBe(60_000);
    expect(status.changes).toBe(2);
  });

  it('window change keeps exact totals', async () => {
    const name = 'reconfigure.window.requests';
    const query = 'reconfigure_window_requests_total{job="reconfigure-window-svc"}';
    const preAggregator = createPreAggregator({ intervalMillis: 3_000, windowOffsetMillis: 0 });
    telemetry = startTelemetry({
      env: {
        MLSYSOPS_DISCOVERY_ENABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoints.otlpHttp,
      },
      serviceName: 'reconfigure-window-svc',
      handleSignals: false,
      selfTelemetry: false,
      settingsFile: false,
      metricExportIntervalMillis: 500,
      traces: false,
      logs: false,
      metrics: { metricProducers: [preAggregator] },
    });
    const counter = preAggregator.counter(name);

    for (let i = 0; i < 1_000; i++) counter.add(1, { model: 'yolo' });
    await prometheus.waitFor(query, (samples) => samples[0]?.value === 1_000, 15_000);

    const changedAt = Date.now();
    telemetry.reconfigure({ preAggregationIntervals: { [name]: 1_000 } });
    // The 3 s window in force closes at the next 3 s step; the 1 s windows start there.
    const oldBoundary = (Math.floor(changedAt / 3_000) + 1) * 3_000;
    for (let i = 0; i < 500; i++) counter.add(1, { model: 'yolo' });
    await prometheus.waitFor(query, (samples) => samples[0]?.value === 1_500, 15_000);
    while (Date.now() < oldBoundary + 4_500) await sleep(200);

    // Distinct window ends after the change. A window timer fires at or shortly after its
    // boundary, so each end may lie up to 250 ms late.
    const ends = [...new Set(exportTimes(name))].filter((end) => end > changedAt);
    expect(ends.length).toBeGreaterThanOrEqual(4);
    expect(ends[0]! - oldBoundary).toBeGreaterThanOrEqual(0);
    expect(ends[0]! - oldBoundary).toBeLessThan(250);
    for (let i = 1; i < 4; i++) {
      expect(ends[i]! - (oldBoundary + i * 1_000)).toBeGreaterThanOrEqual(0);
      expect(ends[i]! - (oldBoundary + i * 1_000)).toBeLessThan(250);
    }

    expect(telemetry.status().reconfiguration.preAggregationWindows).toEqual([
      { name, intervalMillis: 1_000, pendingIntervalMillis: undefined },
    ]);
    await telemetry.shutdown(3_000);
    const last = await prometheus.waitFor(query, (samples) => samples[0]?.value === 1_500, 15_000);
    expect(last[0]?.labels.model).toBe('yolo');
  });

  it('ConfigMap file drives interval', async () => {
    // The kubelet's ConfigMap volume layout: `..data` links a versioned directory, and the
    // key is a symlink through `..data`. An update renames a new `..data` link into place.
    const dir = await mkdtemp(join(tmpdir(), 'reconfigure-e2e-'));
    let generation = 0;
    const publish = async (content: string) => {
      generation++;
      await mkdir(join(dir, `..v${generation}`));
      await writeFile(join(dir, `..v${generation}`, 'telemetry.yaml'), content);
      await symlink(`..v${generation}`, join(dir, `..data_tmp${generation}`));
      await rename(join(dir, `..data_tmp${generation}`), join(dir, '..data'));
    };
    await publish('metricExportIntervalMillis: 60000\n');
    await symlink('..data/telemetry.yaml', join(dir, 'telemetry.yaml'));

    const name = 'reconfigure.file.requests';
    const query = 'reconfigure_file_requests_total{job="reconfigure-file-svc"}';
    try {
      telemetry = startTelemetry({
        env: {
          MLSYSOPS_DISCOVERY_ENABLED: 'false',
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoints.otlpHttp,
          MLSYSOPS_SETTINGS_FILE: join(dir, 'telemetry.yaml'),
        },
        serviceName: 'reconfigure-file-svc',
        handleSignals: false,
        selfTelemetry: false,
        traces: false,
        logs: false,
        settingsFileDebounceMillis: 50,
      });
      const t = telemetry;
      const counter = t.meter.createCounter(name);
      for (let i = 0; i < 120; i++) counter.add(1);

      await publish('metricExportIntervalMillis: 1000\n');
      await prometheus.waitFor(query, (samples) => samples[0]?.value === 120, 15_000);
      expect(t.status().reconfiguration.lastChange?.source).toBe('file');

      // An invalid update is rejected and the 1 s interval stays in force.
      await publish('metricExportIntervalMillis: fast\n');
      const deadline = Date.now() + 5_000;
      while (t.status().reconfiguration.settingsFile?.rejected !== 1 && Date.now() < deadline) {
        await sleep(50);
      }
      expect(t.status().reconfiguration.settingsFile?.rejected).toBe(1);
      expect(t.status().reconfiguration.settings.metricExportIntervalMillis).toBe(1_000);

      for (let i = 0; i < 80; i++) counter.add(1);
      await prometheus.waitFor(query, (samples) => samples[0]?.value === 200, 15_000);
      // The file exporter may write its copy of an export after Prometheus has it.
      const fileDeadline = Date.now() + 5_000;
      while (exportTimes(name).length < 2 && Date.now() < fileDeadline) await sleep(100);
      expect(exportTimes(name).length).toBeGreaterThanOrEqual(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
