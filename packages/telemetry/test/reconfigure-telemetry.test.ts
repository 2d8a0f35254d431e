import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, diag, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ReceivedRequest,
  startGrpcServer,
  startHttpServer,
  type TestServer,
  waitFor,
} from '../../core/test/export-test-servers.js';
import { startTelemetry, type Telemetry } from '../src/start-telemetry.js';

let running: Telemetry | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  await running?.shutdown(2_000);
  running = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  for (const api of [metrics, trace, logs, context, propagation, diag]) api.disable();
});

/** Starts an OTLP/HTTP receiver on loopback that accepts every request. */
async function startReceiver(): Promise<TestServer> {
  const server = await startHttpServer(() => ({ status: 200, body: '{}' }));
  cleanups.push(() => server.close());
  return server;
}

interface JsonDataPoint {
  asInt?: string | number;
  asDouble?: number;
}

/** Returns the cumulative values of `name` in the OTLP/JSON metric requests, in arrival order. */
function counterValues(requests: ReceivedRequest[], name: string): number[] {
  const values: number[] = [];
  for (const request of requests) {
    if (!request.path.endsWith('/v1/metrics')) continue;
    const body = JSON.parse(request.body.toString('utf8'));
    for (const resource of body.resourceMetrics ?? []) {
      for (const scope of resource.scopeMetrics ?? []) {
        for (const metric of scope.metrics ?? []) {
          if (metric.name !== name) continue;
          for (const point of (metric.sum?.dataPoints ?? []) as JsonDataPoint[]) {
            values.push(Number(point.asInt ?? point.asDouble));
          }
        }
      }
    }
  }
  return values;
}

async function settingsDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'reconfigure-telemetry-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('telemetry.reconfigure', () => {
  it('interval and endpoint under load', async () => {
    const first = await startReceiver();
    const second = await startReceiver();
    running = startTelemetry({
      env: {
        MLSYSOPS_DISCOVERY_ENABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: first.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
      serviceName: 'svc',
      handleSignals: false,
      selfTelemetry: false,
      metricExportIntervalMillis: 60_000,
      traces: false,
      logs: false,
      settingsFile: false,
    });
    const counter = running.meter.createCounter('reconfigure.requests');

    for (let i = 0; i < 100; i++) counter.add(1);
    await running.forceFlush(2_000);
    expect(counterValues(first.requests, 'reconfigure.requests')).toEqual([100]);

    const result = running.reconfigure({
      metricExportIntervalMillis: 1_000,
      agentEndpoint: second.url,
    });
    expect(result.changed).toEqual(['metricExportIntervalMillis', 'agentEndpoint']);

    for (let i = 0; i < 50; i++) counter.add(1);
    // Only the new 1 s interval can export within this wait; the old one was 60 s.
    await waitFor(() => counterValues(second.requests, 'reconfigure.requests').length > 0, 4_000);
    expect(counterValues(second.requests, 'reconfigure.requests')[0]).toBe(150);
    expect(counterValues(first.requests, 'reconfigure.requests')).toEqual([100]);

    const status = running.status().reconfiguration;
    expect(status.settings.metricExportIntervalMillis).toBe(1_000);
    expect(status.settings.agentEndpoint).toBe(second.url);
    expect(status.lastChange?.source).toBe('code');
    expect(status.lastChange?.fields).toEqual(['metricExportIntervalMillis', 'agentEndpoint']);
  });

  it('endpoint to gRPC and back', async () => {
    const http = await startReceiver();
    const grpc = await startGrpcServer(() => ({ code: 0 }));
    cleanups.push(() => grpc.close());
    running = startTelemetry({
      env: {
        MLSYSOPS_DISCOVERY_ENABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: http.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
      serviceName: 'svc',
      handleSignals: false,
      selfTelemetry: false,
      traces: false,
      logs: false,
      settingsFile: false,
    });
    const t = running;
    const counter = t.meter.createCounter('reconfigure.requests');

    counter.add(100);
    await t.forceFlush(2_000);
    expect(counterValues(http.requests, 'reconfigure.requests')).toEqual([100]);

    // host:port, as TELEMETRY_ENDPOINT spells it, means OTLP/gRPC without TLS.
    t.reconfigure({ agentEndpoint: `127.0.0.1:${grpc.port}` });
    counter.add(50);
    await t.forceFlush(2_000);
    expect(grpc.requests.length).toBe(1);
    expect(grpc.requests[0]?.path).toBe(
      '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    );
    expect(grpc.requests[0]?.body.includes(Buffer.from('reconfigure.requests'))).toBe(true);

    // null returns to the configured endpoint, with the cumulative total intact.
    t.reconfigure({ agentEndpoint: null });
    counter.add(25);
    await t.forceFlush(2_000);
    expect(counterValues(http.requests, 'reconfigure.requests')).toEqual([100, 175]);
    expect(grpc.requests.length).toBe(1);
    expect(t.status().reconfiguration.settings.agentEndpoint).toBeNull();
  });

  it('invalid settings change nothing', () => {
    running = startTelemetry({
      env: { MLSYSOPS_DISCOVERY_ENABLED: 'false' },
      serviceName: 'svc',
      handleSignals: false,
      settingsFile: false,
      metrics: { exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE) },
      traces: { exporter: new InMemorySpanExporter() },
      logs: { exporter: new InMemoryLogRecordExporter() },
    });
    const before = running.status().reconfiguration.settings;

    expect(() =>
      running?.reconfigure({ metricExportIntervalMillis: 2_000, logMinSeverity: 'loud' as never }),
    ).toThrow('Invalid setting logMinSeverity: "loud"');
    // Every exporter is the application's own, so the endpoint cannot change.
    expect(() => running?.reconfigure({ agentEndpoint: '127.0.0.1:43170' })).toThrow(
      'Cannot reconfigure agentEndpoint',
    );
    expect(running.status().reconfiguration.settings).toEqual(before);
    expect(running.status().reconfiguration.lastChange).toBeUndefined();
  });

  it('severity and ratio under load', async () => {
    const spans = new InMemorySpanExporter();
    const records = new InMemoryLogRecordExporter();
    running = startTelemetry({
      env: { MLSYSOPS_DISCOVERY_ENABLED: 'false' },
      serviceName: 'svc',
      handleSignals: false,
      settingsFile: false,
      metrics: false,
      traces: { exporter: spans },
      logs: { exporter: records },
    });
    const t = running;

    for (let i = 0; i < 40; i++) {
      t.tracer.startSpan('op').end();
      t.logger.debug('detail');
      t.logger.info('step');
    }
    await t.forceFlush(2_000);
    expect(spans.getFinishedSpans().length).toBe(40);
    expect(records.getFinishedLogRecords().length).toBe(40);

    t.reconfigure({ tracesSamplerRatio: 0, logMinSeverity: 'debug' });
    for (let i = 0; i < 40; i++) {
      t.tracer.startSpan('op').end();
      t.logger.debug('detail');
      t.logger.info('step');
    }
    await t.forceFlush(2_000);
    expect(spans.getFinishedSpans().length).toBe(40);
    expect(records.getFinishedLogRecords().length).toBe(120);
  });

  it('settings file applies and rejects', async () => {
    const dir = await settingsDir();
    const path = join(dir, 'telemetry.json');
    await writeFile(path, '{"tracesSamplerRatio": 0}');
    const spans = new InMemorySpanExporter();

    running = startTelemetry({
      env: { MLSYSOPS_DISCOVERY_ENABLED: 'false', MLSYSOPS_SETTINGS_FILE: path },
      serviceName: 'svc',
      handleSignals: false,
      metrics: false,
      logs: false,
      traces: { exporter: spans },
      settingsFileDebounceMillis: 20,
      settingsFileRecheckIntervalMillis: 100,
    });
    const t = running;

    await waitFor(() => t.status().reconfiguration.settingsFile?.applied === 1);
    for (let i = 0; i < 30; i++) t.tracer.startSpan('op').end();
    await t.forceFlush(2_000);
    expect(spans.getFinishedSpans().length).toBe(0);
    expect(t.status().reconfiguration.lastChange?.source).toBe('file');

    await writeFile(path, '{"tracesSamplerRatio": 1}');
    await waitFor(() => t.status().reconfiguration.settingsFile?.applied === 2);
    for (let i = 0; i < 30; i++) t.tracer.startSpan('op').end();
    await t.forceFlush(2_000);
    expect(spans.getFinishedSpans().length).toBe(30);

    // A bad document leaves ratio 1 in force.
    await writeFile(path, '{"tracesSamplerRatio": 5}');
    await waitFor(() => t.status().reconfiguration.settingsFile?.rejected === 1);
    expect(t.status().reconfiguration.settings.tracesSamplerRatio).toBe(1);
    for (let i = 0; i < 30; i++) t.tracer.startSpan('op').end();
    await t.forceFlush(2_000);
    expect(spans.getFinishedSpans().length).toBe(60);
  });

  it('rejects invalid settingsFile option', () => {
    expect(() =>
      startTelemetry({
        env: {},
        serviceName: 'svc',
        handleSignals: false,
        settingsFile: '' as string,
        metrics: false,
        traces: false,
        logs: false,
      }),
    ).toThrow('startTelemetry: invalid settingsFile ""; expected a file path or false');
  });
});
