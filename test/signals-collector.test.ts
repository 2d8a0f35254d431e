// Starts every signal with startTelemetry() in this process against the real Collector and
// Prometheus, over OTLP/HTTP and over OTLP/gRPC as MLSysOps deployments configure it
// (TELEMETRY_ENDPOINT=host:port), and reads the data back where the Collector puts it.

import { startTelemetry, type Telemetry } from '@mlsysops/telemetry';
import { createPreAggregator, createStandardInstruments } from '@mlsysops/telemetry-metrics';
import { createAgentLoop } from '@mlsysops/telemetry-traces';
import { context, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorHandle, startCollector } from './support/collector.js';
import { OUTPUT_FILES, testCollectorConfig } from './support/collector-config.js';
import {
  readSpans,
  type SpanRecord,
  waitForLogRecord,
  waitForRecords,
  waitForSpan,
} from './support/otlp-files.js';
import { type PrometheusHandle, startPrometheus } from './support/prometheus.js';

const FULL_RESOURCE = {
  'service.name': 'inference-svc',
  'service.version': '1.4.0',
  'service.instance.id': 'inference-svc-0',
  'mlsysops.layer': 'node',
  'mlsysops.continuum.tier': 'edge',
  'mlsysops.application.id': 'app-42',
  'mlsysops.component.name': 'detector',
  'k8s.node.name': 'edge-node-3',
  'k8s.cluster.name': 'uth-edge',
  'k8s.namespace.name': 'mlsysops',
  'k8s.pod.name': 'detector-7f9c',
  'deployment.environment.name': 'test',
};

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

function start(env: Record<string, string>): Telemetry {
  telemetry = startTelemetry({
    env: { MLSYSOPS_DISCOVERY_ENABLED: 'false', ...env },
    serviceName: 'inference-svc',
    serviceVersion: '1.4.0',
    serviceInstanceId: 'inference-svc-0',
    layer: 'node',
    tier: 'edge',
    applicationId: 'app-42',
    componentName: 'detector',
    nodeName: 'edge-node-3',
    clusterName: 'uth-edge',
    namespace: 'mlsysops',
    podName: 'detector-7f9c',
    deploymentEnvironment: 'test',
    handleSignals: false,
  });
  return telemetry;
}

describe('startTelemetry end to end', () => {
  it('delivers all signals over HTTP', async () => {
    const t = start({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoints.otlpHttp });
    const instruments = createStandardInstruments(t.meter);
    const loop = createAgentLoop({ agentName: 'node-agent', tracer: t.tracer, meter: t.meter });

    await loop.iteration(async (it) => {
      await it.observe(async () => instruments.recordInference(0.12, { model: 'yolo' }));
      instruments.setModelVersion('yolo', '8.1', '8.0');
      instruments.queueDepth.add(4);
      it.decide(() => {
        it.recordDecision('keep');
        t.logger.info('decision taken', { decision: 'keep' });
      });
    });
    const report = await t.forceFlush(5_000);
    expect(report.ok).toBe(true);

    const isLoopSpan = (s: SpanRecord) => s.name.startsWith('agent.');
    const spans = (
      await waitForRecords(
        readSpans,
        collector.path(OUTPUT_FILES.traces),
        (all) => all.filter(isLoopSpan).length >= 3,
      )
    ).filter(isLoopSpan);
    expect(spans.map((s) => s.name).sort()).toEqual([
      'agent.decide',
      'agent.iteration',
      'agent.observe',
    ]);
    for (const span of spans) expect(span.resource).toMatchObject(FULL_RESOURCE);

    const decide = spans.find((s) => s.name === 'agent.decide')!;
    const record = await waitForLogRecord(
      collector.path(OUTPUT_FILES.logs),
      (r) => r.body === 'decision taken',
    );
    expect(record.resource).toMatchObject(FULL_RESOURCE);
    expect(record.severityText).toBe('INFO');
    expect(record.attributes).toEqual({ decision: 'keep' });
    expect(record.traceId).toBe(decide.traceId);
    expect(record.spanId).toBe(decide.spanId);

    const samples = await prometheus.waitFor(
      'mlsysops_inference_requests_total{job="inference-svc"}',
      (result) => result.length === 1,
    );
    expect(samples[0]?.value).toBe(1);
    expect(samples[0]?.labels.model).toBe('yolo');
    expect(samples[0]?.labels.instance).toBe('inference-svc-0');

    // One export can reach Prometheus in several remote-write requests, so each series is
    // awaited on its own.
    const decisions = await prometheus.waitFor(
      'mlsysops_agent_decisions_total{job="inference-svc"}',
      (r) => r.length > 0,
    );
    expect(
      decisions.map((sample) => [sample.labels.mlsysops_agent_decision, sample.value]),
    ).toEqual([['keep', 1]]);
    const iterations = await prometheus.waitFor(
      'mlsysops_agent_iteration_duration_seconds_count{job="inference-svc"}',
      (r) => r.length > 0,
    );
    expect(iterations.map((sample) => sample.value)).toEqual([1]);
    const inUse = await prometheus.waitFor(
      'mlsysops_model_in_use{job="inference-svc"}',
      (r) => r.length === 2,
    );
    expect(
      inUse.map((sample) => [sample.labels.mlsysops_model_version, sample.value]).sort(),
    ).toEqual([
      ['8.0', 0],
      ['8.1', 1],
    ]);
    const depth = await prometheus.waitFor(
      'mlsysops_queue_depth{job="inference-svc"}',
      (r) => r.length > 0,
    );
    expect(depth.map((sample) => sample.value)).toEqual([4]);
    const duration = await prometheus.waitFor(
      'mlsysops_inference_duration_seconds_count{job="inference-svc"}',
      (r) => r.length > 0,
    );
    expect(duration.map((sample) => sample.value)).toEqual([1]);

    const info = await prometheus.waitFor(
      'target_info{job="inference-svc"}',
      (r) => r.length === 1,
    );
    expect(info[0]?.labels.k8s_node_name).toBe('edge-node-3');
    expect(info[0]?.labels.mlsysops_layer).toBe('node');
    expect(info[0]?.labels.mlsysops_continuum_tier).toBe('edge');
  });

  it('delivers over gRPC from TELEMETRY_ENDPOINT', async () => {
    const hostPort = collector.endpoints.otlpGrpc.replace('http://', '');
    // TELEMETRY_ENDPOINT is a discovery candidate. The localhost candidates are limited to
    // this Collector's ports, so discovery probes nothing the test did not start.
    const t = start({
      TELEMETRY_ENDPOINT: hostPort,
      MLSYSOPS_DISCOVERY_ENABLED: 'true',
      MLSYSOPS_DISCOVERY_HTTP_PORTS: String(collector.ports.otlpHttp),
      MLSYSOPS_DISCOVERY_GRPC_PORTS: String(collector.ports.otlpGrpc),
    });

    t.tracer.startSpan('grpc.span').end();
    t.logger.warn('grpc record');
    t.meter.createCounter('grpc.requests').add(9);
    const report = await t.forceFlush(5_000);

    expect(report.ok).toBe(true);
    const status = t.status();
    expect(status.signals.traces.endpoint).toBe(`http://${hostPort}/`);
    expect(status.signals.traces.exported).toBe(1);
    expect(status.signals.logs.exported).toBe(1);
    expect(status.signals.traces.reachable).toBe(true);

    const span = await waitForSpan(
      collector.path(OUTPUT_FILES.traces),
      (s) => s.name === 'grpc.span',
    );
    expect(span.resource).toMatchObject(FULL_RESOURCE);
    const record = await waitForLogRecord(
      collector.path(OUTPUT_FILES.logs),
      (r) => r.body === 'grpc record',
    );
    expect(record.severityText).toBe('WARN');

    const samples = await prometheus.waitFor('grpc_requests_total', (r) => r.length === 1);
    expect(samples[0]?.value).toBe(9);
  });

  it('delivers over HTTP/JSON', async () => {
    const t = start({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoints.otlpHttp,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });

    t.tracer.startSpan('json.span', { attributes: { 'json.attempt': 2 } }).end();
    t.logger.error('json record', { code: 7 }, new RangeError('out of range'));
    const report = await t.forceFlush(5_000);

    expect(report.ok).toBe(true);
    const span = await waitForSpan(
      collector.path(OUTPUT_FILES.traces),
      (s) => s.name === 'json.span',
    );
    expect(span.attributes).toEqual({ 'json.attempt': 2 });
    expect(span.resource).toMatchObject(FULL_RESOURCE);
    const record = await waitForLogRecord(
      collector.path(OUTPUT_FILES.logs),
      (r) => r.body === 'json record',
    );
    expect(record.severityText).toBe('ERROR');
    expect(record.attributes.code).toBe(7);
    expect(record.attributes['exception.type']).toBe('RangeError');
    expect(record.attributes['exception.message']).toBe('out of range');
  });

  it('exports pre-aggregated metrics', async () => {
    const preAggregator = createPreAggregator({ intervalMillis: 200, windowOffsetMillis: 0 });
    telemetry = startTelemetry({
      env: {
        MLSYSOPS_DISCOVERY_ENABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoints.otlpHttp,
      },
      serviceName: 'preagg-svc',
      handleSignals: false,
      metrics: { metricProducers: [preAggregator] },
    });
    const frames = preAggregator.counter('preagg.frames');
    for (let i = 0; i < 1_000; i++) frames.add(1, { camera: 'front' });

    // The pre-aggregator hands a window to the reader once it has closed.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const report = await telemetry.forceFlush(5_000);

    expect(report.ok).toBe(true);
    const samples = await prometheus.waitFor(
      'preagg_frames_total{job="preagg-svc"}',
      (result) => result.length === 1,
    );
    expect(samples[0]?.value).toBe(1_000);
    expect(samples[0]?.labels.camera).toBe('front');
    await preAggregator.shutdown();
  });
});
