import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createPromQLClient,
  QueryAbortedError,
  QueryApiError,
  QueryConnectionError,
  type QueryError,
  QueryHttpError,
  QueryResponseError,
  QueryResponseTooLargeError,
  QueryTimeoutError,
} from '../src/index.js';
import { captureDiag } from './helpers/diag-capture.js';
import { closedPort, type FakeServer, sendJson, startFakeServer } from './helpers/fake-server.js';

let server: FakeServer;

beforeEach(async () => {
  server = await startFakeServer();
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

const success = (data: unknown, extra: Record<string, unknown> = {}) => ({
  status: 'success',
  data,
  ...extra,
});

describe('PromQL client results', () => {
  it('decodes vector with special values', async () => {
    server.handle((_request, response) =>
      sendJson(
        response,
        200,
        success(
          {
            resultType: 'vector',
            result: [
              { metric: { __name__: 'up', job: 'a' }, value: [1700000000.123, '1'] },
              { metric: { job: 'b' }, value: [1700000000.123, 'NaN'] },
              { metric: { job: 'c' }, value: [1700000000.123, '+Inf'] },
              { metric: { job: 'd' }, value: [1700000000.123, '-Inf'] },
            ],
          },
          { warnings: ['partial data'], infos: ['metric might not be a counter'] },
        ),
      ),
    );
    const client = createPromQLClient({ url: server.url, env: {} });
    const result = await client.query('up', { time: 1700000000 });

    expect(server.requests[0]?.method).toBe('GET');
    expect(server.requests[0]?.path).toBe('/api/v1/query');
    expect(server.requests[0]?.query.get('query')).toBe('up');
    expect(server.requests[0]?.query.get('time')).toBe('1700000000');
    expect(result.resultType).toBe('vector');
    expect(result.warnings).toEqual(['partial data']);
    expect(result.infos).toEqual(['metric might not be a counter']);
    if (result.resultType !== 'vector') throw new Error('not a vector');
    expect(result.result[0]).toEqual({
      metric: { __name__: 'up', job: 'a' },
      value: { timestampMillis: 1700000000123, value: 1 },
    });
    expect(result.result[1]?.value?.value).toBeNaN();
    expect(result.result[2]?.value?.value).toBe(Number.POSITIVE_INFINITY);
    expect(result.result[3]?.value?.value).toBe(Number.NEGATIVE_INFINITY);
  });

  it('decodes scalar and string', async () => {
    server.handle((request, response) => {
      const data =
        request.query.get('query') === '1+1'
          ? { resultType: 'scalar', result: [1700000000, '2'] }
          : { resultType: 'string', result: [1700000000, 'hello'] };
      sendJson(response, 200, success(data));
    });
    const client = createPromQLClient({ url: server.url, env: {} });

    const scalar = await client.query('1+1');
    const text = await client.query('"hello"');

    expect(scalar).toEqual({
      resultType: 'scalar',
      result: { timestampMillis: 1700000000000, value: 2 },
      warnings: [],
      infos: [],
    });
    expect(text).toEqual({
      resultType: 'string',
      result: { timestampMillis: 1700000000000, value: 'hello' },
      warnings: [],
      infos: [],
    });
  });

  it('decodes native histograms', async () => {
    const histogram = {
      count: '10',
      sum: '3.5',
      buckets: [
        [0, '0.5', '1', '4'],
        [3, '-0.001', '0.001', '6'],
      ],
    };
    server.handle((request, response) => {
      const data =
        request.path === '/api/v1/query'
          ? {
              resultType: 'vector',
              result: [{ metric: { le: 'x' }, histogram: [1700000000, histogram] }],
            }
          : {
              resultType: 'matrix',
              result: [{ metric: {}, histograms: [[1700000000, histogram]] }],
            };
      sendJson(response, 200, success(data));
    });
    const client = createPromQLClient({ url: server.url, env: {} });
    const expected = {
      timestampMillis: 1700000000000,
      histogram: {
        count: 10,
        sum: 3.5,
        buckets: [
          { boundaryRule: 0, lower: 0.5, upper: 1, count: 4 },
          { boundaryRule: 3, lower: -0.001, upper: 0.001, count: 6 },
        ],
      },
    };

    const instant = await client.query('h');
    const range = await client.queryRange('h', 1700000000, 1700000060, 15);

    if (instant.resultType !== 'vector') throw new Error('not a vector');
    expect(instant.result[0]?.histogram).toEqual(expected);
    expect(instant.result[0]?.value).toBeUndefined();
    expect(range.result[0]?.histograms).toEqual([expected]);
    expect(range.result[0]?.values).toEqual([]);
  });

  it('sends range query parameters', async () => {
    server.handle((_request, response) =>
      sendJson(
        response,
        200,
        success({
          resultType: 'matrix',
          result: [
            {
              metric: { job: 'a' },
              values: [
                [1700000000, '1'],
                [1700000015, '2.5'],
              ],
            },
          ],
        }),
      ),
    );
    const client = createPromQLClient({ url: server.url, env: {} });
    const result = await client.queryRange(
      'rate(x[1m])',
      new Date('2023-11-14T22:13:20.000Z'),
      '2023-11-14T22:14:20Z',
      '15s',
    );

    const query = server.requests[0]?.query;
    expect(server.requests[0]?.path).toBe('/api/v1/query_range');
    expect(query?.get('query')).toBe('rate(x[1m])');
    expect(query?.get('start')).toBe('1700000000.000');
    expect(query?.get('end')).toBe('2023-11-14T22:14:20Z');
    expect(query?.get('step')).toBe('15s');
    expect(result.result).toEqual([
      {
        metric: { job: 'a' },
        values: [
          { timestampMillis: 1700000000000, value: 1 },
          { timestampMillis: 1700000015000, value: 2.5 },
        ],
        histograms: [],
      },
    ]);
  });

  it('rejects non-matrix range result', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, success({ resultType: 'vector', result: [] })),
    );
    const client = createPromQLClient({ url: server.url, env: {} });
    const error = await rejection(client.queryRange('up', 1, 2, 1));

    expect(error).toBeInstanceOf(QueryResponseError);
    expect(error.message).toBe(
      'Invalid response for query_range: expected a matrix but got vector.',
    );
  });

  it('posts long queries form-encoded', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, success({ resultType: 'vector', result: [] })),
    );
    const client = createPromQLClient({ url: server.url, env: {} });
    const long = `up{job=~"${'a|'.repeat(1500)}b"}`;

    await client.query(long);
    await client.query('up');

    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(server.requests[0]?.body).get('query')).toBe(long);
    expect(server.requests[0]?.query.toString()).toBe('');
    expect(server.requests[1]?.method).toBe('GET');
  });

  it('posts every query with method POST', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, success({ resultType: 'vector', result: [] })),
    );
    const client = createPromQLClient({ url: server.url, method: 'POST', env: {} });
    await client.query('up', { time: 5 });

    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[0]?.body).toBe('query=up&time=5');
  });

  it('lists series, labels, values and metadata', async () => {
    server.handle((request, response) => {
      if (request.path === '/api/v1/series') {
        sendJson(response, 200, success([{ __name__: 'up', job: 'a' }]));
      } else if (request.path === '/api/v1/labels') {
        sendJson(response, 200, success(['__name__', 'job']));
      } else if (request.path === '/api/v1/label/job/values') {
        sendJson(response, 200, success(['a', 'b']));
      } else {
        sendJson(response, 200, success({ up: [{ type: 'gauge', help: 'Target up.', unit: '' }] }));
      }
    });
    const client = createPromQLClient({ url: server.url, env: {} });

    const series = await client.series(['up', 'process_cpu_seconds_total'], { start: 10, end: 20 });
    const names = await client.labelNames({ match: ['up'] });
    const values = await client.labelValues('job');
    const metadata = await client.metadata({ metric: 'up', limit: 5 });

    expect(series.data).toEqual([{ __name__: 'up', job: 'a' }]);
    expect(server.requests[0]?.query.getAll('match[]')).toEqual([
      'up',
      'process_cpu_seconds_total',
    ]);
    expect(server.requests[0]?.query.get('start')).toBe('10');
    expect(server.requests[0]?.query.get('end')).toBe('20');
    expect(names.data).toEqual(['__name__', 'job']);
    expect(server.requests[1]?.query.getAll('match[]')).toEqual(['up']);
    expect(values.data).toEqual(['a', 'b']);
    expect(metadata.data).toEqual({ up: [{ type: 'gauge', help: 'Target up.', unit: '' }] });
    expect(server.requests[3]?.query.get('metric')).toBe('up');
    expect(server.requests[3]?.query.get('limit')).toBe('5');
  });

  it('treats null lists as empty', async () => {
    server.handle((_request, response) => sendJson(response, 200, success(null)));
    const client = createPromQLClient({ url: server.url, env: {} });

    expect((await client.labelValues('job')).data).toEqual([]);
    expect((await client.series(['up'])).data).toEqual([]);
  });

  it('encodes label name in path', async () => {
    server.handle((_request, response) => sendJson(response, 200, success([])));
    const client = createPromQLClient({ url: server.url, env: {} });
    await client.labelValues('a/b');

    expect(server.requests[0]?.path).toBe('/api/v1/label/a%2Fb/values');
  });
});

describe('PromQL client targets', () => {
  it('adds Mimir prefix and tenant', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, success({ resultType: 'vector', result: [] })),
    );
    const client = createPromQLClient({
      url: server.url,
      kind: 'mimir',
      tenantId: 'team-a',
      env: {},
    });
    await client.query('up');

    expect(client.apiUrl).toBe(`${server.url}/prometheus/api/v1`);
    expect(server.requests[0]?.path).toBe('/prometheus/api/v1/query');
    expect(server.requests[0]?.headers['x-scope-orgid']).toBe('team-a');
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('uses Grafana proxy path and token', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, success({ resultType: 'vector', result: [] })),
    );
    const client = createPromQLClient({
      url: `${server.url}/grafana/`,
      kind: 'grafana',
      datasourceUid: 'prom uid',
      bearerToken: 'glsa_secret',
      env: {},
    });
    await client.query('up');

    expect(server.requests[0]?.path).toBe(
      '/grafana/api/datasources/proxy/uid/prom%20uid/api/v1/query',
    );
    expect(server.requests[0]?.headers.authorization).toBe('Bearer glsa_secret');
  });

  it('reads environment variables', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, success({ resultType: 'vector', result: [] })),
    );
    const client = createPromQLClient({
      env: {
        MLSYSOPS_QUERY_URL: server.url,
        MLSYSOPS_QUERY_KIND: 'GRAFANA',
        MLSYSOPS_QUERY_DATASOURCE_UID: 'mimir',
        MLSYSOPS_QUERY_PATH_PREFIX: 'prometheus/',
        MLSYSOPS_QUERY_TOKEN: 'tok',
        MLSYSOPS_QUERY_TENANT: 'tenant-1',
        MLSYSOPS_QUERY_HEADERS: 'x-extra=a%20b',
        MLSYSOPS_QUERY_TIMEOUT_MILLIS: '1234',
      },
    });
    await client.query('up');

    expect(client.kind).toBe('grafana');
    expect(server.requests[0]?.path).toBe(
      '/api/datasources/proxy/uid/mimir/prometheus/api/v1/query',
    );
    expect(server.requests[0]?.headers.authorization).toBe('Bearer tok');
    expect(server.requests[0]?.headers['x-scope-orgid']).toBe('tenant-1');
    expect(server.requests[0]?.headers['x-extra']).toBe('a b');
  });

  it('prefers options over environment', () => {
    const client = createPromQLClient({
      url: 'http://127.0.0.1:1/base',
      kind: 'prometheus',
      env: { MLSYSOPS_QUERY_URL: 'http://127.0.0.1:2', MLSYSOPS_QUERY_KIND: 'mimir' },
    });

    expect(client.kind).toBe('prometheus');
    expect(client.apiUrl).toBe('http://127.0.0.1:1/base/api/v1');
  });

  it('falls back on invalid environment', () => {
    const diag = captureDiag();
    try {
      const client = createPromQLClient({
        env: {
          MLSYSOPS_QUERY_URL: 'ftp://x',
          MLSYSOPS_QUERY_KIND: 'thanos',
          MLSYSOPS_QUERY_TIMEOUT_MILLIS: 'soon',
        },
      });

      expect(client.kind).toBe('prometheus');
      expect(client.apiUrl).toBe('http://localhost:9090/api/v1');
      expect(diag.messages).toContain(
        'warn @mlsysops/telemetry-query/promql MLSYSOPS_QUERY_KIND="thanos" is invalid: expected one of prometheus, mimir, grafana; using the default.',
      );
      expect(diag.messages).toContain(
        'warn @mlsysops/telemetry-query/promql MLSYSOPS_QUERY_URL is invalid: expected an http or https URL; using http://localhost:9090.',
      );
      expect(diag.messages).toContain(
        'warn @mlsysops/telemetry-query/promql MLSYSOPS_QUERY_TIMEOUT_MILLIS="soon" is invalid: expected an integer from 0 to 9007199254740991; using the default.',
      );
    } finally {
      diag.stop();
    }
  });

  it('rejects invalid options', () => {
    expect(() => createPromQLClient({ url: 'not a url', env: {} })).toThrow(
      'Invalid option url "not a url": expected an http or https URL.',
    );
    expect(() => createPromQLClient({ kind: 'thanos' as 'mimir', env: {} })).toThrow(
      'Invalid option kind "thanos": expected one of prometheus, mimir, grafana.',
    );
    expect(() => createPromQLClient({ kind: 'grafana', env: {} })).toThrow(
      'Missing option datasourceUid',
    );
    expect(() => createPromQLClient({ timeoutMillis: 0, env: {} })).toThrow(
      'Invalid option timeoutMillis 0: expected an integer from 1 to 9007199254740991.',
    );
    expect(() => createPromQLClient({ maxRetries: 11, env: {} })).toThrow(
      'Invalid option maxRetries 11: expected an integer from 0 to 10.',
    );
  });

  it('rejects invalid arguments', async () => {
    const client = createPromQLClient({ url: server.url, env: {} });

    await expect(client.query('  ')).rejects.toThrow(TypeError);
    await expect(client.query('up', { time: Number.NaN })).rejects.toThrow(
      'Invalid option time NaN: expected finite Unix seconds.',
    );
    await expect(client.queryRange('up', 1, 2, 0)).rejects.toThrow(
      'Invalid option step 0: expected a positive number of seconds.',
    );
    await expect(client.queryRange('up', 'yesterday', 2, 1)).rejects.toThrow(
      'Invalid option start "yesterday"',
    );
    await expect(client.series([])).rejects.toThrow(TypeError);
    await expect(client.labelNames({ timeoutMillis: 0 })).rejects.toThrow(
      'Invalid option timeoutMillis 0: expected a positive integer.',
    );
    await expect(client.metadata({ limit: -1 })).rejects.toThrow(
      'Invalid option limit -1: expected a non-negative integer.',
    );
    expect(server.requests).toHaveLength(0);
  });

  it('sends basic auth from URL', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, success({ resultType: 'vector', result: [] })),
    );
    const url = new URL(server.url);
    url.username = 'user';
    url.password = 'p@ss';
    const client = createPromQLClient({ url: url.href, env: {} });
    await client.query('up');

    expect(client.apiUrl).toBe(`${server.url}/api/v1`);
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
    );
  });
});

describe('PromQL client errors', () => {
  it('maps bad_data to QueryApiError', async () => {
    server.handle((_request, response) =>
      sendJson(response, 400, {
        status: 'error',
        errorType: 'bad_data',
        error: 'parse error: unexpected end of input',
      }),
    );
    const client = createPromQLClient({ url: server.url, env: {} });
    const error = await rejection(client.query('up{'));

    expect(error).toBeInstanceOf(QueryApiError);
    expect(error.code).toBe('api_error');
    expect(error.status).toBe(400);
    expect(error.errorType).toBe('bad_data');
    expect(error.serverError).toBe('parse error: unexpected end of input');
    expect(error.query).toBe('up{');
    expect(error.message).toBe(
      `Query API error from ${server.url}/api/v1/query (HTTP 400): bad_data: parse error: unexpected end of input (query: up{)`,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('maps 401 text to QueryHttpError', async () => {
    server.handle((_request, response) => {
      response.statusCode = 401;
      response.end('Unauthorized\n');
    });
    const client = createPromQLClient({ url: server.url, env: {} });
    const error = await rejection(client.query('up'));

    expect(error).toBeInstanceOf(QueryHttpError);
    expect(error.code).toBe('http_error');
    expect(error.status).toBe(401);
    expect(error.message).toBe(
      `HTTP 401 from ${server.url}/api/v1/query: Unauthorized (query: up)`,
    );
  });

  it('maps HTML 200 to QueryResponseError', async () => {
    server.handle((_request, response) => {
      response.setHeader('content-type', 'text/html');
      response.end('<html>login</html>');
    });
    const client = createPromQLClient({ url: server.url, env: {} });
    const error = await rejection(client.query('up'));

    expect(error).toBeInstanceOf(QueryResponseError);
    expect(error.code).toBe('invalid_response');
    expect(error.message).toBe(
      `Invalid response from ${server.url}/api/v1/query: expected a Prometheus API JSON body but got "<html>login</html>" (content type "text/html").`,
    );
  });

  it('maps malformed data to QueryResponseError', async () => {
    server.handle((_request, response) =>
      sendJson(
        response,
        200,
        success({ resultType: 'vector', result: [{ metric: {}, value: [1, 'x'] }] }),
      ),
    );
    const client = createPromQLClient({ url: server.url, env: {} });
    const error = await rejection(client.query('up'));

    expect(error).toBeInstanceOf(QueryResponseError);
    expect(error.message).toBe(
      `Invalid response from ${server.url}/api/v1: invalid sample value "x".`,
    );
  });

  it('retries 503 then succeeds', async () => {
    let calls = 0;
    server.handle((_request, response) => {
      calls++;
      if (calls < 3)
        sendJson(response, 503, { status: 'error', errorType: 'unavailable', error: 'busy' });
      else sendJson(response, 200, success({ resultType: 'scalar', result: [1, '7'] }));
    });
    const diag = captureDiag();
    try {
      const client = createPromQLClient({ url: server.url, retryDelayMillis: 10, env: {} });
      const result = await client.query('7');

      expect(result.result).toEqual({ timestampMillis: 1000, value: 7 });
      expect(server.requests).toHaveLength(3);
      expect(
        diag.messages.filter((m) =>
          m.startsWith('info @mlsysops/telemetry-query/promql Retrying GET'),
        ),
      ).toHaveLength(2);
    } finally {
      diag.stop();
    }
  });

  it('gives up after maxRetries', async () => {
    server.handle((_request, response) =>
      sendJson(response, 502, { status: 'error', errorType: 'unavailable', error: 'bad gateway' }),
    );
    const client = createPromQLClient({
      url: server.url,
      maxRetries: 1,
      retryDelayMillis: 5,
      env: {},
    });
    const error = await rejection(client.query('up'));

    expect(error).toBeInstanceOf(QueryApiError);
    expect(error.status).toBe(502);
    expect(error.attempts).toBe(2);
    expect(server.requests).toHaveLength(2);
  });

  for (const status of [400, 404, 422, 500]) {
    it(`does not retry ${status}`, async () => {
      server.handle((_request, response) => {
        response.statusCode = status;
        response.end('no');
      });
      const client = createPromQLClient({ url: server.url, retryDelayMillis: 5, env: {} });
      const error = await rejection(client.query('up'));

      expect(error.status).toBe(status);
      expect(server.requests).toHaveLength(1);
    });
  }

  it('honours Retry-After', async () => {
    server.handle((_request, response) => {
      if (server.requests.length === 1) {
        response.statusCode = 429;
        response.setHeader('retry-after', '1');
        response.end('slow down');
      } else {
        sendJson(response, 200, success({ resultType: 'vector', result: [] }));
      }
    });
    const client = createPromQLClient({ url: server.url, retryDelayMillis: 1, env: {} });
    const start = Date.now();
    await client.query('up');

    expect(Date.now() - start).toBeGreaterThanOrEqual(990);
    expect(server.requests).toHaveLength(2);
  });

  it('stops when Retry-After passes timeout', async () => {
    server.handle((_request, response) => {
      response.statusCode = 503;
      response.setHeader('retry-after', '60');
      response.end('maintenance');
    });
    const client = createPromQLClient({ url: server.url, timeoutMillis: 2_000, env: {} });
    const start = Date.now();
    const error = await rejection(client.query('up'));

    expect(Date.now() - start).toBeLessThan(1_500);
    expect(error).toBeInstanceOf(QueryHttpError);
    expect(error.status).toBe(503);
    expect(server.requests).toHaveLength(1);
  });

  it('reports connection refused', async () => {
    const port = await closedPort();
    const client = createPromQLClient({
      url: `http://127.0.0.1:${port}`,
      retryDelayMillis: 5,
      env: {},
    });
    const error = await rejection(client.query('up'));

    expect(error).toBeInstanceOf(QueryConnectionError);
    expect(error.code).toBe('connection_failed');
    expect(error.attempts).toBe(3);
    expect(error.message).toContain(
      `Cannot connect to http://127.0.0.1:${port}/api/v1/query: ECONNREFUSED`,
    );
  });

  it('times out on slow server', async () => {
    server.handle((_request, response) => {
      setTimeout(
        () => sendJson(response, 200, success({ resultType: 'vector', result: [] })),
        3_000,
      );
    });
    const client = createPromQLClient({ url: server.url, timeoutMillis: 300, env: {} });
    const start = Date.now();
    const error = await rejection(client.query('up'));

    expect(error).toBeInstanceOf(QueryTimeoutError);
    expect(error.code).toBe('timeout');
    expect(error.message).toBe(`Request to ${server.url}/api/v1/query timed out after 300 ms.`);
    expect(Date.now() - start).toBeLessThan(2_000);
  });

  it('applies per-call timeout', async () => {
    server.handle((_request, response) => {
      setTimeout(() => sendJson(response, 200, success([])), 3_000);
    });
    const client = createPromQLClient({ url: server.url, env: {} });
    const error = await rejection(client.labelNames({ timeoutMillis: 200 }));

    expect(error).toBeInstanceOf(QueryTimeoutError);
  });

  it('aborts with signal', async () => {
    server.handle((_request, response) => {
      setTimeout(() => sendJson(response, 200, success([])), 3_000);
    });
    const client = createPromQLClient({ url: server.url, env: {} });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await rejection(client.labelNames({ signal: controller.signal }));

    expect(error).toBeInstanceOf(QueryAbortedError);
    expect(error.code).toBe('aborted');
  });

  it('aborts during retry wait', async () => {
    server.handle((_request, response) =>
      sendJson(response, 503, { status: 'error', errorType: 'unavailable', error: 'x' }),
    );
    const client = createPromQLClient({ url: server.url, retryDelayMillis: 5_000, env: {} });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const start = Date.now();
    const error = await rejection(client.query('up', { signal: controller.signal }));

    expect(error).toBeInstanceOf(QueryAbortedError);
    expect(Date.now() - start).toBeLessThan(2_000);
  });

  it('limits response size', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, success(Array.from({ length: 1000 }, (_, i) => `value-${i}`))),
    );
    const client = createPromQLClient({ url: server.url, maxResponseBytes: 1024, env: {} });
    const error = await rejection(client.labelValues('job'));

    expect(error).toBeInstanceOf(QueryResponseTooLargeError);
    expect(error.code).toBe('response_too_large');
    expect(error.message).toBe(
      `Response from ${server.url}/api/v1/label/job/values exceeds maxResponseBytes (1024 bytes).`,
    );
  });

  it('limits chunked response size', async () => {
    server.handle((_request, response) => {
      response.setHeader('content-type', 'application/json');
      for (let i = 0; i < 100; i++) response.write('x'.repeat(100));
      response.end();
    });
    const client = createPromQLClient({ url: server.url, maxResponseBytes: 2048, env: {} });
    const error = await rejection(client.query('up'));

    expect(error).toBeInstanceOf(QueryResponseTooLargeError);
  });

  it('never reveals token or password', async () => {
    const token = 'tok-SECRET-123';
    const password = 'pw-SECRET-456';
    server.handle((request, response) => {
      response.statusCode = request.path.endsWith('query') ? 401 : 503;
      // The server echoes the credentials it received, as some misconfigured proxies do.
      response.end(
        `invalid credentials: ${request.headers.authorization} ${request.headers['x-api-key']}`,
      );
    });
    const diag = captureDiag();
    try {
      const bearer = createPromQLClient({
        url: server.url,
        bearerToken: token,
        headers: { 'x-api-key': password },
        retryDelayMillis: 5,
        env: {},
      });
      const url = new URL(server.url);
      url.username = 'agent';
      url.password = password;
      const basic = createPromQLClient({ url: url.href, retryDelayMillis: 5, env: {} });

      const errors = [
        await rejection(bearer.query('up')),
        await rejection(bearer.labelNames()),
        await rejection(basic.query('up')),
        await rejection(basic.labelNames()),
      ];
      const port = await closedPort();
      errors.push(
        await rejection(
          createPromQLClient({
            url: `http://agent:${password}@127.0.0.1:${port}`,
            bearerToken: token,
            retryDelayMillis: 5,
            env: {},
          }).query('up'),
        ),
      );

      const basicHeader = Buffer.from(`agent:${password}`).toString('base64');
      for (const error of errors) {
        const text = `${error.message} ${JSON.stringify(error)} ${error.url} ${String(error.cause)}`;
        expect(text).not.toContain(token);
        expect(text).not.toContain(password);
        expect(text).not.toContain(basicHeader);
      }
      expect(errors[0]?.message).toBe(
        `HTTP 401 from ${server.url}/api/v1/query: invalid credentials: Bearer <redacted> <redacted> (query: up)`,
      );
      expect(diag.messages.length).toBeGreaterThan(0);
      for (const message of diag.messages) {
        expect(message).not.toContain(token);
        expect(message).not.toContain(password);
        expect(message).not.toContain(basicHeader);
      }
    } finally {
      diag.stop();
    }
  });
});
