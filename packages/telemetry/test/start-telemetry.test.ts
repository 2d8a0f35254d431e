import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, DiagLogLevel, diag, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { startTelemetry, type Telemetry } from '../src/start-telemetry.js';

let running: Telemetry | undefined;

afterEach(async () => {
  await running?.shutdown(2_000);
  running = undefined;
  metrics.disable();
  trace.disable();
  logs.disable();
  context.disable();
  propagation.disable();
  diag.disable();
});

function startInMemory(extra: Parameters<typeof startTelemetry>[0] = {}) {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const spanExporter = new InMemorySpanExporter();
  const logExporter = new InMemoryLogRecordExporter();

  running = startTelemetry({
    env: {},
    serviceName: 'svc',
    nodeName: 'node-1',
    layer: 'node',
    handleSignals: false,
    metrics: { exporter: metricExporter },
    traces: { exporter: spanExporter },
    logs: { exporter: logExporter },
    ...extra,
  });
  return { telemetry: running, metricExporter, spanExporter, logExporter };
}

/** Starts an HTTP server on loopback that responds to every request with `status`. */
async function startAgent(
  status: number,
): Promise<{ server: Server; url: string; hits: () => number }> {
  let count = 0;
  const server = createServer((request, response) => {
    count++;
    request.resume();
    request.on('end', () => response.writeHead(status).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, hits: () => count };
}

describe('startTelemetry', () => {
  it('exports all signals with one resource', async () => {
    const { telemetry, metricExporter, spanExporter, logExporter } = startInMemory();

    telemetry.meter.createCounter('jobs').add(3);
    telemetry.tracer.startActiveSpan('work', (span) => {
      telemetry.logger.info('inside span');
      span.end();
    });
    const report = await telemetry.forceFlush(2_000);

    expect(report.ok).toBe(true);
    const span = spanExporter.getFinishedSpans()[0]!;
    const record = logExporter.getFinishedLogRecords()[0]!;
    const resourceMetrics = metricExporter.getMetrics().at(-1)!;

    for (const resource of [span.resource, record.resource, resourceMetrics.resource]) {
      expect(resource.attributes['service.name']).toBe('svc');
      expect(resource.attributes['k8s.node.name']).toBe('node-1');
      expect(resource.attributes['mlsysops.layer']).toBe('node');
    }
    expect(record.spanContext?.spanId).toBe(span.spanContext().spanId);

    const jobs = resourceMetrics.scopeMetrics
      .find((scope) => scope.scope.name === 'svc')!
      .metrics.find((metric) => metric.descriptor.name === 'jobs')!;
    expect(jobs.dataPoints[0]!.value).toBe(3);
  });

  it('registers the globals', () => {
    const { telemetry } = startInMemory();

    expect(telemetry.metrics.registeredGlobal).toBe(true);
    expect(telemetry.traces.registeredGlobal).toBe(true);
    expect(telemetry.logs.registeredGlobal).toBe(true);
    expect(metrics.getMeterProvider()).toBe(telemetry.metrics.meterProvider);
    expect(logs.getLoggerProvider()).toBe(telemetry.logs.loggerProvider);
  });

  it('keeps a foreign global provider', () => {
    const warnings: string[] = [];
    diag.setLogger(
      { ...noopDiag(), warn: (...args: unknown[]) => warnings.push(args.join(' ')) },
      DiagLogLevel.WARN,
    );
    const foreign = new MeterProvider();
    metrics.setGlobalMeterProvider(foreign);

    const { telemetry } = startInMemory();

    expect(telemetry.metrics.registeredGlobal).toBe(false);
    expect(metrics.getMeterProvider()).toBe(foreign);
    expect(
      warnings.filter((w) => w.includes('global MeterProvider is registered already')),
    ).toHaveLength(1);
  });

  it('skips globals when asked', () => {
    const { telemetry } = startInMemory({ registerGlobal: false });

    expect(telemetry.traces.registeredGlobal).toBe(false);
    expect(isNoopMeterProvider()).toBe(true);
  });

  it('returns no-ops when disabled', async () => {
    const telemetry = startTelemetry({ env: { OTEL_SDK_DISABLED: 'true' }, handleSignals: false });
    running = telemetry;

    telemetry.meter.createCounter('x').add(1);
    telemetry.tracer.startSpan('x').end();
    telemetry.logger.info('x');

    expect(telemetry.status().enabled).toBe(false);
    expect(telemetry.metrics.enabled).toBe(false);
    expect(telemetry.tracer.startSpan('y').isRecording()).toBe(false);
    expect((await telemetry.shutdown()).ok).toBe(true);
    expect(isNoopMeterProvider()).toBe(true);
  });

  it('turns one signal off', () => {
    const { telemetry } = startInMemory({ logs: false });

    expect(telemetry.logs.enabled).toBe(false);
    expect(telemetry.traces.enabled).toBe(true);
    expect(telemetry.status().signals.logs.enabled).toBe(false);
  });

  it('throws on a bad option', () => {
    expect(() =>
      startTelemetry({ env: {}, shutdownTimeoutMillis: -5, handleSignals: false }),
    ).toThrow(/shutdownTimeoutMillis/);
  });

  it('failed start leaves no global', async () => {
    expect(() =>
      startTelemetry({
        env: {},
        handleSignals: false,
        metrics: { exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE) },
        traces: { sampler: {} as never },
      }),
    ).toThrow('startTraces: invalid sampler; expected an object with shouldSample()');

    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(isNoopMeterProvider()).toBe(true);
  });

  it('shutdown is idempotent', async () => {
    const { telemetry } = startInMemory();

    const first = telemetry.shutdown();
    const second = telemetry.shutdown();

    expect(second).toBe(first);
    expect((await first).ok).toBe(true);
    expect(telemetry.status().shutDown).toBe(true);
  });

  it('status reports transport counters', async () => {
    const agent = await startAgent(200);
    try {
      running = startTelemetry({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: agent.url },
        serviceName: 'svc',
        handleSignals: false,
      });
      running.tracer.startSpan('a').end();
      running.tracer.startSpan('b').end();
      running.logger.warn('c');

      const report = await running.forceFlush(3_000);
      const status = running.status();

      expect(report.ok).toBe(true);
      expect(status.signals.traces.exported).toBe(2);
      expect(status.signals.logs.exported).toBe(1);
      expect(status.signals.traces.reachable).toBe(true);
      expect(status.signals.traces.endpoint).toBe(`${agent.url}/v1/traces`);
      expect(status.signals.traces.dropped).toBe(0);
      expect(status.signals.metrics.exported).toBeGreaterThan(0);
    } finally {
      await running?.shutdown(1_000);
      agent.server.close();
    }
  });

  it('self-telemetry reports counters', async () => {
    const agent = await startAgent(200);
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    try {
      running = startTelemetry({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: agent.url },
        handleSignals: false,
        metrics: { exporter: metricExporter },
      });
      running.tracer.startSpan('a').end();
      await running.traces.forceFlush(2_000);
      await running.metrics.forceFlush(2_000);

      const scope = metricExporter
        .getMetrics()
        .at(-1)!
        .scopeMetrics.find((s) => s.scope.name === '@mlsysops/telemetry')!;
      const exported = scope.metrics.find(
        (m) => m.descriptor.name === 'mlsysops.telemetry.exported',
      )!;
      const traces = exported.dataPoints.find(
        (p) => p.attributes['mlsysops.telemetry.signal'] === 'traces',
      );
      expect(traces?.value).toBe(1);
      const names = scope.metrics.map((m) => m.descriptor.name).sort();
      expect(names).toEqual([
        'mlsysops.telemetry.buffered',
        'mlsysops.telemetry.dropped',
        'mlsysops.telemetry.exported',
        'mlsysops.telemetry.failed',
        'mlsysops.telemetry.retried',
      ]);
    } finally {
      await running?.shutdown(1_000);
      agent.server.close();
    }
  });

  it('counts spans dropped on full queue', async () => {
    const { telemetry, metricExporter, spanExporter } = startInMemory({
      env: { OTEL_BSP_MAX_QUEUE_SIZE: '2', OTEL_BSP_SCHEDULE_DELAY: '600000' },
    });
    for (let i = 0; i < 5; i++) telemetry.tracer.startSpan(`s${i}`).end();

    await telemetry.traces.forceFlush(2_000);
    await telemetry.metrics.forceFlush(2_000);

    const processed = metricExporter
      .getMetrics()
      .at(-1)!
      .scopeMetrics.flatMap((scope) => scope.metrics)
      .find((metric) => metric.descriptor.name === 'otel.sdk.processor.span.processed')!;
    const dropped = processed.dataPoints.find((p) => p.attributes['error.type'] === 'queue_full');
    const exported = spanExporter.getFinishedSpans().length;
    expect(dropped?.value).toBeGreaterThan(0);
    expect((dropped?.value as number) + exported).toBe(5);
  });

  it('self-telemetry can be turned off', async () => {
    const { telemetry, metricExporter } = startInMemory({ selfTelemetry: false });
    telemetry.meter.createCounter('jobs').add(1);
    await telemetry.metrics.forceFlush(2_000);

    const scopes = metricExporter
      .getMetrics()
      .at(-1)!
      .scopeMetrics.map((s) => s.scope.name);
    expect(scopes).toEqual(['svc']);
  });

  it('shutdown meets deadline without agent', async () => {
    const agent = await startAgent(503);
    try {
      running = startTelemetry({
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: agent.url },
        handleSignals: false,
      });
      running.tracer.startSpan('lost').end();
      running.logger.error('lost too');

      const started = performance.now();
      const report = await running.shutdown(500);
      const elapsed = performance.now() - started;

      expect(elapsed).toBeLessThan(1_500);
      expect(report.ok).toBe(false);
      expect(agent.hits()).toBeGreaterThan(0);
      const traces = report.signals.traces;
      expect(traces.undelivered + traces.dropped).toBe(1);

      const status = running.status().signals.traces;
      expect(status.reachable).toBe(false);
      expect(status.lastError).toContain('503');
      expect(status.exported).toBe(0);
    } finally {
      agent.server.close();
    }
  });
});

function noopDiag() {
  const noop = () => undefined;
  return { error: noop, warn: noop, info: noop, debug: noop, verbose: noop };
}

function isNoopMeterProvider(): boolean {
  return metrics.getMeterProvider().constructor.name === 'NoopMeterProvider';
}
