import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { diag } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createMlsTelemetry } from '../src/mlstelemetry/mls-telemetry.js';
import type { MlsTelemetryOptions } from '../src/mlstelemetry/mls-telemetry-types.js';
import { queryOptionsFromEnv } from '../src/mlstelemetry/query-client.js';

const EXPOSITION = [
  '# TYPE node_app_prediction gauge',
  'node_app_prediction{k8s_node_name="edge-1",model="a"} 0.75',
  'node_app_prediction{k8s_node_name="edge-2",model="a"} 0.5',
  'node_app_prediction{k8s_node_name="edge-2",model="b"} 0.25',
  '# TYPE frames_total counter',
  'frames_total{camera="c1"} 42',
  '',
].join('\n');

const VECTOR = {
  status: 'success',
  data: {
    resultType: 'vector',
    result: [{ metric: { __name__: 'up', job: 'agent' }, value: [1700000000.5, '1'] }],
  },
};

const MATRIX = {
  status: 'success',
  data: {
    resultType: 'matrix',
    result: [
      {
        metric: { job: 'agent' },
        values: [
          [1700000000, '1'],
          [1700000015, '3'],
        ],
      },
    ],
  },
};

interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

const servers: Server[] = [];
const facades: { shutdown(timeoutMillis?: number): Promise<unknown> }[] = [];

afterEach(async () => {
  for (const facade of facades.splice(0)) await facade.shutdown(2_000);
  for (const server of servers.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
  }
  diag.disable();
});

/** Starts a loopback HTTP server that records requests and responds through `respond`. */
async function startServer(
  respond: (request: RecordedRequest) => { status: number; type: string; body: string },
): Promise<{ hostPort: string; url: string; requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      const recorded = {
        method: request.method ?? '',
        url: request.url ?? '',
        authorization: request.headers.authorization,
        body,
      };
      requests.push(recorded);
      const reply = respond(recorded);
      response.writeHead(reply.status, { 'content-type': reply.type }).end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { hostPort: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}`, requests };
}

/** Returns a loopback port that nothing listens on: a server's port after it closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function exposition() {
  return { status: 200, type: 'text/plain; version=0.0.4', body: EXPOSITION };
}

function json(status: number, value: unknown) {
  return { status, type: 'application/json', body: JSON.stringify(value) };
}

function startFacade(options: MlsTelemetryOptions) {
  const facade = createMlsTelemetry({
    env: {},
    start: {
      env: {},
      handleSignals: false,
      registerGlobal: false,
      discovery: { enabled: false },
      metrics: false,
      traces: false,
      logs: false,
    },
    ...options,
  });
  facades.push(facade);
  return facade;
}

describe('getMetricValueWithLabel', () => {
  it('returns all samples of a name', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({
      start: {
        env: { LOCAL_OTEL_ENDPOINT: agent.hostPort },
        handleSignals: false,
        registerGlobal: false,
        discovery: { enabled: false },
        metrics: false,
        traces: false,
        logs: false,
      },
    });

    const samples = await facade.getMetricValueWithLabel('node_app_prediction');

    expect(samples?.map((sample) => sample.value)).toEqual([0.75, 0.5, 0.25]);
    expect(agent.requests[0]?.url).toBe('/metrics');
  });

  it('filters by label', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });

    const samples = await facade.getMetricValueWithLabel('node_app_prediction', 'model', 'b');

    expect(samples).toEqual([
      {
        name: 'node_app_prediction',
        labels: { k8s_node_name: 'edge-2', model: 'b' },
        value: 0.25,
      },
    ]);
  });

  it('ignores a half label filter', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });

    const samples = await facade.getMetricValueWithLabel('node_app_prediction', 'model', '');

    expect(samples).toHaveLength(3);
  });

  it('filters by node name', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });

    const samples = await facade.getMetricValueWithLabel('node_app_prediction', 'model', 'a', {
      nodeName: 'edge-2',
    });

    expect(samples?.map((sample) => sample.value)).toEqual([0.5]);
  });

  it('uses a custom node label', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({ localReader: { endpoint: agent.hostPort }, nodeLabel: 'model' });

    const samples = await facade.getMetricValueWithLabel('node_app_prediction', '', '', {
      nodeName: 'b',
    });

    expect(samples?.map((sample) => sample.value)).toEqual([0.25]);
  });

  it('matches a counter by family', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });

    const samples = await facade.getMetricValueWithLabel('frames', 'camera', 'c1');

    expect(samples?.map((sample) => [sample.name, sample.value])).toEqual([['frames_total', 42]]);
  });

  it('matches an OpenMetrics counter', async () => {
    const body = ['# TYPE frames counter', 'frames_total{camera="c1"} 5', '# EOF', ''].join('\n');
    const agent = await startServer(() => ({
      status: 200,
      type: 'application/openmetrics-text; version=1.0.0',
      body,
    }));
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });

    const samples = await facade.getMetricValueWithLabel('frames');

    expect(samples?.map((sample) => [sample.name, sample.value])).toEqual([['frames_total', 5]]);
  });

  it('returns undefined without a match', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });

    expect(await facade.getMetricValueWithLabel('missing_metric')).toBeUndefined();
    expect(
      await facade.getMetricValueWithLabel('node_app_prediction', 'model', 'z'),
    ).toBeUndefined();
    expect(facade.stats().localReadFailures).toBe(0);
  });

  it('counts an unreachable agent', async () => {
    const port = await closedPort();
    const facade = startFacade({ localReader: { endpoint: `127.0.0.1:${port}` } });

    const samples = await facade.getMetricValueWithLabel('node_app_prediction');

    expect(samples).toBeUndefined();
    expect(facade.stats().localReadFailures).toBe(1);
    expect(facade.stats().lastLocalReadError).toContain(`127.0.0.1:${port}`);
  });

  it('counts an HTTP error', async () => {
    const agent = await startServer(() => ({ status: 503, type: 'text/plain', body: 'busy' }));
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });

    expect(await facade.getMetricValueWithLabel('node_app_prediction')).toBeUndefined();
    expect(facade.stats().lastLocalReadError).toContain('HTTP 503');
  });

  it('counts an invalid name', async () => {
    const facade = startFacade({});
    const read = facade.getMetricValueWithLabel as (...args: unknown[]) => Promise<unknown>;

    expect(await read('')).toBeUndefined();
    expect(await read(7)).toBeUndefined();
    expect(facade.stats().localReadFailures).toBe(2);
  });

  it('survives hostile arguments', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });
    const read = facade.getMetricValueWithLabel as (...args: unknown[]) => Promise<unknown>;
    const hostile = {
      toString() {
        throw new Error('toString failed');
      },
    };

    expect(await read(hostile)).toBeUndefined();
    expect(await read('frames', hostile, hostile, null)).toHaveLength(1);
    expect(await read('frames', '', '', 'not-options')).toHaveLength(1);
    expect(facade.stats().localReadFailures).toBe(1);
  });

  it('shares one scrape per second', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });

    const [first, second] = await Promise.all([
      facade.getMetricValueWithLabel('node_app_prediction', 'model', 'b'),
      facade.getMetricValueWithLabel('frames'),
    ]);
    await facade.getMetricValueWithLabel('node_app_prediction');

    expect(first?.[0]?.value).toBe(0.25);
    expect(second?.[0]?.value).toBe(42);
    expect(agent.requests).toHaveLength(1);
  });

  it('scrapes each read without cache', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({ localReader: { endpoint: agent.hostPort }, localCacheMillis: 0 });

    await facade.getMetricValueWithLabel('frames');
    await facade.getMetricValueWithLabel('frames');

    expect(agent.requests).toHaveLength(2);
  });

  it('counts an aborted read', async () => {
    const agent = await startServer(exposition);
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });

    const samples = await facade.getMetricValueWithLabel('frames', '', '', {
      signal: AbortSignal.abort(),
    });

    expect(samples).toBeUndefined();
    expect(facade.stats().localReadFailures).toBe(1);
    expect(facade.stats().lastLocalReadError).toMatch(/abort/i);
  });

  it('does not keep a failed scrape', async () => {
    let healthy = false;
    const agent = await startServer(() =>
      healthy ? exposition() : { status: 500, type: 'text/plain', body: '' },
    );
    const facade = startFacade({ localReader: { endpoint: agent.hostPort } });

    expect(await facade.getMetricValueWithLabel('frames')).toBeUndefined();
    healthy = true;
    const samples = await facade.getMetricValueWithLabel('frames');

    expect(samples?.[0]?.value).toBe(42);
    expect(agent.requests).toHaveLength(2);
  });
});

describe('prometheusQuery', () => {
  it('queries Grafana from mlstelemetry variables', async () => {
    const grafana = await startServer(() => json(200, VECTOR));
    const facade = startFacade({
      env: {
        GRAFANA_ENDPOINT: grafana.hostPort,
        GRAFANA_API_KEY: 'glsa_secret',
        PROMETHEUS_DATASOURCE_ID: 'prom-1',
      },
    });

    const result = await facade.prometheusQuery('up{job="agent"}');

    expect(result?.resultType).toBe('vector');
    expect(result?.result).toEqual([
      {
        metric: { __name__: 'up', job: 'agent' },
        value: { timestampMillis: 1700000000500, value: 1 },
      },
    ]);
    const request = grafana.requests[0]!;
    expect(request.url).toBe(
      `/api/datasources/proxy/uid/prom-1/api/v1/query?query=${encodeURIComponent('up{job="agent"}')}`,
    );
    expect(request.authorization).toBe('Bearer glsa_secret');
  });

  it('range query returns a matrix', async () => {
    const grafana = await startServer(() => json(200, MATRIX));
    const facade = startFacade({
      query: { kind: 'grafana', url: grafana.url, datasourceUid: 'prom-1', bearerToken: 't0k' },
    });

    const result = await facade.prometheusQueryRange('up', 1700000000, 1700000015, 15);

    expect(result?.result[0]?.values).toEqual([
      { timestampMillis: 1700000000000, value: 1 },
      { timestampMillis: 1700000015000, value: 3 },
    ]);
    const url = new URL(grafana.requests[0]!.url, grafana.url);
    expect(url.pathname).toBe('/api/datasources/proxy/uid/prom-1/api/v1/query_range');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      query: 'up',
      start: '1700000000',
      end: '1700000015',
      step: '15',
    });
  });

  it('counts a rejected token', async () => {
    const grafana = await startServer(() => json(401, { message: 'invalid API key' }));
    const facade = startFacade({
      query: { kind: 'grafana', url: grafana.url, datasourceUid: 'p', bearerToken: 'wrong-secret' },
    });

    const result = await facade.prometheusQuery('up');

    expect(result).toBeUndefined();
    expect(facade.stats().queryFailures).toBe(1);
    expect(facade.stats().lastQueryError).toContain('401');
    expect(facade.stats().lastQueryError).not.toContain('wrong-secret');
  });

  it('counts an invalid expression', async () => {
    const prometheus = await startServer(() => json(200, VECTOR));
    const facade = startFacade({ query: { url: prometheus.url } });
    const query = facade.prometheusQuery as (...args: unknown[]) => Promise<unknown>;

    expect(await query('')).toBeUndefined();
    expect(await facade.prometheusQueryRange('up', 10, 5, 0)).toBeUndefined();
    expect(facade.stats().queryFailures).toBe(2);
    expect(prometheus.requests).toHaveLength(0);
  });

  it('reports broken query variables', async () => {
    const grafana = await startServer(() => json(200, VECTOR));
    const facade = startFacade({ env: { GRAFANA_ENDPOINT: grafana.hostPort } });

    expect(await facade.prometheusQuery('up')).toBeUndefined();
    expect(grafana.requests).toHaveLength(0);
    expect(facade.stats().queryFailures).toBe(1);
    expect(facade.stats().lastQueryError).toContain('no query server is configured');
    expect(facade.stats().lastQueryError).toContain('datasourceUid');
  });

  it('uses a given client', async () => {
    const calls: string[] = [];
    const client = {
      kind: 'prometheus' as const,
      apiUrl: 'http://unused/api/v1',
      query: async (promql: string) => {
        calls.push(promql);
        return {
          resultType: 'scalar' as const,
          result: { timestampMillis: 1, value: 2 },
          warnings: [],
          infos: [],
        };
      },
      queryRange: async () => {
        throw new Error('not used');
      },
      series: async () => ({ data: [], warnings: [], infos: [] }),
      labelNames: async () => ({ data: [], warnings: [], infos: [] }),
      labelValues: async () => ({ data: [], warnings: [], infos: [] }),
      metadata: async () => ({ data: {}, warnings: [], infos: [] }),
    };
    const facade = startFacade({ query: client });

    const result = await facade.prometheusQuery('vector(2)');

    expect(calls).toEqual(['vector(2)']);
    expect(result?.result).toEqual({ timestampMillis: 1, value: 2 });
  });
});

describe('queryOptionsFromEnv', () => {
  it('maps mlstelemetry variables', () => {
    const env = {
      GRAFANA_ENDPOINT: 'grafana.monitoring:3000',
      GRAFANA_API_KEY: 'key',
      PROMETHEUS_DATASOURCE_ID: 'uid-7',
    };

    expect(queryOptionsFromEnv(env)).toEqual({
      env,
      kind: 'grafana',
      url: 'http://grafana.monitoring:3000',
      datasourceUid: 'uid-7',
      bearerToken: 'key',
    });
  });

  it('keeps a URL scheme', () => {
    const env = { GRAFANA_ENDPOINT: 'https://grafana.example:443' };

    expect(queryOptionsFromEnv(env).url).toBe('https://grafana.example:443');
  });

  it('lets MLSYSOPS_QUERY variables win', () => {
    const env = {
      GRAFANA_ENDPOINT: 'grafana:3000',
      GRAFANA_API_KEY: 'key',
      PROMETHEUS_DATASOURCE_ID: 'uid-7',
      MLSYSOPS_QUERY_URL: 'http://mimir:8080',
      MLSYSOPS_QUERY_KIND: 'mimir',
      MLSYSOPS_QUERY_TOKEN: 'other',
      MLSYSOPS_QUERY_DATASOURCE_UID: 'uid-8',
    };

    expect(queryOptionsFromEnv(env)).toEqual({ env });
  });

  it('treats "null" as unset', () => {
    const env = { GRAFANA_API_KEY: 'null', PROMETHEUS_DATASOURCE_ID: 'null' };

    expect(queryOptionsFromEnv(env)).toEqual({ env });
  });
});
