import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  closedPort,
  type FakeServer,
  startFakeServer,
} from '../../query/test/helpers/fake-server.js';
import { runCli } from '../src/index.js';

const OPENMETRICS = [
  '# TYPE requests counter',
  '# HELP requests Requests served.',
  'requests_total{app="a",route="/x"} 5',
  'requests_total{app="b",route="/y"} 7',
  'requests_created{app="a",route="/x"} 1700000000',
  '# TYPE load gauge',
  'load{node="n1"} 0.5 1700000000.5',
  'load{node="n2"} +Inf',
  '# EOF',
  '',
].join('\n');

let server: FakeServer;

beforeEach(async () => {
  server = await startFakeServer((_request, response) => {
    response.setHeader(
      'content-type',
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    );
    response.end(OPENMETRICS);
  });
});

afterEach(async () => {
  await server.close();
});

async function runScrape(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['scrape', ...args], {
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

describe('scrape command', () => {
  it('prints all samples', async () => {
    const result = await runScrape(['--url', `127.0.0.1:${server.port}`]);

    expect(result.code).toBe(0);
    expect(server.requests[0]?.path).toBe('/metrics');
    expect(result.stdout).toBe(
      [
        'SAMPLE                                 VALUE       TYPE     TIME',
        'requests_total{app="a", route="/x"}    5           counter',
        'requests_total{app="b", route="/y"}    7           counter',
        'requests_created{app="a", route="/x"}  1700000000  counter',
        'load{node="n1"}                        0.5         gauge    2023-11-14T22:13:20.500Z',
        'load{node="n2"}                        +Inf        gauge',
        '',
      ].join('\n'),
    );
  });

  it('filters by family and label', async () => {
    const result = await runScrape([
      '--url',
      server.url,
      '--match',
      'requests',
      '--label',
      'app=a',
    ]);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        'SAMPLE                                 VALUE       TYPE     TIME',
        'requests_total{app="a", route="/x"}    5           counter',
        'requests_created{app="a", route="/x"}  1700000000  counter',
        '',
      ].join('\n'),
    );
  });

  it('filters by sample name', async () => {
    const result = await runScrape([
      '--url',
      server.url,
      '--match',
      'requests_total',
      '--match',
      'load',
    ]);

    expect(
      result.stdout
        .split('\n')
        .slice(1, -1)
        .map((line) => line.split(' ')[0]),
    ).toEqual([
      'requests_total{app="a",',
      'requests_total{app="b",',
      'load{node="n1"}',
      'load{node="n2"}',
    ]);
  });

  it('reports no match', async () => {
    const result = await runScrape(['--url', server.url, '--match', 'nothing']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('No samples matched.\n');
  });

  it('prints JSON', async () => {
    const result = await runScrape(['--url', server.url, '--match', 'load', '--json']);

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      url: `${server.url}/metrics`,
      format: 'openmetrics',
      families: [
        {
          name: 'load',
          type: 'gauge',
          samples: [
            { name: 'load', labels: { node: 'n1' }, value: 0.5, timestampMillis: 1700000000500 },
            { name: 'load', labels: { node: 'n2' }, value: '+Inf' },
          ],
        },
      ],
    });
  });

  it('reads LOCAL_OTEL_ENDPOINT', async () => {
    const result = await runScrape(['--match', 'load'], {
      LOCAL_OTEL_ENDPOINT: `127.0.0.1:${server.port}`,
    });

    expect(result.code).toBe(0);
    expect(server.requests).toHaveLength(1);
  });

  it('requests text format', async () => {
    server.handle((_request, response) => {
      response.setHeader('content-type', 'text/plain; version=0.0.4');
      response.end('# TYPE up gauge\nup 1\n');
    });
    const result = await runScrape(['--url', server.url, '--format', 'prometheus-text']);

    expect(result.code).toBe(0);
    expect(server.requests[0]?.headers.accept).toBe('text/plain;version=0.0.4');
    expect(result.stdout).toBe('SAMPLE  VALUE  TYPE   TIME\nup      1      gauge\n');
  });

  it('exits 2 when endpoint is down', async () => {
    const port = await closedPort();
    const result = await runScrape(['--url', `127.0.0.1:${port}`]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `mlsysops-telemetry scrape: Cannot connect to http://127.0.0.1:${port}/metrics: ECONNREFUSED`,
    );
  });

  it('exits 2 on malformed text', async () => {
    server.handle((_request, response) => void response.end('up 1\nup{job="x" 2\n'));
    const result = await runScrape(['--url', server.url]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'mlsysops-telemetry scrape: Invalid exposition text at line 2: expected "," or "}" in label set but found "2"\n',
    );
  });

  it('exits 2 on HTTP 503', async () => {
    server.handle((_request, response) => {
      response.statusCode = 503;
      response.end('starting');
    });
    const result = await runScrape(['--url', server.url]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`mlsysops-telemetry scrape: HTTP 503 from ${server.url}/metrics.\n`);
  });

  const usageCases: [string, string[], string][] = [
    [
      'bad format',
      ['--format', 'json'],
      '--format "json" is invalid: expected auto, openmetrics, prometheus-text',
    ],
    ['bad label', ['--label', 'novalue'], '--label "novalue" is invalid: expected name=value'],
    ['positional', ['up'], 'unexpected argument "up"; use --match <name> to filter'],
    ['bad url', ['--url', 'ftp://x'], 'Invalid option endpoint "ftp://x"'],
    ['bad timeout', ['--timeout-millis', 'soon'], '--timeout-millis "soon" is invalid'],
  ];

  for (const [title, args, message] of usageCases) {
    it(`exits 1 on ${title}`, async () => {
      const result = await runScrape(args);

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(message);
      expect(server.requests).toHaveLength(0);
    });
  }
});
