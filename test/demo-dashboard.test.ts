// Runs every PromQL expression of examples/kubernetes/apps/grafana-dashboard.json against
// Prometheus fed by the three Collector levels, while the example service and agent run.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type Levels, startLevels } from './levels-harness.js';
import { type PrometheusHandle, startPrometheus } from './support/prometheus.js';

const ROOT = join(import.meta.dirname, '..');

interface Panel {
  title: string;
  type: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(
  readFileSync(join(ROOT, 'examples/kubernetes/apps/grafana-dashboard.json'), 'utf8'),
) as { panels: Panel[]; uid: string };

/** Replaces the dashboard variables with the values the Grafana UI would use. */
function resolveVariables(expr: string): string {
  return expr
    .replaceAll('$service', 'inference-service')
    .replaceAll('$agent', 'ml-agent')
    .replaceAll('$__rate_interval', '20s')
    .replaceAll('$__range', '5m');
}

/** Starts an example entry with tsx and resolves with its first stdout JSON line. */
function startExample(
  entry: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; first: Record<string, unknown> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=mlsysops-source', entry],
    {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve({ child, first: JSON.parse(line) }),
    );
  });
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('demo grafana dashboard', () => {
  let prometheus: PrometheusHandle;
  let levels: Levels;
  let service: ChildProcess | undefined;
  let agent: ChildProcess | undefined;

  beforeAll(async () => {
    prometheus = await startPrometheus({ scrapeIntervalSeconds: 1 });
    levels = await startLevels({ prometheus, forwardInterval: '1s' });

    // Only what node and tsx need, so no address variable from the shell reaches the apps.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      MLSYSOPS_DISCOVERY_ENABLED: 'false',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${levels.node.handle.ports.otlpHttp}`,
    };
    const started = await startExample('examples/inference-service/src/main.ts', {
      ...env,
      OTEL_SERVICE_NAME: 'inference-service',
      INFERENCE_PORT: '0',
      INFERENCE_PREAGGREGATION_INTERVAL_MILLIS: '1000',
    });
    service = started.child;
    const url = String(started.first.url);

    agent = (
      await startExample('examples/ml-agent/src/main.ts', {
        ...env,
        OTEL_SERVICE_NAME: 'ml-agent',
        SERVICE_URL: url,
        MLSYSOPS_QUERY_URL: prometheus.url,
        AGENT_INTERVAL_MILLIS: '1000',
      })
    ).child;

    // One invalid request gives the error panels a series.
    await fetch(`${url}/predict`, { method: 'POST', body: '{}' });
    for (let i = 0; i < 60; i++) {
      const body = JSON.stringify({
        rssiDbm: -50 - i / 2,
        packetLossPct: i / 10,
        rttMs: 20 + i,
        jitterMs: 2,
      });
      await fetch(`${url}/predict`, { method: 'POST', body });
    }

    await eventually(
      'request total in Prometheus',
      async () => {
        const samples = await prometheus.query(
          'sum(mlsysops_inference_requests_total{job="inference-service"})',
        );
        return samples[0]?.value === 61 ? true : undefined;
      },
      60_000,
    );
  });

  afterAll(async () => {
    await stopChild(agent);
    await stopChild(service);
    await levels?.stop();
    await prometheus?.stop();
  });

  it('has unique panel ids', () => {
    const ids = (dashboard.panels as unknown as { id: number }[]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.uid).toBe('mlsysops-example-inference');
  });

  it('returns data for every query', async () => {
    const empty: string[] = [];
    let queries = 0;

    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        queries++;
        const samples = await prometheus.query(resolveVariables(target.expr));
        if (samples.length === 0) empty.push(`${panel.title}: ${target.expr}`);
      }
    }

    expect(queries).toBe(19);
    expect(empty).toEqual([]);
  });
});
