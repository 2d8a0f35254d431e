// The mlstelemetry-style facade against the real Collector and Prometheus. Metrics pushed
// through the facade are read back with getMetricValueWithLabel from the Collector's
// `prometheus` exporter, as the node agent serves it on hostPort 9999. They are also read
// with prometheusQuery from Prometheus, through a Grafana-shaped data source proxy.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMlsTelemetry, type MlsTelemetry } from '@mlsysops/telemetry';
import type { InstantQueryResult, VectorSample } from '@mlsysops/telemetry-query';
import { SeverityNumber } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorHandle, startCollector } from './support/collector.js';
import { OUTPUT_FILES, testCollectorConfig } from './support/collector-config.js';
import { waitForLogRecord } from './support/otlp-files.js';
import { type PrometheusHandle, startPrometheus } from './support/prometheus.js';

const DATASOURCE_UID = 'prom-e2e';
const TOKEN = 'glsa_e2e_token';
const PROXY_PREFIX = `/api/datasources/proxy/uid/${DATASOURCE_UID}`;

// Addresses taken from the environment must not lead anywhere but this test's servers.
const ADDRESS_VARIABLES = [
  'NODE_IP',
  'OTEL_NODE_IP',
  'HOST_IP',
  'K8S_NODE_IP',
  'TELEMETRY_ENDPOINT',
  'LOCAL_OTEL_ENDPOINT',
  'MLSYSOPS_LOCAL_ENDPOINT',
  'GRAFANA_ENDPOINT',
  'MLSYSOPS_QUERY_URL',
];

interface ProxiedRequest {
  path: string;
  authorization: string | undefined;
  status: number;
}

let prometheus: PrometheusHandle;
let collector: CollectorHandle;
let proxy: Server;
let proxyUrl: string;
const proxied: ProxiedRequest[] = [];
let facade: MlsTelemetry;

/**
 * Starts a loopback server shaped like Grafana's data source proxy: requests under
 * `/api/datasources/proxy/uid/<uid>/` with the right bearer token go to Prometheus, others
 * get 401 or 404 as Grafana returns them.
 */
async function startGrafanaProxy(target: string): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '';
      const record = { path: url, authorization: request.headers.authorization, status: 0 };
      proxied.push(record);

      const reply = (status: number, type: string, body: string) => {
        record.status = status;
        response.writeHead(status, { 'content-type': type }).end(body);
      };
      if (request.headers.authorization !== `Bearer ${TOKEN}`) {
        reply(401, 'application/json', JSON.stringify({ message: 'invalid API key' }));
        return;
      }
      if (!url.startsWith(`${PROXY_PREFIX}/`)) {
        reply(404, 'application/json', JSON.stringify({ message: 'data source not found' }));
        return;
      }

      const init: RequestInit = { method: request.method ?? 'GET' };
      if (chunks.length > 0) {
        init.body = Buffer.concat(chunks);
        init.headers = { 'content-type': request.headers['content-type'] ?? '' };
      }
      fetch(`${target}${url.slice(PROXY_PREFIX.length)}`, init)
        .then(async (upstream) => {
          reply(
            upstream.status,
            upstream.headers.get('content-type') ?? 'application/json',
            await upstream.text(),
          );
        })
        .catch((error: unknown) => reply(502, 'text/plain', String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Calls `read` every 200 ms until `done` holds for its result, for at most 30 s. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  while (true) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`condition not met within 30 s; last value ${JSON.stringify(value)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Returns the series of an instant vector, or none for another result type. */
function vector(result: InstantQueryResult | undefined): VectorSample[] {
  return result?.resultType === 'vector' ? result.result : [];
}

/** Returns the value of the first series of an instant vector, or undefined. */
function firstValue(result: InstantQueryResult | undefined): number | undefined {
  return vector(result)[0]?.value?.value;
}

function createFacade(bearerToken: string): MlsTelemetry {
  return createMlsTelemetry({
    applicationName: 'mls-facade-e2e',
    componentName: 'planner',
    env: {},
    localCacheMillis: 0,
    query: {
      kind: 'grafana',
      url: proxyUrl,
      datasourceUid: DATASOURCE_UID,
      bearerToken,
      maxRetries: 0,
      env: {},
    },
    start: {
      env: {
        MLSYSOPS_DISCOVERY_ENABLED: 'false',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoints.otlpHttp,
        LOCAL_OTEL_ENDPOINT: `127.0.0.1:${collector.ports.prometheus}`,
      },
      serviceInstanceId: 'planner-0',
      nodeName: 'edge-node-1',
      layer: 'node',
      handleSignals: false,
      registerGlobal: false,
      logMinSeverity: 'debug',
      // Only the explicit forceFlush() calls export.
      metricExportIntervalMillis: 600_000,
    },
  });
}

beforeAll(async () => {
  for (const name of ADDRESS_VARIABLES) delete process.env[name];

  prometheus = await startPrometheus();
  collector = await startCollector({
    config: testCollectorConfig({
      remoteWriteUrl: prometheus.remoteWriteUrl,
      prometheusExporter: true,
      resourceToTelemetryConversion: true,
    }),
    portNames: ['prometheus'],
  });
  proxy = await startGrafanaProxy(prometheus.url);
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  facade = createFacade(TOKEN);
});

afterAll(async () => {
  await facade?.shutdown(3_000);
  await new Promise((resolve) => proxy?.close(resolve));
  await collector?.stop();
  await prometheus?.stop();
});

describe('mlstelemetry facade end to end', () => {
  it('pushes metrics and logs', async () => {
    facade.pushMetric('mls_e2e_requests', 'counter', 3, { route: '/a' });
    facade.pushMetric('mls_e2e_requests', 'counter', 4, { route: '/a' });
    facade.pushMetric('mls_e2e_requests', 'counter', 5, { route: '/b' });
    facade.pushMetric('mls_e2e_requests', 'counter', -1, { route: '/a' });
    facade.pushMetric('mls_e2e_load', 'gauge', 0.9, { device: 'gpu0' });
    facade.pushMetric('mls_e2e_load', 'gauge', 0.4, { device: 'gpu0' });
    facade.pushMetric('mls_e2e_frames', 'async_counter', 10, { camera: 'c1' });
    facade.pushMetric('mls_e2e_frames', 'async_counter', 25, { camera: 'c1' });
    facade.pushLogInfo('planner started', { 'planner.round': 1 });
    facade.pushLogDebug('planner state', { 'planner.nodes': 3 });
    facade.pushLogError('placement failed', { 'planner.round': 2 }, new Error('no capacity'));

    const report = await facade.forceFlush(5_000);

    expect(report.ok).toBe(true);
    expect(facade.stats().droppedPushes['negative-value']).toBe(1);
  });

  it('reads the counter locally', async () => {
    const samples = await eventually(
      () => facade.getMetricValueWithLabel('mls_e2e_requests', 'route', '/a'),
      (result) => result?.[0]?.value === 7,
    );

    expect(samples).toHaveLength(1);
    expect(samples?.[0]?.name).toBe('mls_e2e_requests_total');
    expect(samples?.[0]?.labels).toMatchObject({
      route: '/a',
      job: 'mls-facade-e2e',
      instance: 'planner-0',
      k8s_node_name: 'edge-node-1',
      mlsysops_component_name: 'planner',
    });
    const other = await facade.getMetricValueWithLabel('mls_e2e_requests', 'route', '/b');
    expect(other?.map((sample) => sample.value)).toEqual([5]);
  });

  it('reads gauge and async counter', async () => {
    const load = await facade.getMetricValueWithLabel('mls_e2e_load', 'device', 'gpu0');
    const frames = await facade.getMetricValueWithLabel('mls_e2e_frames', 'camera', 'c1');

    expect(load?.map((sample) => [sample.name, sample.value])).toEqual([['mls_e2e_load', 0.4]]);
    expect(frames?.map((sample) => [sample.name, sample.value])).toEqual([
      ['mls_e2e_frames_total', 25],
    ]);
  });

  it('filters by node name', async () => {
    const sameNode = await facade.getMetricValueWithLabel('mls_e2e_requests', 'route', '/a', {
      nodeName: 'edge-node-1',
    });
    const elsewhere = await facade.getMetricValueWithLabel('mls_e2e_requests', 'route', '/a', {
      nodeName: 'edge-node-2',
    });

    expect(sameNode?.map((sample) => sample.value)).toEqual([7]);
    expect(elsewhere).toBeUndefined();
  });

  it('queries Prometheus through the proxy', async () => {
    const result = await eventually(
      () => facade.prometheusQuery('mls_e2e_requests_total{route="/a"}'),
      (value) => firstValue(value) === 7,
    );

    expect(result?.resultType).toBe('vector');
    expect(vector(result)).toHaveLength(1);
    expect(vector(result)[0]?.metric).toMatchObject({
      __name__: 'mls_e2e_requests_total',
      route: '/a',
      job: 'mls-facade-e2e',
      instance: 'planner-0',
    });
    const last = proxied.at(-1)!;
    expect(last.path).toMatch(new RegExp(`^${PROXY_PREFIX}/api/v1/query\\?`));
    expect(last.authorization).toBe(`Bearer ${TOKEN}`);
    expect(last.status).toBe(200);
  });

  it('queries gauge and async counter', async () => {
    const load = await eventually(
      () => facade.prometheusQuery('mls_e2e_load{device="gpu0"}'),
      (value) => vector(value).length === 1,
    );
    const frames = await eventually(
      () => facade.prometheusQuery('mls_e2e_frames_total{camera="c1"}'),
      (value) => vector(value).length === 1,
    );

    expect(firstValue(load)).toBe(0.4);
    expect(firstValue(frames)).toBe(25);
  });

  it('exports the drop counter', async () => {
    const dropped = await eventually(
      () =>
        facade.prometheusQuery(
          'mlsysops_telemetry_mlstelemetry_dropped_total{job="mls-facade-e2e"}',
        ),
      (value) => firstValue(value) !== undefined,
    );

    expect(vector(dropped)).toHaveLength(1);
    expect(firstValue(dropped)).toBe(1);
    expect(vector(dropped)[0]?.metric).toMatchObject({
      mlsysops_telemetry_drop_reason: 'negative-value',
      otel_scope_name: '@mlsysops/telemetry',
    });
  });

  it('runs a range query', async () => {
    const end = Math.floor(Date.now() / 1000) + 1;

    const result = await facade.prometheusQueryRange(
      'sum(mls_e2e_requests_total)',
      end - 120,
      end,
      1,
    );

    expect(result?.resultType).toBe('matrix');
    const values = result?.result[0]?.values ?? [];
    expect(values.length).toBeGreaterThan(0);
    expect(values.at(-1)?.value).toBe(12);
  });

  it('adds later pushes', async () => {
    facade.pushMetric('mls_e2e_requests', 'counter', 3, { route: '/a' });
    facade.pushMetric('mls_e2e_frames', 'async_counter', 30, { camera: 'c1' });
    await facade.forceFlush(5_000);

    const requests = await eventually(
      () => facade.getMetricValueWithLabel('mls_e2e_requests', 'route', '/a'),
      (result) => result?.[0]?.value === 10,
    );
    const frames = await facade.getMetricValueWithLabel('mls_e2e_frames', 'camera', 'c1');

    expect(requests?.map((sample) => sample.value)).toEqual([10]);
    expect(frames?.map((sample) => sample.value)).toEqual([30]);
  });

  it('delivers the log records', async () => {
    const logsPath = collector.path(OUTPUT_FILES.logs);
    const info = await waitForLogRecord(logsPath, (record) => record.body === 'planner started');
    const debug = await waitForLogRecord(logsPath, (record) => record.body === 'planner state');
    const error = await waitForLogRecord(logsPath, (record) => record.body === 'placement failed');

    expect([info.severityNumber, info.severityText]).toEqual([SeverityNumber.INFO, 'INFO']);
    expect(info.attributes).toEqual({ 'planner.round': 1 });
    expect([debug.severityNumber, debug.severityText]).toEqual([SeverityNumber.DEBUG, 'DEBUG']);
    expect(debug.attributes).toEqual({ 'planner.nodes': 3 });
    expect([error.severityNumber, error.severityText]).toEqual([SeverityNumber.ERROR, 'ERROR']);
    expect(error.attributes['planner.round']).toBe(2);
    expect(error.attributes['exception.message']).toBe('no capacity');
    expect(info.resource['service.name']).toBe('mls-facade-e2e');
    expect(info.resource['mlsysops.component.name']).toBe('planner');
    expect(info.resource['k8s.node.name']).toBe('edge-node-1');
  });

  it('runs from mlstelemetry variables', async () => {
    // The environment of an unchanged MLSysOps Deployment, pointed at this test's servers.
    // The localhost candidates are off, so discovery probes only TELEMETRY_ENDPOINT.
    const env = {
      TELEMETRY_ENDPOINT: `127.0.0.1:${collector.ports.otlpGrpc}`,
      LOCAL_OTEL_ENDPOINT: `127.0.0.1:${collector.ports.prometheus}`,
      GRAFANA_ENDPOINT: proxyUrl.slice('http://'.length),
      GRAFANA_API_KEY: TOKEN,
      PROMETHEUS_DATASOURCE_ID: DATASOURCE_UID,
      NODE_HOSTNAME: 'edge-node-9',
      OTEL_SERVICE_NAME: 'mls-env-e2e',
      MLSYSOPS_DISCOVERY_LOCALHOST: 'false',
      MLSYSOPS_HANDLE_SIGNALS: 'false',
    };
    const fromEnv = createMlsTelemetry({ env, start: { registerGlobal: false } });
    try {
      fromEnv.pushMetric('mls_env_requests', 'counter', 2, { route: '/env' });
      fromEnv.pushLogInfo('started from variables');
      const report = await fromEnv.forceFlush(5_000);

      expect(report.ok).toBe(true);
      expect(fromEnv.telemetry.status().signals.metrics.endpoint).toBe(
        `http://127.0.0.1:${collector.ports.otlpGrpc}/`,
      );
      const local = await eventually(
        () => fromEnv.getMetricValueWithLabel('mls_env_requests', 'route', '/env'),
        (result) => result !== undefined,
      );
      expect(local?.map((sample) => sample.value)).toEqual([2]);
      expect(local?.[0]?.labels.k8s_node_name).toBe('edge-node-9');
      expect(local?.[0]?.labels.job).toBe('mls-env-e2e');

      const queried = await eventually(
        () => fromEnv.prometheusQuery('mls_env_requests_total{route="/env"}'),
        (value) => firstValue(value) !== undefined,
      );
      expect(firstValue(queried)).toBe(2);
      expect(proxied.at(-1)?.authorization).toBe(`Bearer ${TOKEN}`);

      const record = await waitForLogRecord(
        collector.path(OUTPUT_FILES.logs),
        (candidate) => candidate.body === 'started from variables',
      );
      expect(record.resource['service.name']).toBe('mls-env-e2e');
      expect(record.resource['k8s.node.name']).toBe('edge-node-9');
    } finally {
      await fromEnv.shutdown(3_000);
    }
  });

  it('counts a rejected token', async () => {
    const intruder = createFacade('wrong-token');
    try {
      const result = await intruder.prometheusQuery('mls_e2e_requests_total');

      expect(result).toBeUndefined();
      expect(intruder.stats().queryFailures).toBe(1);
      expect(intruder.stats().lastQueryError).toContain('401');
      expect(intruder.stats().lastQueryError).not.toContain('wrong-token');
      expect(proxied.at(-1)?.status).toBe(401);
    } finally {
      await intruder.shutdown(3_000);
    }
  });
});
