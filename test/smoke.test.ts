// Sends one counter, one span and one log record with the plain OpenTelemetry SDK over
// OTLP/HTTP to the built Collector, and reads them back where the Collector puts them:
// Prometheus (through prometheus_remote_write) for the metric, file exporters for the rest.
import { context, SeverityNumber, SpanKind, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CollectorHandle, startCollector } from './support/collector.js';
import { OUTPUT_FILES, testCollectorConfig } from './support/collector-config.js';
import { waitForLogRecord, waitForSpan } from './support/otlp-files.js';
import { type PrometheusHandle, startPrometheus } from './support/prometheus.js';

const resource = resourceFromAttributes({
  'service.name': 'smoke-service',
  'service.instance.id': 'smoke-instance-1',
  'mlsysops.layer': 'node',
});

let prometheus: PrometheusHandle;
let collector: CollectorHandle;
let meterProvider: MeterProvider;
let tracerProvider: TracerProvider;
let loggerProvider: LoggerProvider;

beforeAll(async () => {
  prometheus = await startPrometheus();
  collector = await startCollector({
    config: testCollectorConfig({ remoteWriteUrl: prometheus.remoteWriteUrl }),
  });

  const otlp = collector.endpoints.otlpHttp;
  meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${otlp}/v1/metrics` }),
        // Long enough that only the explicit forceFlush() below exports.
        exportIntervalMillis: 600_000,
      }),
    ],
  });
  tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlp}/v1/traces` }) }),
    ],
  });
  loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlp}/v1/logs` }) }),
    ],
  });
});

afterAll(async () => {
  await Promise.allSettled([
    meterProvider?.shutdown(),
    tracerProvider?.shutdown(),
    loggerProvider?.shutdown(),
  ]);
  await collector?.stop();
  await prometheus?.stop();
});

describe('smoke', () => {
  it('setup passes the binary path', () => {
    expect(inject('otelcolBin')).toMatch(/\/otelcol\/[0-9a-f]{64}\/mlsysops-otelcol$/);
    expect(process.env.MLSYSOPS_OTELCOL_BIN).toBe(inject('otelcolBin'));
  });

  it('counter reaches Prometheus', async () => {
    const counter = meterProvider.getMeter('smoke').createCounter('smoke.requests');
    counter.add(40, { route: '/predict' });
    counter.add(2, { route: '/predict' });
    counter.add(7, { route: '/health' });
    await meterProvider.forceFlush();

    const samples = await prometheus.waitFor(
      'smoke_requests_total{route="/predict"}',
      (result) => result.length === 1,
    );
    expect(samples).toHaveLength(1);
    expect(samples[0]?.value).toBe(42);
    expect(samples[0]?.labels).toEqual({
      __name__: 'smoke_requests_total',
      job: 'smoke-service',
      instance: 'smoke-instance-1',
      otel_scope_name: 'smoke',
      route: '/predict',
    });

    // One export can reach Prometheus in several remote-write requests.
    const other = await prometheus.waitFor(
      'smoke_requests_total{route="/health"}',
      (result) => result.length === 1,
    );
    expect(other.map((sample) => sample.value)).toEqual([7]);
  });

  it('resource lands in target_info', async () => {
    const samples = await prometheus.waitFor(
      'target_info{job="smoke-service"}',
      (result) => result.length === 1,
    );

    expect(samples[0]?.value).toBe(1);
    expect(samples[0]?.labels.instance).toBe('smoke-instance-1');
    expect(samples[0]?.labels.mlsysops_layer).toBe('node');
  });

  it('span reaches the traces file', async () => {
    const tracer = tracerProvider.getTracer('smoke-tracer', '1.2.3');
    const span = tracer.startSpan('smoke.operation', {
      kind: SpanKind.CLIENT,
      attributes: { 'smoke.attempt': 3, 'smoke.target': 'model-a' },
    });
    span.end();
    await tracerProvider.forceFlush();

    const found = await waitForSpan(
      collector.path(OUTPUT_FILES.traces),
      (candidate) => candidate.name === 'smoke.operation',
    );
    expect(found.traceId).toBe(span.spanContext().traceId);
    expect(found.spanId).toBe(span.spanContext().spanId);
    expect(found.kind).toBe(3);
    expect(found.attributes).toEqual({ 'smoke.attempt': 3, 'smoke.target': 'model-a' });
    expect(found.scope.name).toBe('smoke-tracer');
    expect(found.scope.version).toBe('1.2.3');
    expect(found.resource['service.name']).toBe('smoke-service');
    expect(found.resource['mlsysops.layer']).toBe('node');
  });

  it('log record reaches the logs file', async () => {
    const span = tracerProvider.getTracer('smoke-tracer').startSpan('smoke.parent');
    const logger = loggerProvider.getLogger('smoke-logger');
    logger.emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'model drift detected',
      attributes: { 'smoke.drift': 0.25 },
      context: trace.setSpan(context.active(), span),
    });
    span.end();
    await loggerProvider.forceFlush();

    const found = await waitForLogRecord(
      collector.path(OUTPUT_FILES.logs),
      (record) => record.body === 'model drift detected',
    );
    expect(found.severityNumber).toBe(SeverityNumber.WARN);
    expect(found.severityText).toBe('WARN');
    expect(found.attributes).toEqual({ 'smoke.drift': 0.25 });
    expect(found.traceId).toBe(span.spanContext().traceId);
    expect(found.spanId).toBe(span.spanContext().spanId);
    expect(found.scope.name).toBe('smoke-logger');
    expect(found.resource['service.name']).toBe('smoke-service');
  });
});
