// Application (@mlsysops/telemetry) -> node agent -> cluster gateway -> continuum gateway,
// each level running its reference config from examples/collector/. Prometheus replaces
// Mimir (remote write), file exporters replace Loki and Tempo. Checks that data arrives with the resource stamped by
// the SDK and the attributes added on the way, that PromQL returns the exact totals, and
// that the node-local endpoint serves the raw series while the forwarded stream is reduced.
import { hostname } from 'node:os';
import { startTelemetry, type Telemetry } from '@mlsysops/telemetry';
import { SeverityNumber } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_NAME,
  eventually,
  type Levels,
  NODE_NAME,
  scrapeSamples,
  startLevels,
} from './levels-harness.js';
import { readLogRecords, waitForLogRecord, waitForSpan } from './support/otlp-files.js';
import { type PrometheusHandle, startPrometheus } from './support/prometheus.js';

const SERVICE_NAME = 'e2e-inference';
const INSTANCE_ID = 'e2e-inference-0';
const POD_NAME = 'e2e-inference-7d9f-abcde';

let prometheus: PrometheusHandle;
let levels: Levels;
let telemetry: Telemetry;

beforeAll(async () => {
  prometheus = await startPrometheus();
  levels = await startLevels({ prometheus, forwardInterval: '1s' });
  console.log(
    `levels: cluster gateway ran without ${levels.removedFromCluster.join(', ')}; ` +
      'the k8s_cluster receiver is not in this Collector build and was not run',
  );

  // The resource also carries process.pid, which only matters on the node: the node agent
  // removes it from the forwarded stream.
  telemetry = startTelemetry({
    env: {},
    serviceName: SERVICE_NAME,
    serviceInstanceId: INSTANCE_ID,
    podName: POD_NAME,
    namespace: 'e2e',
    componentName: 'inference',
    layer: 'node',
    otlp: { endpoint: levels.node.handle.endpoints.otlpHttp },
    metricExportIntervalMillis: 200,
    batchSpanProcessor: { scheduledDelayMillis: 100 },
    batchLogRecordProcessor: { scheduledDelayMillis: 100 },
    logMinSeverity: 'debug',
    handleSignals: false,
    registerGlobal: false,
  });
});

afterAll(async () => {
  await telemetry?.shutdown(2_000);
  await levels?.stop();
  await prometheus?.stop();
});

const meter = () => telemetry.metrics.getMeter('e2e.pipeline');

describe('three levels', () => {
  it('counter total reaches PromQL', async () => {
    const counter = meter().createCounter('e2e.requests');
    for (let index = 0; index < 30; index += 1) {
      counter.add(2, { route: '/predict', 'client.port': 40000 + (index % 3) });
    }
    counter.add(5, { route: '/health', 'client.port': 40000 });
    await telemetry.forceFlush();

    const predict = await prometheus.waitFor(
      'e2e_requests_total{route="/predict"}',
      (samples) => samples.length === 1 && samples[0]?.value === 60,
    );
    expect(predict[0]?.value).toBe(60);
    expect(predict[0]?.labels).toEqual({
      __name__: 'e2e_requests_total',
      job: SERVICE_NAME,
      instance: INSTANCE_ID,
      otel_scope_name: 'e2e.pipeline',
      route: '/predict',
      k8s_pod_name: POD_NAME,
      k8s_namespace_name: 'e2e',
      k8s_node_name: NODE_NAME,
      k8s_cluster_name: CLUSTER_NAME,
      mlsysops_component_name: 'inference',
      mlsysops_layer: 'node',
      host_name: hostname(),
    });

    // One export can reach Prometheus in several remote-write requests.
    const sum = await prometheus.waitFor(
      'sum(e2e_requests_total)',
      (result) => result[0]?.value === 65,
    );
    expect(sum.map((sample) => sample.value)).toEqual([65]);
  });

  it('resource reaches target_info', async () => {
    const samples = await prometheus.waitFor(
      `target_info{job="${SERVICE_NAME}"}`,
      (result) => result.length === 1,
    );
    const labels = samples[0]?.labels ?? {};

    expect(labels.instance).toBe(INSTANCE_ID);
    expect(labels.k8s_node_name).toBe(NODE_NAME);
    expect(labels.k8s_cluster_name).toBe(CLUSTER_NAME);
    expect(labels.mlsysops_layer).toBe('node');
    // Removed by the node agent's reduced route.
    expect(labels.process_pid).toBeUndefined();
  });

  it('local endpoint keeps raw series', async () => {
    const counter = meter().createCounter('e2e.connections');
    counter.add(3, { 'client.port': 50001 });
    counter.add(4, { 'client.port': 50002 });
    const probe = meter().createCounter('otel.sdk.e2e.exports');
    probe.add(9);
    await telemetry.forceFlush();

    const raw = await eventually('two raw e2e_connections_total series', async () => {
      const samples = await scrapeSamples(levels.nodeMetricsUrl, 'e2e_connections_total');
      return samples.length === 2 ? samples : undefined;
    });
    const byPort = Object.fromEntries(
      raw.map((sample) => [sample.labels.client_port, sample.value]),
    );
    expect(byPort).toEqual({ '50001': 3, '50002': 4 });
    expect(raw[0]?.labels.k8s_node_name).toBe(NODE_NAME);
    expect(raw[0]?.labels.mlsysops_layer).toBe('node');
    expect(raw[0]?.labels.k8s_pod_name).toBe(POD_NAME);

    const localProbe = await scrapeSamples(levels.nodeMetricsUrl, 'otel_sdk_e2e_exports_total');
    expect(localProbe.map((sample) => sample.value)).toEqual([9]);

    // The local target_info keeps the whole resource, process.pid included.
    const targetInfo = await scrapeSamples(levels.nodeMetricsUrl, 'target_info');
    expect(targetInfo).toHaveLength(1);
    expect(targetInfo[0]?.labels.process_pid).toBe(String(process.pid));
    expect(targetInfo[0]?.labels.instance).toBe(INSTANCE_ID);
  });

  it('forwarded stream is reduced', async () => {
    // The connections counter above arrives as one series: client.port removed, 3 + 4 merged.
    const merged = await prometheus.waitFor(
      'e2e_connections_total',
      (samples) => samples[0]?.value === 7,
    );
    expect(merged).toHaveLength(1);
    expect(merged[0]?.labels.client_port).toBeUndefined();

    // Self-observability metrics of the SDK stay on the node.
    const probe = await prometheus.query('otel_sdk_e2e_exports_total');
    expect(probe).toEqual([]);
  });

  it('gauge merge keeps maximum', async () => {
    const gauge = meter().createGauge('e2e.queue.depth');
    gauge.record(3, { 'thread.id': 1, queue: 'inference' });
    gauge.record(11, { 'thread.id': 2, queue: 'inference' });
    await telemetry.forceFlush();

    const raw = await eventually('two raw gauge series', async () => {
      const samples = await scrapeSamples(levels.nodeMetricsUrl, 'e2e_queue_depth');
      return samples.length === 2 ? samples : undefined;
    });
    expect(raw.map((sample) => sample.value).sort((a, b) => a - b)).toEqual([3, 11]);

    const forwarded = await prometheus.waitFor(
      'e2e_queue_depth{queue="inference"}',
      (samples) => samples.length === 1,
    );
    expect(forwarded[0]?.value).toBe(11);
    expect(forwarded[0]?.labels.thread_id).toBeUndefined();
  });

  it('forward interval lowers rate', async () => {
    // The SDK exports every 200 ms; the node agent forwards one point per series per 1 s.
    const counter = meter().createCounter('e2e.ticks');
    const startSeconds = Date.now() / 1000;
    for (let tick = 0; tick < 20; tick += 1) {
      counter.add(1);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await telemetry.forceFlush();
    await prometheus.waitFor('e2e_ticks_total', (samples) => samples[0]?.value === 20);
    const endSeconds = Date.now() / 1000;

    const series = await prometheus.queryRange(
      'e2e_ticks_total',
      startSeconds - 1,
      endSeconds + 1,
      0.1,
    );
    const sampleTimes = new Set(series[0]?.values.map(([time]) => time));
    // Range queries repeat the latest sample at every step, so distinct values stand in for
    // distinct samples: at most one per forward interval (about 5 in 4 s, plus the edges).
    const distinctValues = new Set(series[0]?.values.map(([, value]) => value));
    expect(sampleTimes.size).toBeGreaterThan(0);
    expect(distinctValues.size).toBeLessThanOrEqual(8);
    expect(Math.max(...distinctValues)).toBe(20);
  });

  it('span carries every level', async () => {
    const span = telemetry.traces.getTracer('e2e.pipeline').startSpan('e2e.inference');
    span.setAttribute('e2e.model', 'resnet');
    span.end();
    await telemetry.forceFlush();

    const found = await waitForSpan(
      levels.tracesFile,
      (candidate) => candidate.name === 'e2e.inference',
      {
        timeoutMillis: 30_000,
      },
    );
    expect(found.spanId).toBe(span.spanContext().spanId);
    expect(found.attributes).toEqual({ 'e2e.model': 'resnet' });
    expect(found.resource['service.name']).toBe(SERVICE_NAME);
    expect(found.resource['k8s.pod.name']).toBe(POD_NAME);
    expect(found.resource['k8s.node.name']).toBe(NODE_NAME);
    expect(found.resource['k8s.cluster.name']).toBe(CLUSTER_NAME);
    expect(found.resource['mlsysops.layer']).toBe('node');
    expect(found.resource['process.pid']).toBeUndefined();
  });

  it('debug logs stay on node', async () => {
    const logger = telemetry.logs.getLogger('e2e.pipeline');
    logger.emit({
      severityNumber: SeverityNumber.DEBUG,
      severityText: 'DEBUG',
      body: 'e2e debug detail',
    });
    logger.emit({
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: 'e2e model loaded',
    });
    logger.emit({ body: 'e2e record without severity' });
    await telemetry.forceFlush();

    const info = await waitForLogRecord(
      levels.logsFile,
      (record) => record.body === 'e2e model loaded',
      {
        timeoutMillis: 30_000,
      },
    );
    expect(info.severityNumber).toBe(SeverityNumber.INFO);
    expect(info.resource['service.name']).toBe(SERVICE_NAME);
    expect(info.resource['k8s.node.name']).toBe(NODE_NAME);
    expect(info.resource['k8s.cluster.name']).toBe(CLUSTER_NAME);
    expect(info.resource['process.pid']).toBeUndefined();

    await waitForLogRecord(
      levels.logsFile,
      (record) => record.body === 'e2e record without severity',
      {
        timeoutMillis: 30_000,
      },
    );
    const bodies = readLogRecords(levels.logsFile).map((record) => record.body);
    expect(bodies).not.toContain('e2e debug detail');
  });
});
