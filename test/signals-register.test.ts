// Starts small applications in child processes with `--import` / `--require`
// @mlsysops/telemetry/register, stops them with a signal, and checks that what they had
// buffered reaches the Collector and that they exit with the status the signal gives.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorHandle, startCollector } from './support/collector.js';
import { OUTPUT_FILES, testCollectorConfig } from './support/collector-config.js';
import { readMetrics, waitForLogRecord, waitForSpan } from './support/otlp-files.js';
import { freePort } from './support/ports.js';

const telemetryDir = resolve(import.meta.dirname, '../packages/telemetry');
const fixtures = join(telemetryDir, 'test/fixtures');

let collector: CollectorHandle;

interface AppRun {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a fixture app with a clean environment: no node address or endpoint is inherited. */
function startApp(
  flag: '--import' | '--require',
  file: string,
  env: Record<string, string>,
): AppRun {
  const child = spawn(
    process.execPath,
    [flag, '@mlsysops/telemetry/register', join(fixtures, file)],
    {
      cwd: telemetryDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  return { child, output: () => output, exited };
}

async function waitForReady(app: AppRun, timeoutMillis = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!app.output().includes('ready')) {
    if (app.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`app did not print ready; output:\n${app.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Settings that keep everything buffered until shutdown: only the signal handler exports. */
function bufferedEnv(endpoint: string, serviceName: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_SERVICE_NAME: serviceName,
    OTEL_METRIC_EXPORT_INTERVAL: '600000',
    OTEL_BSP_SCHEDULE_DELAY: '600000',
    OTEL_BLRP_SCHEDULE_DELAY: '600000',
    NODE_HOSTNAME: 'node-e2e',
    MLSYSOPS_LAYER: 'node',
    MLSYSOPS_DISCOVERY_ENABLED: 'false',
  };
}

beforeAll(async () => {
  // The register entry is tested as users get it: the built dist files.
  const build = spawnSync('pnpm', ['--filter', '@mlsysops/telemetry...', 'run', 'build'], {
    cwd: resolve(telemetryDir, '../..'),
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);

  collector = await startCollector({ config: testCollectorConfig() });
});

afterAll(async () => {
  await collector?.stop();
});

describe('register entry', () => {
  it('--import delivers on SIGTERM', async () => {
    const app = startApp(
      '--import',
      'signal-app.mjs',
      bufferedEnv(collector.endpoints.otlpHttp, 'esm-app'),
    );
    await waitForReady(app);

    app.child.kill('SIGTERM');
    const exit = await app.exited;

    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    const span = await waitForSpan(
      collector.path(OUTPUT_FILES.traces),
      (s) => s.resource['service.name'] === 'esm-app',
    );
    expect(span.name).toBe('signal-app.work');
    expect(span.resource['k8s.node.name']).toBe('node-e2e');
    expect(span.resource['mlsysops.layer']).toBe('node');

    const record = await waitForLogRecord(
      collector.path(OUTPUT_FILES.logs),
      (r) => r.resource['service.name'] === 'esm-app',
    );
    expect(record.body).toBe('esm app buffered a record');
    expect(record.traceId).toBe(span.traceId);
    expect(record.spanId).toBe(span.spanId);

    const jobs = readMetrics(collector.path(OUTPUT_FILES.metrics)).filter(
      (m) => m.name === 'signal_app.jobs' && m.resource['service.name'] === 'esm-app',
    );
    expect(jobs).toHaveLength(1);
    const points = (jobs[0]!.data.dataPoints as { asInt?: string; asDouble?: number }[]) ?? [];
    expect(Number(points[0]!.asInt ?? points[0]!.asDouble)).toBe(5);
  });

  it('--require delivers on SIGINT', async () => {
    const app = startApp(
      '--require',
      'signal-app.cjs',
      bufferedEnv(collector.endpoints.otlpHttp, 'cjs-app'),
    );
    await waitForReady(app);

    app.child.kill('SIGINT');
    const exit = await app.exited;

    expect(exit).toEqual({ code: null, signal: 'SIGINT' });
    const span = await waitForSpan(
      collector.path(OUTPUT_FILES.traces),
      (s) => s.resource['service.name'] === 'cjs-app',
    );
    expect(span.name).toBe('signal-app.work');
    const record = await waitForLogRecord(
      collector.path(OUTPUT_FILES.logs),
      (r) => r.resource['service.name'] === 'cjs-app',
    );
    expect(record.body).toBe('cjs app buffered a record');
    expect(record.spanId).toBe(span.spanId);

    const jobs = readMetrics(collector.path(OUTPUT_FILES.metrics)).filter(
      (m) => m.name === 'signal_app.jobs' && m.resource['service.name'] === 'cjs-app',
    );
    expect(jobs).toHaveLength(1);
  });

  it('flushes when a script ends', async () => {
    const app = startApp(
      '--import',
      'short-script.mjs',
      bufferedEnv(collector.endpoints.otlpHttp, 'short-app'),
    );

    const exit = await app.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    const span = await waitForSpan(
      collector.path(OUTPUT_FILES.traces),
      (s) => s.resource['service.name'] === 'short-app',
    );
    expect(span.name).toBe('short-script.run');
  });

  it('app SIGTERM listener keeps control', async () => {
    const app = startApp(
      '--import',
      'own-handler.mjs',
      bufferedEnv(collector.endpoints.otlpHttp, 'own-app'),
    );
    await waitForReady(app);

    app.child.kill('SIGTERM');
    const exit = await app.exited;

    expect(exit).toEqual({ code: 3, signal: null });
    expect(app.output()).toBe('ready\nshutdown ok=true\n');
    const span = await waitForSpan(
      collector.path(OUTPUT_FILES.traces),
      (s) => s.resource['service.name'] === 'own-app',
    );
    expect(span.name).toBe('own-handler.work');
  });

  it('unreachable agent meets the deadline', async () => {
    const closedPort = await freePort();
    const app = startApp('--import', 'signal-app.mjs', {
      ...bufferedEnv(`http://127.0.0.1:${closedPort}`, 'lost-app'),
      MLSYSOPS_SHUTDOWN_TIMEOUT_MILLIS: '1000',
    });
    await waitForReady(app);

    const started = Date.now();
    app.child.kill('SIGTERM');
    const exit = await app.exited;
    const elapsed = Date.now() - started;

    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(elapsed).toBeLessThan(3_000);
  });

  it('explicit short shutdown releases process', async () => {
    const agent = net.createServer((socket) => socket.on('error', () => undefined));
    await new Promise<void>((done) => agent.listen(0, '127.0.0.1', done));
    const { port } = agent.address() as net.AddressInfo;

    try {
      const started = Date.now();
      const child = spawn(process.execPath, [join(fixtures, 'explicit-shutdown-app.mjs')], {
        cwd: telemetryDir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          OTEL_SERVICE_NAME: 'explicit-app',
          MLSYSOPS_DISCOVERY_ENABLED: 'false',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const code = await new Promise<number | null>((done) => child.once('exit', done));

      // The agent accepts connections and never answers; the settings' own shutdown deadline
      // is 5 s, so an exit well before it shows the shorter deadline released everything.
      expect(code, output).toBe(0);
      expect(output).toContain('"timedOut":true');
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      agent.close();
    }
  });

  it('OTEL_SDK_DISABLED leaves app alone', async () => {
    const app = startApp('--import', 'signal-app.mjs', {
      ...bufferedEnv(collector.endpoints.otlpHttp, 'disabled-app'),
      OTEL_SDK_DISABLED: 'true',
    });
    await waitForReady(app);

    app.child.kill('SIGTERM');
    const exit = await app.exited;

    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(app.output()).toBe('ready\n');
  });
});
