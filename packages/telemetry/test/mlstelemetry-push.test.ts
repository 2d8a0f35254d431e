import { type Attributes, DiagLogLevel, diag, SeverityNumber } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  type DataPoint,
  InMemoryMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createMlsTelemetry,
  METRIC_MLSTELEMETRY_DROPPED,
} from '../src/mlstelemetry/mls-telemetry.js';
import type { MlsTelemetry, MlsTelemetryOptions } from '../src/mlstelemetry/mls-telemetry-types.js';
import { SELF_TELEMETRY_METER_NAME } from '../src/self-telemetry.js';
import { startTelemetry, type Telemetry } from '../src/start-telemetry.js';

const running: { shutdown(timeoutMillis?: number): Promise<unknown> }[] = [];

afterEach(async () => {
  for (const handle of running.splice(0)) await handle.shutdown(2_000);
  diag.disable();
});

function startFacade(extra: MlsTelemetryOptions = {}, start: Record<string, unknown> = {}) {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const logExporter = new InMemoryLogRecordExporter();

  const facade = createMlsTelemetry({
    applicationName: 'agent-svc',
    env: {},
    start: {
      env: {},
      handleSignals: false,
      registerGlobal: false,
      discovery: { enabled: false },
      metrics: { exporter: metricExporter },
      traces: false,
      logs: { exporter: logExporter },
      ...start,
    },
    ...extra,
  });
  running.push(facade);
  return { facade, metricExporter, logExporter };
}

/** Flushes and returns the data points of `name` in the last export of scope `scope`. */
async function points(
  facade: MlsTelemetry,
  exporter: InMemoryMetricExporter,
  name: string,
  scope = 'agent-svc',
): Promise<DataPoint<number>[]> {
  await facade.forceFlush(2_000);
  const metric = exporter
    .getMetrics()
    .at(-1)
    ?.scopeMetrics.find((candidate) => candidate.scope.name === scope)
    ?.metrics.find((candidate) => candidate.descriptor.name === name);
  return (metric?.dataPoints ?? []) as DataPoint<number>[];
}

function valuesByAttributes(dataPoints: DataPoint<number>[]): [Attributes, number][] {
  return dataPoints.map((point) => [point.attributes, point.value]);
}

function captureWarnings(): string[] {
  const warnings: string[] = [];
  const ignore = () => {};
  diag.setLogger(
    {
      error: ignore,
      info: ignore,
      debug: ignore,
      verbose: ignore,
      warn: (...args: unknown[]) => warnings.push(args.join(' ')),
    },
    DiagLogLevel.WARN,
  );
  return warnings;
}

describe('pushMetric', () => {
  it('counter adds increments', async () => {
    const { facade, metricExporter } = startFacade();

    facade.pushMetric('jobs_done', 'counter', 3, { queue: 'a' });
    facade.pushMetric('jobs_done', 'counter', 4, { queue: 'a' });
    facade.pushMetric('jobs_done', 'counter', 0, { queue: 'a' });
    facade.pushMetric('jobs_done', 'counter', 2.5, { queue: 'b' });

    const dataPoints = await points(facade, metricExporter, 'jobs_done');
    expect(valuesByAttributes(dataPoints)).toEqual([
      [{ queue: 'a' }, 7],
      [{ queue: 'b' }, 2.5],
    ]);
  });

  it('counter drops negative increments', async () => {
    const { facade, metricExporter } = startFacade();

    facade.pushMetric('jobs_done', 'counter', 5);
    facade.pushMetric('jobs_done', 'counter', -2);

    const dataPoints = await points(facade, metricExporter, 'jobs_done');
    expect(valuesByAttributes(dataPoints)).toEqual([[{}, 5]]);
    expect(facade.stats().droppedPushes['negative-value']).toBe(1);
    expect(facade.stats().droppedPushesTotal).toBe(1);
  });

  it('gauge keeps last value per set', async () => {
    const { facade, metricExporter } = startFacade();

    facade.pushMetric('gpu_load', 'gauge', 0.9, { device: 'gpu0' });
    facade.pushMetric('gpu_load', 'gauge', 0.25, { device: 'gpu0' });
    facade.pushMetric('gpu_load', 'gauge', -3, { device: 'gpu1' });

    const dataPoints = await points(facade, metricExporter, 'gpu_load');
    expect(valuesByAttributes(dataPoints)).toEqual([
      [{ device: 'gpu0' }, 0.25],
      [{ device: 'gpu1' }, -3],
    ]);
  });

  it('async counter reports latest totals', async () => {
    const { facade, metricExporter } = startFacade();

    facade.pushMetric('frames', 'async_counter', 10, { camera: 'c1' });
    facade.pushMetric('frames', 'async_counter', 25, { camera: 'c1' });
    facade.pushMetric('frames', 'async_counter', 4, { camera: 'c2' });

    const first = await points(facade, metricExporter, 'frames');
    expect(valuesByAttributes(first)).toEqual([
      [{ camera: 'c1' }, 25],
      [{ camera: 'c2' }, 4],
    ]);

    // No push in between: the totals are reported again, so the series stay alive.
    const second = await points(facade, metricExporter, 'frames');
    expect(valuesByAttributes(second)).toEqual([
      [{ camera: 'c1' }, 25],
      [{ camera: 'c2' }, 4],
    ]);
  });

  it('async counter matches sets in any order', async () => {
    const { facade, metricExporter } = startFacade();

    facade.pushMetric('frames', 'async_counter', 1, { a: '1', b: '2' });
    facade.pushMetric('frames', 'async_counter', 6, { b: '2', a: '1' });

    const dataPoints = await points(facade, metricExporter, 'frames');
    expect(dataPoints.map((point) => point.value)).toEqual([6]);
  });

  it('async counter exports a reset', async () => {
    const { facade, metricExporter } = startFacade();

    facade.pushMetric('frames', 'async_counter', 40);
    await points(facade, metricExporter, 'frames');
    facade.pushMetric('frames', 'async_counter', 3);

    const dataPoints = await points(facade, metricExporter, 'frames');
    expect(dataPoints.map((point) => point.value)).toEqual([3]);
  });

  it('async counter drops negative totals', async () => {
    const { facade, metricExporter } = startFacade();

    facade.pushMetric('frames', 'async_counter', 8);
    facade.pushMetric('frames', 'async_counter', -1);

    const dataPoints = await points(facade, metricExporter, 'frames');
    expect(dataPoints.map((point) => point.value)).toEqual([8]);
    expect(facade.stats().droppedPushes['negative-value']).toBe(1);
  });

  it('async counter copies attributes', async () => {
    const { facade, metricExporter } = startFacade();
    const attributes: Attributes = { camera: 'c1' };

    facade.pushMetric('frames', 'async_counter', 2, attributes);
    attributes.camera = 'changed';

    const dataPoints = await points(facade, metricExporter, 'frames');
    expect(valuesByAttributes(dataPoints)).toEqual([[{ camera: 'c1' }, 2]]);
  });

  it('type conflict warns once', async () => {
    const warnings = captureWarnings();
    const { facade, metricExporter } = startFacade();

    facade.pushMetric('latency', 'gauge', 1.5);
    facade.pushMetric('latency', 'counter', 1);
    facade.pushMetric('latency', 'async_counter', 1);

    const dataPoints = await points(facade, metricExporter, 'latency');
    expect(dataPoints.map((point) => point.value)).toEqual([1.5]);
    expect(facade.stats().droppedPushes['type-conflict']).toBe(2);
    const conflicts = warnings.filter((warning) => warning.includes('is a gauge already'));
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toContain('"latency" as counter');
  });

  it('invalid input counts by reason', () => {
    captureWarnings();
    const { facade } = startFacade();
    const push = facade.pushMetric as (...args: unknown[]) => void;

    expect(() => {
      push('ok_name', 'counter', Number.NaN);
      push('ok_name', 'counter', Number.POSITIVE_INFINITY);
      push('ok_name', 'counter', '3');
      push('9starts_with_digit', 'counter', 1);
      push('', 'gauge', 1);
      push(undefined, 'gauge', 1);
      push('ok_name', 'histogram', 1);
      push('ok_name', 'counter', 1, 'not-an-object');
      push('ok_name', 'counter', 1, ['a']);
    }).not.toThrow();

    const { droppedPushes, droppedPushesTotal, instruments } = facade.stats();
    expect(droppedPushes['invalid-value']).toBe(3);
    expect(droppedPushes['invalid-name']).toBe(3);
    expect(droppedPushes['unknown-type']).toBe(1);
    expect(droppedPushes['invalid-attributes']).toBe(2);
    expect(droppedPushesTotal).toBe(9);
    expect(instruments).toBe(0);
  });

  it('survives hostile arguments', () => {
    captureWarnings();
    const { facade } = startFacade();
    const push = facade.pushMetric as (...args: unknown[]) => void;
    const pushLogInfo = facade.pushLogInfo as (...args: unknown[]) => void;
    const hostile = {
      toString() {
        throw new Error('toString failed');
      },
    };

    expect(() => {
      push(hostile, 'counter', 1);
      push('ok_name', 'counter', hostile);
      push('ok_name', 10n, 1);
      push('ok_name', hostile, 1);
      pushLogInfo(hostile);
    }).not.toThrow();

    const { droppedPushes } = facade.stats();
    expect(droppedPushes['invalid-name']).toBe(1);
    expect(droppedPushes['invalid-value']).toBe(1);
    expect(droppedPushes['unknown-type']).toBe(2);
  });

  it('series limit drops new sets', async () => {
    captureWarnings();
    const { facade, metricExporter } = startFacade({ maxSeriesPerMetric: 2 });

    facade.pushMetric('frames', 'async_counter', 1, { camera: 'c1' });
    facade.pushMetric('frames', 'async_counter', 2, { camera: 'c2' });
    facade.pushMetric('frames', 'async_counter', 3, { camera: 'c3' });
    facade.pushMetric('frames', 'async_counter', 9, { camera: 'c1' });

    const dataPoints = await points(facade, metricExporter, 'frames');
    expect(valuesByAttributes(dataPoints)).toEqual([
      [{ camera: 'c1' }, 9],
      [{ camera: 'c2' }, 2],
    ]);
    expect(facade.stats().droppedPushes['series-limit']).toBe(1);
  });

  it('instrument limit drops new names', () => {
    captureWarnings();
    const { facade } = startFacade({ maxInstruments: 1 });

    facade.pushMetric('first', 'counter', 1);
    facade.pushMetric('second', 'counter', 1);
    facade.pushMetric('first', 'counter', 1);

    expect(facade.stats().instruments).toBe(1);
    expect(facade.stats().droppedPushes['instrument-limit']).toBe(1);
  });

  it('drops pushes after shutdown', async () => {
    captureWarnings();
    const { facade } = startFacade();

    await facade.shutdown(2_000);
    facade.pushMetric('jobs_done', 'counter', 1);

    expect(facade.stats().droppedPushes['shut-down']).toBe(1);
  });

  it('exports its drop counter', async () => {
    captureWarnings();
    const { facade, metricExporter } = startFacade();

    facade.pushMetric('jobs_done', 'counter', -1);
    facade.pushMetric('jobs_done', 'counter', -1);
    facade.pushMetric('jobs_done', 'gauge', 1);

    const dataPoints = await points(
      facade,
      metricExporter,
      METRIC_MLSTELEMETRY_DROPPED,
      SELF_TELEMETRY_METER_NAME,
    );
    expect(valuesByAttributes(dataPoints)).toEqual([
      [{ 'mlsysops.telemetry.drop_reason': 'type-conflict' }, 1],
      [{ 'mlsysops.telemetry.drop_reason': 'negative-value' }, 2],
    ]);
  });

  it('applies the descriptor once', async () => {
    const { facade, metricExporter } = startFacade();

    facade.pushMetric('inference_time', 'gauge', 0.2, {}, { unit: 's', description: 'Latency.' });
    facade.pushMetric('inference_time', 'gauge', 0.3, {}, { unit: 'ms' });

    await facade.forceFlush(2_000);
    const metric = metricExporter
      .getMetrics()
      .at(-1)
      ?.scopeMetrics[0]?.metrics.find((m) => m.descriptor.name === 'inference_time');
    expect(metric?.descriptor.unit).toBe('s');
    expect(metric?.descriptor.description).toBe('Latency.');
    expect(metric?.dataPoints[0]?.value).toBe(0.3);
  });
});

describe('pushLog', () => {
  it('emits records by severity', async () => {
    const { facade, logExporter } = startFacade({}, { logMinSeverity: 'debug' });

    facade.pushLogInfo('model loaded', { model: 'yolo' });
    facade.pushLogDebug('batch size 8');
    facade.pushLogError('inference failed', { attempt: 2 }, new RangeError('bad shape'));
    await facade.forceFlush(2_000);

    const records = logExporter.getFinishedLogRecords();
    expect(
      records.map((record) => [record.severityNumber, record.severityText, record.body]),
    ).toEqual([
      [SeverityNumber.INFO, 'INFO', 'model loaded'],
      [SeverityNumber.DEBUG, 'DEBUG', 'batch size 8'],
      [SeverityNumber.ERROR, 'ERROR', 'inference failed'],
    ]);
    expect(records[0]?.attributes).toEqual({ model: 'yolo' });
    expect(records[2]?.attributes.attempt).toBe(2);
    expect(records[2]?.attributes['exception.type']).toBe('RangeError');
    expect(records[2]?.attributes['exception.message']).toBe('bad shape');
    expect(records[0]?.resource.attributes['service.name']).toBe('agent-svc');
  });

  it('default level drops debug', async () => {
    const { facade, logExporter } = startFacade();

    facade.pushLogDebug('hidden');
    facade.pushLogInfo('shown');
    await facade.forceFlush(2_000);

    expect(logExporter.getFinishedLogRecords().map((record) => record.body)).toEqual(['shown']);
  });

  it('accepts odd arguments', async () => {
    const { facade, logExporter } = startFacade();
    const pushLogInfo = facade.pushLogInfo as (...args: unknown[]) => void;

    expect(() => {
      pushLogInfo(42, 'not-attributes');
      pushLogInfo(undefined);
    }).not.toThrow();
    await facade.forceFlush(2_000);

    expect(logExporter.getFinishedLogRecords().map((record) => record.body)).toEqual([
      '42',
      'undefined',
    ]);
  });
});

describe('createMlsTelemetry', () => {
  it('stamps application and component', async () => {
    const { facade, metricExporter } = startFacade({ componentName: 'planner' });

    facade.pushMetric('jobs_done', 'counter', 1);
    await facade.forceFlush(2_000);

    const resource = metricExporter.getMetrics().at(-1)?.resource.attributes;
    expect(resource?.['service.name']).toBe('agent-svc');
    expect(resource?.['mlsysops.component.name']).toBe('planner');
  });

  it('flushes a borrowed handle only', async () => {
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const telemetry: Telemetry = startTelemetry({
      env: {},
      serviceName: 'host-svc',
      handleSignals: false,
      registerGlobal: false,
      discovery: { enabled: false },
      metrics: { exporter: metricExporter },
      traces: false,
      logs: false,
    });
    running.push(telemetry);
    const facade = createMlsTelemetry({ telemetry, env: {} });

    facade.pushMetric('jobs_done', 'counter', 2);
    const report = await facade.shutdown(2_000);

    expect(report.ok).toBe(true);
    expect(facade.telemetry).toBe(telemetry);
    expect(telemetry.status().shutDown).toBe(false);
    const dataPoints = await points(facade, metricExporter, 'jobs_done', 'host-svc');
    expect(dataPoints.map((point) => point.value)).toEqual([2]);
  });

  it('stops reporting after shutdown', async () => {
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const telemetry: Telemetry = startTelemetry({
      env: {},
      serviceName: 'host-svc',
      handleSignals: false,
      registerGlobal: false,
      discovery: { enabled: false },
      metrics: { exporter: metricExporter },
      traces: false,
      logs: false,
    });
    running.push(telemetry);
    const facade = createMlsTelemetry({ telemetry, env: {} });
    captureWarnings();

    facade.pushMetric('frames', 'async_counter', 12);
    facade.pushMetric('frames', 'counter', 1);
    await facade.shutdown(2_000);
    await telemetry.forceFlush(2_000);

    const scopes = metricExporter.getMetrics().at(-1)?.scopeMetrics ?? [];
    const names = scopes.flatMap((scope) => scope.metrics.map((m) => m.descriptor.name));
    expect(names).not.toContain('frames');
    expect(names).not.toContain(METRIC_MLSTELEMETRY_DROPPED);
  });

  it('rejects start options with a handle', () => {
    const telemetry: Telemetry = startTelemetry({
      env: {},
      handleSignals: false,
      registerGlobal: false,
      discovery: { enabled: false },
      metrics: false,
      traces: false,
      logs: false,
    });
    running.push(telemetry);

    expect(() => createMlsTelemetry({ telemetry, applicationName: 'x', env: {} })).toThrow(
      'Invalid option applicationName: it applies only when no telemetry handle is given',
    );
    expect(() => createMlsTelemetry({ telemetry, start: {}, env: {} })).toThrow(
      'Invalid option start:',
    );
  });

  it('shutdown returns one report', async () => {
    const { facade } = startFacade();

    const first = facade.shutdown(2_000);
    const second = facade.shutdown(2_000);

    expect(second).toBe(first);
    expect((await first).ok).toBe(true);
    expect(facade.telemetry.status().shutDown).toBe(true);
  });

  it.each([
    [{ maxInstruments: 0 }, 'Invalid option maxInstruments 0'],
    [{ maxSeriesPerMetric: 1.5 }, 'Invalid option maxSeriesPerMetric 1.5'],
    [{ localCacheMillis: -1 }, 'Invalid option localCacheMillis -1'],
    [{ nodeLabel: '' }, 'Invalid option nodeLabel ""'],
    [{ query: { kind: 'grafana' as const } }, 'Missing option datasourceUid'],
    [{ localReader: { endpoint: 'ftp://x' } }, 'Invalid option endpoint "ftp://x"'],
  ])('rejects bad option %o', (options, message) => {
    expect(() => startFacade(options)).toThrow(message);
  });
});
