import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createLocalReader,
  ExpositionParseError,
  QueryAbortedError,
  QueryConnectionError,
  type QueryError,
  QueryHttpError,
  QueryResponseTooLargeError,
  QueryTimeoutError,
} from '../src/index.js';
import { captureDiag } from './helpers/diag-capture.js';
import { closedPort, type FakeServer, startFakeServer } from './helpers/fake-server.js';

const TEXT = [
  '# HELP cpu_usage CPU usage ratio.',
  '# TYPE cpu_usage gauge',
  'cpu_usage{node="n1",core="0"} 0.25',
  'cpu_usage{node="n1",core="1"} 0.75',
  'cpu_usage{node="n2",core="0"} NaN',
  '# TYPE requests_total counter',
  'requests_total{app="a"} 42',
  '',
].join('\n');

const OPENMETRICS = [
  '# TYPE requests counter',
  'requests_total{app="a"} 42',
  'requests_created{app="a"} 1700000000',
  '# TYPE latency_seconds histogram',
  'latency_seconds_bucket{le="1"} 3 # {trace_id="t1"} 0.4',
  'latency_seconds_bucket{le="+Inf"} 4',
  'latency_seconds_sum 2.5',
  'latency_seconds_count 4',
  '# EOF',
  '',
].join('\n');

let server: FakeServer;

beforeEach(async () => {
  server = await startFakeServer((_request, response) => {
    response.setHeader('content-type', 'text/plain; version=0.0.4; charset=utf-8');
    response.end(TEXT);
  });
});

afterEach(async () => {
  await server.close();
});

async function rejection(promise: Promise<unknown>): Promise<QueryError> {
  try {
    await promise;
  } catch (error) {
    return error as QueryError;
  }
  throw new Error('expected a rejection');
}

describe('endpoint resolution', () => {
  const cases: [string, string | undefined][] = [
    ['localhost:9999', 'http://localhost:9999/metrics'],
    ['127.0.0.1:9999', 'http://127.0.0.1:9999/metrics'],
    ['[::1]:9999', 'http://[::1]:9999/metrics'],
    ['http://127.0.0.1:9999', 'http://127.0.0.1:9999/metrics'],
    ['https://node:8443/custom/path', 'https://node:8443/custom/path'],
    ['  127.0.0.1:1234  ', 'http://127.0.0.1:1234/metrics'],
    ['ftp://host:21', undefined],
    ['http://', undefined],
    ['host:notaport', undefined],
  ];

  for (const [input, expected] of cases) {
    it(`resolves ${JSON.stringify(input)}`, () => {
      if (expected === undefined) {
        expect(() => createLocalReader({ endpoint: input, env: {} })).toThrow(TypeError);
      } else {
        expect(createLocalReader({ endpoint: input, env: {} }).url).toBe(expected);
      }
    });
  }
});

describe('createLocalReader', () => {
  it('defaults to localhost:9999', () => {
    expect(createLocalReader({ env: {} }).url).toBe('http://localhost:9999/metrics');
  });

  it('reads LOCAL_OTEL_ENDPOINT', () => {
    const reader = createLocalReader({ env: { LOCAL_OTEL_ENDPOINT: '127.0.0.1:4321' } });
    expect(reader.url).toBe('http://127.0.0.1:4321/metrics');
  });

  it('prefers MLSYSOPS_LOCAL_ENDPOINT', () => {
    const reader = createLocalReader({
      env: { MLSYSOPS_LOCAL_ENDPOINT: '127.0.0.1:1111', LOCAL_OTEL_ENDPOINT: '127.0.0.1:2222' },
    });
    expect(reader.url).toBe('http://127.0.0.1:1111/metrics');
  });

  it('skips invalid MLSYSOPS_LOCAL_ENDPOINT', () => {
    const reader = createLocalReader({
      env: { MLSYSOPS_LOCAL_ENDPOINT: 'not an endpoint', LOCAL_OTEL_ENDPOINT: '127.0.0.1:2222' },
    });
    expect(reader.url).toBe('http://127.0.0.1:2222/metrics');
  });

  it('prefers option over environment', () => {
    const reader = createLocalReader({
      endpoint: '127.0.0.1:3333',
      env: { MLSYSOPS_LOCAL_ENDPOINT: '127.0.0.1:1111' },
    });
    expect(reader.url).toBe('http://127.0.0.1:3333/metrics');
  });

  it('falls back on invalid LOCAL_OTEL_ENDPOINT', () => {
    const diag = captureDiag();
    try {
      const reader = createLocalReader({ env: { LOCAL_OTEL_ENDPOINT: 'ftp://x' } });

      expect(reader.url).toBe('http://localhost:9999/metrics');
      expect(diag.messages).toContain(
        'warn @mlsysops/telemetry-query/local LOCAL_OTEL_ENDPOINT="ftp://x" is invalid: expected host:port or an http(s) URL; ignoring it.',
      );
    } finally {
      diag.stop();
    }
  });

  it('rejects invalid options', () => {
    expect(() => createLocalReader({ endpoint: 'ftp://x', env: {} })).toThrow(
      'Invalid option endpoint "ftp://x": expected host:port or an http(s) URL.',
    );
    expect(() =>
      createLocalReader({ endpoint: '127.0.0.1:1', timeoutMillis: -1, env: {} }),
    ).toThrow('Invalid option timeoutMillis -1: expected a positive integer.');
    expect(() =>
      createLocalReader({ endpoint: '127.0.0.1:1', format: 'json' as 'auto', env: {} }),
    ).toThrow('Invalid option format "json"');
  });

  it('scrapes Prometheus text', async () => {
    const reader = createLocalReader({ endpoint: `127.0.0.1:${server.port}`, env: {} });
    const result = await reader.scrape();

    expect(server.requests[0]?.path).toBe('/metrics');
    expect(server.requests[0]?.headers.accept).toBe(
      'application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
    );
    expect(result.format).toBe('prometheus-text');
    expect(result.families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['cpu_usage', 'gauge', 3],
      ['requests_total', 'counter', 1],
    ]);
  });

  it('scrapes OpenMetrics by content type', async () => {
    server.handle((_request, response) => {
      response.setHeader(
        'content-type',
        'application/openmetrics-text; version=1.0.0; charset=utf-8',
      );
      response.end(OPENMETRICS);
    });
    const reader = createLocalReader({ endpoint: server.url, format: 'openmetrics', env: {} });
    const result = await reader.scrape();

    expect(server.requests[0]?.headers.accept).toBe('application/openmetrics-text;version=1.0.0');
    expect(result.format).toBe('openmetrics');
    expect(result.families[1]?.samples[0]?.exemplar).toEqual({
      labels: { trace_id: 't1' },
      value: 0.4,
    });
  });

  it('gets value by labels', async () => {
    const reader = createLocalReader({ endpoint: server.url, env: {} });

    expect(await reader.getMetricValue('cpu_usage', { node: 'n1', core: '1' })).toBe(0.75);
    expect(await reader.getMetricValue('cpu_usage', { node: 'n1' })).toBe(0.25);
    expect(await reader.getMetricValue('cpu_usage')).toBe(0.25);
    expect(await reader.getMetricValue('cpu_usage', { node: 'n2' })).toBeNaN();
    expect(await reader.getMetricValue('cpu_usage', { node: 'n3' })).toBeUndefined();
    expect(await reader.getMetricValue('cpu_usage', { rack: '' })).toBeUndefined();
    expect(await reader.getMetricValue('missing_metric')).toBeUndefined();
  });

  it('gets counter by family name', async () => {
    server.handle((_request, response) => {
      response.setHeader('content-type', 'application/openmetrics-text; version=1.0.0');
      response.end(OPENMETRICS);
    });
    const reader = createLocalReader({ endpoint: server.url, env: {} });

    expect(await reader.getMetricValue('requests', { app: 'a' })).toBe(42);
    expect(await reader.getMetricValue('requests_total', { app: 'a' })).toBe(42);
    expect(await reader.getMetricValue('requests_created')).toBe(1700000000);
    expect(await reader.getMetricValue('latency_seconds_bucket', { le: '+Inf' })).toBe(4);
    expect(await reader.getMetricValue('latency_seconds')).toBeUndefined();
  });

  it('matches le and quantile numerically', async () => {
    server.handle((_request, response) => {
      response.setHeader('content-type', 'application/openmetrics-text; version=1.0.0');
      response.end(
        '# TYPE h histogram\nh_bucket{le="5.0"} 2\nh_bucket{le="+Inf"} 3\nh_count 3\nh_sum 4\n' +
          '# TYPE s summary\ns{quantile="0.50"} 7\n# EOF\n',
      );
    });
    const reader = createLocalReader({ endpoint: server.url, env: {} });

    expect(await reader.getMetricValue('h_bucket', { le: '5' })).toBe(2);
    expect(await reader.getMetricValue('h_bucket', { le: '5.0' })).toBe(2);
    expect(await reader.getMetricValue('h_bucket', { le: 'Inf' })).toBe(3);
    expect(await reader.getMetricValue('h_bucket', { le: '6' })).toBeUndefined();
    expect(await reader.getMetricValue('s', { quantile: '0.5' })).toBe(7);
  });

  it('matches le and quantile numerically', async () => {
    server.handle((_request, response) => {
      response.setHeader('content-type', 'application/openmetrics-text; version=1.0.0');
      response.end(
        '# TYPE h histogram\nh_bucket{le="5.0"} 2\nh_bucket{le="+Inf"} 3\nh_count 3\nh_sum 4\n' +
          '# TYPE s summary\ns{quantile="0.50"} 7\n# EOF\n',
      );
    });
    const reader = createLocalReader({ endpoint: server.url, env: {} });

    expect(await reader.getMetricValue('h_bucket', { le: '5' })).toBe(2);
    expect(await reader.getMetricValue('h_bucket', { le: '5.0' })).toBe(2);
    expect(await reader.getMetricValue('h_bucket', { le: 'Inf' })).toBe(3);
    expect(await reader.getMetricValue('h_bucket', { le: '6' })).toBeUndefined();
    expect(await reader.getMetricValue('s', { quantile: '0.5' })).toBe(7);
  });

  it('returns all matching samples', async () => {
    const reader = createLocalReader({ endpoint: server.url, env: {} });
    const samples = await reader.getSamples('cpu_usage', { core: '0' });

    expect(samples.map((s) => s.labels.node)).toEqual(['n1', 'n2']);
  });

  it('returns undefined when endpoint is down', async () => {
    const port = await closedPort();
    const diag = captureDiag();
    try {
      const reader = createLocalReader({ endpoint: `127.0.0.1:${port}`, env: {} });

      expect(await reader.getMetricValue('cpu_usage')).toBeUndefined();
      expect(await reader.getMetricValue('cpu_usage')).toBeUndefined();
      const warnings = diag.messages.filter((m) => m.startsWith('warn'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        `Cannot read metric "cpu_usage": Cannot connect to http://127.0.0.1:${port}/metrics: ECONNREFUSED`,
      );
    } finally {
      diag.stop();
    }
  });

  it('rejects scrape when endpoint is down', async () => {
    const port = await closedPort();
    const reader = createLocalReader({ endpoint: `127.0.0.1:${port}`, env: {} });
    const error = await rejection(reader.scrape());

    expect(error).toBeInstanceOf(QueryConnectionError);
    expect(error.url).toBe(`http://127.0.0.1:${port}/metrics`);
  });

  it('rejects HTTP 500', async () => {
    server.handle((_request, response) => {
      response.statusCode = 500;
      response.end('exporter failed');
    });
    const reader = createLocalReader({ endpoint: server.url, env: {} });
    const error = await rejection(reader.scrape());

    expect(error).toBeInstanceOf(QueryHttpError);
    expect(error.status).toBe(500);
    expect(error.message).toBe(`HTTP 500 from ${server.url}/metrics.`);
  });

  it('rejects malformed text with line', async () => {
    server.handle((_request, response) => void response.end('ok 1\nbroken{a="b" 2\n'));
    const reader = createLocalReader({ endpoint: server.url, env: {} });
    const error = await rejection(reader.scrape());

    expect(error).toBeInstanceOf(ExpositionParseError);
    expect((error as ExpositionParseError).line).toBe(2);
    expect(await reader.getMetricValue('ok')).toBeUndefined();
  });

  it('times out on slow endpoint', async () => {
    server.handle((_request, response) => {
      setTimeout(() => response.end(TEXT), 3_000);
    });
    const reader = createLocalReader({ endpoint: server.url, timeoutMillis: 200, env: {} });
    const error = await rejection(reader.scrape());

    expect(error).toBeInstanceOf(QueryTimeoutError);
    expect(error.message).toBe(`Request to ${server.url}/metrics timed out after 200 ms.`);
  });

  it('aborts with signal', async () => {
    server.handle((_request, response) => {
      setTimeout(() => response.end(TEXT), 3_000);
    });
    const reader = createLocalReader({ endpoint: server.url, env: {} });
    const error = await rejection(reader.scrape({ signal: AbortSignal.abort() }));

    expect(error).toBeInstanceOf(QueryAbortedError);
  });

  it('limits body size', async () => {
    server.handle((_request, response) => {
      for (let i = 0; i < 100; i++) response.write(`m${i} ${i}\n`.padEnd(100, ' '));
      response.end();
    });
    const reader = createLocalReader({ endpoint: server.url, maxBytes: 1000, env: {} });
    const error = await rejection(reader.scrape());

    expect(error).toBeInstanceOf(QueryResponseTooLargeError);
    expect(error.message).toBe(`Metrics from ${server.url}/metrics exceed maxBytes (1000 bytes).`);
  });

  it('sends basic auth from URL', async () => {
    const url = new URL(server.url);
    url.username = 'u';
    url.password = 'secret';
    const reader = createLocalReader({ endpoint: url.href, env: {} });
    await reader.scrape();

    expect(reader.url).toBe(`${server.url}/metrics`);
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('u:secret').toString('base64')}`,
    );
  });
});
