// Checks the end-to-end support helpers themselves: ports, the Collector build cache and
// its lock, the Collector and Prometheus handles, and the file exporter readers.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  COLLECTOR_SOURCE_DIR,
  cacheRoot,
  collectorBinaryPath,
  computeCacheKey,
} from './support/build-collector.mjs';
import { type CollectorHandle, startCollector, validateConfig } from './support/collector.js';
import { OUTPUT_FILES, testCollectorConfig } from './support/collector-config.js';
import { decodeAnyValue, decodeAttributes, readSpans, waitForSpan } from './support/otlp-files.js';
import { freePort, freePorts } from './support/ports.js';
import { type PrometheusHandle, startPrometheus } from './support/prometheus.js';

const BUILD_SCRIPT = resolve(import.meta.dirname, 'support/build-collector.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'mlsysops-support-test-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('freePorts', () => {
  it('returns distinct ports', async () => {
    const ports = await freePorts(20);

    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      expect(port).toBeGreaterThan(0);
      expect(port).toBeLessThan(65536);
    }
  });

  it('never repeats across calls', async () => {
    const first = await freePorts(5);
    const second = await freePort();

    expect(first).not.toContain(second);
  });

  it('rejects a negative count', async () => {
    await expect(freePorts(-1)).rejects.toThrow('invalid port count -1');
  });
});

describe('build cache', () => {
  it('cacheRoot follows env.sh', () => {
    expect(cacheRoot({ MLSYSOPS_CACHE: '/c/m' })).toBe('/c/m');
    expect(cacheRoot({ XDG_CACHE_HOME: '/c/x' })).toBe('/c/x/mlsysops-telemetry');
    expect(cacheRoot({ HOME: '/ignored' })).toMatch(/\/\.cache\/mlsysops-telemetry$/);
  });

  it('key changes with any source', () => {
    const copy = join(scratch, 'sources');
    cpSync(COLLECTOR_SOURCE_DIR, copy, { recursive: true });
    const original = computeCacheKey(copy);

    expect(original).toMatch(/^[0-9a-f]{64}$/);
    expect(computeCacheKey(copy)).toBe(original);

    writeFileSync(join(copy, 'extra.go'), 'package main\n');
    const withExtra = computeCacheKey(copy);
    expect(withExtra).not.toBe(original);

    writeFileSync(join(copy, 'go.sum'), `${readFileSync(join(copy, 'go.sum'), 'utf8')}\n`);
    expect(computeCacheKey(copy)).not.toBe(withExtra);
  });

  it('key ignores non-source files', () => {
    const copy = join(scratch, 'sources-readme');
    cpSync(COLLECTOR_SOURCE_DIR, copy, { recursive: true });
    const before = computeCacheKey(copy);

    writeFileSync(join(copy, 'README.txt'), 'notes');
    expect(computeCacheKey(copy)).toBe(before);
  });

  it('binary path uses the key', () => {
    const path = collectorBinaryPath({ cacheDir: '/c', key: 'abc' });
    expect(path).toBe('/c/otelcol/abc/mlsysops-otelcol');
  });
});

describe('build-collector.mjs', () => {
  // A stand-in `go` that counts builds, so the lock and cache logic run without a real build.
  const fakeBin = join(scratch, 'fake-go-bin');
  const buildCount = join(scratch, 'fake-go-builds');

  beforeAll(() => {
    mkdirSync(fakeBin, { recursive: true });
    writeFileSync(
      join(fakeBin, 'go'),
      [
        '#!/bin/sh',
        'if [ "$1" = version ]; then echo "go version go0.0-fake linux/amd64"; exit 0; fi',
        `echo build >> "${buildCount}"`,
        'sleep 1',
        'while [ "$#" -gt 0 ]; do if [ "$1" = -o ]; then shift; printf fake > "$1"; fi; shift; done',
      ].join('\n'),
    );
    chmodSync(join(fakeBin, 'go'), 0o755);
  });

  afterEach(() => {
    rmSync(buildCount, { force: true });
  });

  function runScript(args: string[], env: NodeJS.ProcessEnv) {
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(process.execPath, [BUILD_SCRIPT, ...args], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('exit', (code) => done({ code, stdout, stderr }));
    });
  }

  function fakeEnv(cache: string): NodeJS.ProcessEnv {
    return { ...process.env, MLSYSOPS_CACHE: cache, PATH: `${fakeBin}:/usr/bin:/bin` };
  }

  it('check fails on an empty cache', async () => {
    const cache = join(scratch, 'cache-empty');
    const result = await runScript(['--check'], fakeEnv(cache));

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('not cached');
  });

  it('concurrent callers build once', async () => {
    const cache = join(scratch, 'cache-concurrent');
    const env = fakeEnv(cache);

    const results = await Promise.all([
      runScript(['--print-path'], env),
      runScript(['--print-path'], env),
      runScript(['--print-path'], env),
    ]);

    const expected = `${collectorBinaryPath({ cacheDir: cache })}\n`;
    for (const result of results) {
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(expected);
    }
    expect(readFileSync(buildCount, 'utf8')).toBe('build\n');
    expect(readFileSync(expected.trim(), 'utf8')).toBe('fake');
    expect(readdirSync(join(cache, 'otelcol')).sort()).toEqual([computeCacheKey()]);
  });

  it('second call reuses the cache', async () => {
    const cache = join(scratch, 'cache-reuse');
    const env = fakeEnv(cache);
    await runScript([], env);

    const started = Date.now();
    const second = await runScript([], env);

    expect(second.code).toBe(0);
    expect(second.stderr).toContain('reused cached binary');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(readFileSync(buildCount, 'utf8')).toBe('build\n');
    expect((await runScript(['--check'], env)).code).toBe(0);
  });

  it('recovers a stale lock', async () => {
    const cache = join(scratch, 'cache-stale');
    const lockDir = `${join(collectorBinaryPath({ cacheDir: cache }), '..')}.lock`;
    const exited = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(join(lockDir, 'pid'), `${exited.pid}\n`);

    const result = await runScript([], fakeEnv(cache));

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`pid ${exited.pid} is not running`);
    expect(existsSync(lockDir)).toBe(false);
    expect(readFileSync(buildCount, 'utf8')).toBe('build\n');
  });

  it('reports a missing go', async () => {
    const cache = join(scratch, 'cache-no-go');
    const env = { ...process.env, MLSYSOPS_CACHE: cache, PATH: join(scratch, 'empty-bin') };

    const result = await runScript([], env);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain("the 'go' command failed");
    expect(result.stderr).toContain('Install Go 1.26.0 or later');
  });

  it('rejects an unknown flag', async () => {
    const result = await runScript(['--nope'], fakeEnv(join(scratch, 'cache-flag')));

    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown argument '--nope'");
  });
});

describe('startCollector', () => {
  let collector: CollectorHandle | undefined;

  afterEach(async () => {
    await collector?.stop();
    collector = undefined;
  });

  it('fills placeholders and extra ports', async () => {
    collector = await startCollector({
      config: testCollectorConfig({ prometheusExporter: true }),
      portNames: ['spare'],
    });

    expect(Object.keys(collector.ports).sort()).toEqual([
      'health',
      'otlpGrpc',
      'otlpHttp',
      'prometheus',
      'spare',
      'telemetry',
    ]);
    expect(new Set(Object.values(collector.ports)).size).toBe(6);
    expect(collector.endpoints.prometheus).toBe(`http://127.0.0.1:${collector.ports.prometheus}`);
    expect(collector.configText).toContain(`endpoint: 127.0.0.1:${collector.ports.otlpHttp}`);
    expect(collector.configText).toContain(`path: ${collector.workDir}/${OUTPUT_FILES.traces}`);
    expect(collector.configText).not.toContain('{{');

    const own = await fetch(`${collector.endpoints.telemetry}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('otelcol_process_uptime');
  });

  it('adds health_check and OTLP endpoints', async () => {
    collector = await startCollector({
      config: [
        'receivers:',
        '  otlp:',
        '    protocols:',
        '      http:',
        'exporters:',
        '  debug:',
        'service:',
        '  pipelines:',
        '    logs: { receivers: [otlp], exporters: [debug] }',
      ].join('\n'),
    });

    const health = await fetch(`${collector.endpoints.health}/`);
    expect(health.status).toBe(200);

    const logsResponse = await fetch(`${collector.endpoints.otlpHttp}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"resourceLogs":[]}',
    });
    await logsResponse.arrayBuffer();
    expect(logsResponse.status).toBe(200);
  });

  it('restart keeps the ports', async () => {
    collector = await startCollector({ config: testCollectorConfig() });
    const ports = { ...collector.ports };
    const firstPid = collector.pid;

    await collector.restart();

    expect(collector.pid).not.toBe(firstPid);
    expect(collector.ports).toEqual(ports);
    expect(await postTraces(collector.endpoints.otlpHttp, 'after-restart', 'svc')).toBe(200);
    const span = await waitForSpan(
      collector.path(OUTPUT_FILES.traces),
      (candidate) => candidate.name === 'after-restart',
    );
    expect(span.resource['service.name']).toBe('svc');
    expect(span.attributes).toEqual({ 'probe.count': 7, 'probe.ok': true });
    expect(collector.log()).toContain('Everything is ready');
  });

  it('stop ends the process', async () => {
    collector = await startCollector({ config: testCollectorConfig() });
    const { pid, workDir } = collector;

    await collector.stop();

    expect(isAlive(pid)).toBe(false);
    expect(existsSync(workDir)).toBe(false);
    await expect(fetch(`${collector.endpoints.health}/`)).rejects.toThrow();
  });

  it('bad config fails with the log', async () => {
    const config = testCollectorConfig();
    (config.exporters as Record<string, unknown>).nope = {};

    await expect(startCollector({ config })).rejects.toThrow(
      /Collector exited with code 1 .*\n[\s\S]*unknown type: "nope"/,
    );
  });

  it('unlisted port in function throws', async () => {
    await expect(
      startCollector({ config: () => 'receivers: {otlp: {port: "{{port:late}}"}}' }),
    ).rejects.toThrow("no port allocated for {{port:late}}. Add 'late' to the portNames option.");
  });

  it('unknown placeholder throws', async () => {
    await expect(startCollector({ config: 'receivers: {{nope}}' })).rejects.toThrow(
      'unknown placeholder {{nope}}',
    );
  });
});

describe('validateConfig', () => {
  it('accepts the test config', () => {
    const text = JSON.stringify(testCollectorConfig({ remoteWriteUrl: 'http://127.0.0.1:1/w' }));
    const result = validateConfig(
      text.replaceAll('{{workDir}}', scratch).replace(/\{\{port:(\w+)\}\}/g, '1'),
    );

    expect(result.output).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.ok).toBe(true);
  });

  it('rejects an unknown processor', () => {
    const result = validateConfig({
      receivers: { otlp: { protocols: { http: {} } } },
      processors: { k8s_cluster: {} },
      exporters: { debug: {} },
      service: {
        pipelines: {
          metrics: { receivers: ['otlp'], processors: ['k8s_cluster'], exporters: ['debug'] },
        },
      },
    });

    expect(result.ok).toBe(false);
    expect(result.exitCode).toBe(1);
    expect(result.output).toContain('unknown type: "k8s_cluster"');
  });

  it('knows the added processors', () => {
    const result = validateConfig({
      receivers: { otlp: { protocols: { http: {} } } },
      processors: { interval: {}, delta_to_cumulative: {}, cumulative_to_delta: {} },
      exporters: { debug: {} },
      service: {
        pipelines: {
          metrics: {
            receivers: ['otlp'],
            processors: ['delta_to_cumulative', 'interval', 'cumulative_to_delta'],
            exporters: ['debug'],
          },
        },
      },
    });

    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });
});

describe('startPrometheus', () => {
  let prometheus: PrometheusHandle | undefined;
  let collector: CollectorHandle | undefined;

  afterEach(async () => {
    await collector?.stop();
    await prometheus?.stop();
    collector = undefined;
    prometheus = undefined;
  });

  it('scrapes a loopback target', async () => {
    collector = await startCollector({ config: testCollectorConfig() });
    const target = `127.0.0.1:${collector.ports.telemetry}`;
    prometheus = await startPrometheus({ scrapeTargets: [target] });

    const up = await prometheus.waitFor('up', (samples) => samples.length === 1);
    expect(up[0]?.value).toBe(1);
    expect(up[0]?.labels).toEqual({ __name__: 'up', instance: target, job: 'scrape' });

    const now = Date.now() / 1000;
    const range = await prometheus.queryRange('up', now - 60, now + 1, 1);
    expect(range).toHaveLength(1);
    expect(range[0]?.values.length).toBeGreaterThan(0);
    expect(range[0]?.values.every(([, value]) => value === 1)).toBe(true);

    const scalar = await prometheus.query('scalar(vector(3))');
    expect(scalar.map((sample) => sample.value)).toEqual([3]);
  });

  it('rejects a non-loopback target', async () => {
    await expect(startPrometheus({ scrapeTargets: ['10.0.0.1:9999'] })).rejects.toThrow(
      "invalid scrape target '10.0.0.1:9999'",
    );
  });

  it('bad PromQL throws with the query', async () => {
    prometheus = await startPrometheus();

    await expect(prometheus.query('sum(')).rejects.toThrow(
      /failed for 'sum\(': HTTP 400, bad_data/,
    );
  });

  it('missing binary explains the install', async () => {
    await expect(startPrometheus({ binaryPath: join(scratch, 'no-prometheus') })).rejects.toThrow(
      "Install it with 'apt-get install prometheus'",
    );
  });
});

describe('otlp-files', () => {
  it('decodes every AnyValue kind', () => {
    expect(decodeAnyValue({ stringValue: 'a' })).toBe('a');
    expect(decodeAnyValue({ boolValue: false })).toBe(false);
    expect(decodeAnyValue({ intValue: '42' })).toBe(42);
    expect(decodeAnyValue({ intValue: '9007199254740993' })).toBe('9007199254740993');
    expect(decodeAnyValue({ doubleValue: 0.5 })).toBe(0.5);
    expect(decodeAnyValue({ bytesValue: 'AQI=' })).toBe('AQI=');
    expect(
      decodeAnyValue({ arrayValue: { values: [{ intValue: '1' }, { stringValue: 'b' }] } }),
    ).toEqual([1, 'b']);
    expect(
      decodeAnyValue({ kvlistValue: { values: [{ key: 'k', value: { boolValue: true } }] } }),
    ).toEqual({ k: true });
    expect(decodeAnyValue({})).toBeNull();
    expect(decodeAttributes(undefined)).toEqual({});
  });

  it('skips a partial last line', () => {
    const path = join(scratch, 'partial.jsonl');
    const line = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ scope: { name: 's' }, spans: [{ name: 'one' }] }] }],
    });
    writeFileSync(path, `${line}\n{"resourceSpans":[{"scope`);

    expect(readSpans(path).map((span) => span.name)).toEqual(['one']);
    expect(readSpans(join(scratch, 'missing.jsonl'))).toEqual([]);
  });
});

// Posts one span as OTLP/JSON and returns the HTTP status.
async function postTraces(base: string, spanName: string, serviceName: string): Promise<number> {
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [
          {
            scope: { name: 'support-test' },
            spans: [
              {
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                name: spanName,
                kind: 1,
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000000500000000',
                attributes: [
                  { key: 'probe.count', value: { intValue: '7' } },
                  { key: 'probe.ok', value: { boolValue: true } },
                ],
              },
            ],
          },
        ],
      },
    ],
  };

  const response = await fetch(`${base}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
