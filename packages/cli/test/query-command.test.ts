import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  closedPort,
  type FakeServer,
  sendJson,
  startFakeServer,
} from '../../query/test/helpers/fake-server.js';
import { parseCliTime, parseDurationMillis } from '../src/commands/query.js';
import { runCli } from '../src/index.js';

let server: FakeServer;

beforeEach(async () => {
  server = await startFakeServer();
});

afterEach(async () => {
  await server.close();
});

async function runQuery(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['query', ...args], {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
  });
  return { code, stdout, stderr };
}

const vector = {
  status: 'success',
  data: {
    resultType: 'vector',
    result: [
      { metric: { __name__: 'up', job: 'api' }, value: [1700000000, '1'] },
      { metric: { __name__: 'up', job: 'db "main"' }, value: [1700000000, 'NaN'] },
    ],
  },
  warnings: ['partial response'],
};

describe('query command', () => {
  it('prints vector table', async () => {
    server.handle((_request, response) => sendJson(response, 200, vector));
    const result = await runQuery(['up', '--url', server.url]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'SERIES                 VALUE  TIME',
        'up{job="api"}          1      2023-11-14T22:13:20.000Z',
        'up{job="db \\"main\\""}  NaN    2023-11-14T22:13:20.000Z',
        '',
      ].join('\n'),
    );
    expect(result.stderr).toBe('warning: partial response\n');
    expect(server.requests[0]?.query.get('query')).toBe('up');
  });

  it('prints JSON', async () => {
    server.handle((_request, response) => sendJson(response, 200, vector));
    const result = await runQuery(['up', '--url', server.url, '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      resultType: 'vector',
      result: [
        {
          metric: { __name__: 'up', job: 'api' },
          value: { timestampMillis: 1700000000000, value: 1 },
        },
        {
          metric: { __name__: 'up', job: 'db "main"' },
          value: { timestampMillis: 1700000000000, value: 'NaN' },
        },
      ],
      warnings: ['partial response'],
      infos: [],
    });
  });

  it('prints scalar', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, {
        status: 'success',
        data: { resultType: 'scalar', result: [1700000000, '+Inf'] },
      }),
    );
    const result = await runQuery(['1/0', '--url', server.url, '--time', '1700000000']);

    expect(result.stdout).toBe('VALUE  TIME\n+Inf   2023-11-14T22:13:20.000Z\n');
    expect(server.requests[0]?.query.get('time')).toBe('1700000000.000');
  });

  it('runs range query', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, {
        status: 'success',
        data: {
          resultType: 'matrix',
          result: [
            {
              metric: { job: 'a' },
              values: [
                [1700000000, '1'],
                [1700000015, '2'],
              ],
            },
          ],
        },
      }),
    );
    const result = await runQuery([
      'rate(x[1m])',
      '--url',
      server.url,
      '--start',
      '2023-11-14T22:13:20Z',
      '--end',
      '1700000060',
      '--step',
      '15s',
    ]);

    expect(result.code).toBe(0);
    expect(server.requests[0]?.path).toBe('/api/v1/query_range');
    expect(server.requests[0]?.query.get('start')).toBe('1700000000.000');
    expect(server.requests[0]?.query.get('end')).toBe('1700000060.000');
    expect(server.requests[0]?.query.get('step')).toBe('15s');
    expect(result.stdout).toBe(
      [
        'SERIES     VALUE  TIME',
        '{job="a"}  1      2023-11-14T22:13:20.000Z',
        '{job="a"}  2      2023-11-14T22:13:35.000Z',
        '',
      ].join('\n'),
    );
  });

  it('computes default step', async () => {
    server.handle((_request, response) =>
      sendJson(response, 200, { status: 'success', data: { resultType: 'matrix', result: [] } }),
    );
    const result = await runQuery(['up', '--url', server.url, '--start', 'now-1h', '--end', 'now']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No series matched.\n');
    expect(server.requests[0]?.query.get('step')).toBe('15s');
    const start = Number(server.requests[0]?.query.get('start'));
    const end = Number(server.requests[0]?.query.get('end'));
    expect(end - start).toBe(3600);
  });

  it('reads environment', async () => {
    server.handle((_request, response) => sendJson(response, 200, vector));
    const result = await runQuery(['up'], {
      MLSYSOPS_QUERY_URL: server.url,
      MLSYSOPS_QUERY_KIND: 'grafana',
      MLSYSOPS_QUERY_DATASOURCE_UID: 'abc',
      MLSYSOPS_QUERY_TOKEN: 'SECRET-token-1',
    });

    expect(result.code).toBe(0);
    expect(server.requests[0]?.path).toBe('/api/datasources/proxy/uid/abc/api/v1/query');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer SECRET-token-1');
    expect(result.stdout + result.stderr).not.toContain('SECRET-token-1');
  });

  it('warns about invalid environment', async () => {
    server.handle((_request, response) => sendJson(response, 200, vector));
    const result = await runQuery(['up', '--url', server.url], {
      MLSYSOPS_QUERY_TIMEOUT_MILLIS: 'x',
    });

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'warning: MLSYSOPS_QUERY_TIMEOUT_MILLIS="x" is invalid: expected an integer from 0 to 9007199254740991; using the default.\n',
    );
  });

  it('exits 2 on API error', async () => {
    server.handle((_request, response) =>
      sendJson(response, 400, { status: 'error', errorType: 'bad_data', error: 'parse error' }),
    );
    const result = await runQuery(['up{', '--url', server.url]);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `mlsysops-telemetry query: Query API error from ${server.url}/api/v1/query (HTTP 400): bad_data: parse error (query: up{)\n`,
    );
  });

  it('exits 2 when server is down', async () => {
    const port = await closedPort();
    const result = await runQuery([
      'up',
      '--url',
      `http://127.0.0.1:${port}`,
      '--timeout-millis',
      '2000',
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `Cannot connect to http://127.0.0.1:${port}/api/v1/query: ECONNREFUSED`,
    );
  });

  it('exits 2 on timeout', async () => {
    server.handle((_request, response) => {
      setTimeout(() => sendJson(response, 200, vector), 2_000);
    });
    const result = await runQuery(['up', '--url', server.url, '--timeout-millis', '200']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `mlsysops-telemetry query: Request to ${server.url}/api/v1/query timed out after 200 ms.\n`,
    );
  });

  const usageCases: [string, string[], string][] = [
    ['missing expression', [], 'expected exactly one PromQL expression (quote it)'],
    ['two expressions', ['up', 'down'], 'expected exactly one PromQL expression (quote it)'],
    ['unknown option', ['up', '--frobnicate'], "Unknown option '--frobnicate'"],
    [
      'bad kind',
      ['up', '--kind', 'thanos'],
      '--kind "thanos" is invalid: expected one of prometheus, mimir, grafana',
    ],
    ['bad start', ['up', '--start', 'yesterday'], '--start "yesterday" is invalid'],
    ['end without start', ['up', '--end', 'now'], '--end and --step need --start'],
    ['end before start', ['up', '--start', '200', '--end', '100'], '--end is before --start'],
    ['bad step', ['up', '--start', 'now-1h', '--step', '0s'], '--step "0s" is invalid'],
    [
      'time with start',
      ['up', '--start', 'now-1h', '--time', 'now'],
      '--time applies to instant queries',
    ],
    ['bad timeout', ['up', '--timeout-millis', '0'], '--timeout-millis "0" is invalid'],
    ['bad url', ['up', '--url', 'nope'], 'Invalid option url "nope"'],
    ['grafana without uid', ['up', '--kind', 'grafana'], 'Missing option datasourceUid'],
  ];

  for (const [title, args, message] of usageCases) {
    it(`exits 1 on ${title}`, async () => {
      const result = await runQuery(args);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(message);
      expect(server.requests).toHaveLength(0);
    });
  }

  it('prints help', async () => {
    const result = await runQuery(['--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: mlsysops-telemetry query '<promql>' [options]");
  });
});

describe('query command time parsing', () => {
  const now = Date.UTC(2026, 0, 2, 3, 4, 5);

  it('parses durations', () => {
    expect(parseDurationMillis('90s')).toBe(90_000);
    expect(parseDurationMillis('1h30m')).toBe(5_400_000);
    expect(parseDurationMillis('500ms')).toBe(500);
    expect(parseDurationMillis('2d')).toBe(172_800_000);
    expect(parseDurationMillis('1w')).toBe(604_800_000);
    expect(parseDurationMillis('1x')).toBeUndefined();
    expect(parseDurationMillis('m5')).toBeUndefined();
    expect(parseDurationMillis('')).toBeUndefined();
  });

  it('parses times', () => {
    expect(parseCliTime('start', 'now', now).getTime()).toBe(now);
    expect(parseCliTime('start', 'now-1h', now).getTime()).toBe(now - 3_600_000);
    expect(parseCliTime('start', '1700000000.5', now).getTime()).toBe(1_700_000_000_500);
    expect(parseCliTime('start', '2026-01-02T03:04:05Z', now).getTime()).toBe(now);
  });

  it('rejects invalid times', () => {
    expect(() => parseCliTime('start', 'now-soon', now)).toThrow(
      '--start "now-soon" is invalid: expected Unix seconds, an RFC 3339 time, now or now-<duration>',
    );
    expect(() => parseCliTime('end', 'tomorrow', now)).toThrow(RangeError);
    expect(() => parseCliTime('end', '2026-13-45T00:00:00Z', now)).toThrow(RangeError);
  });
});
