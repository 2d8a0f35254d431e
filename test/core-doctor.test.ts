import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorHandle, startCollector } from './support/collector.js';
import { testCollectorConfig } from './support/collector-config.js';
import { freePort } from './support/ports.js';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = resolve(ROOT, 'packages/cli/src/bin.ts');

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI from source (tsx, workspace packages from src/) with only the variables
 * given, so no address from the shell reaches the probes.
 */
function runDoctor(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--conditions=mlsysops-source', '--import', 'tsx', BIN, 'doctor', ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', MLSYSOPS_DISCOVERY_LOCALHOST: 'false', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('mlsysops-telemetry doctor', () => {
  let collector: CollectorHandle;

  beforeAll(async () => {
    collector = await startCollector({ config: testCollectorConfig({ prometheusExporter: true }) });
  });

  afterAll(async () => {
    await collector?.stop();
  });

  it('exits 0 and prints JSON for a reachable Collector', async () => {
    const run = await runDoctor(
      ['--json', '--http-ports', String(collector.ports.otlpHttp), '--grpc-ports', ''],
      {
        NODE_IP: '127.0.0.1',
        NODE_HOSTNAME: 'edge-node-1',
        MLSYSOPS_LAYER: 'node',
        MLSYSOPS_CONTINUUM_TIER: 'edge',
        OTEL_SERVICE_NAME: 'camera-ingest',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20do-not-print',
        LOCAL_OTEL_ENDPOINT: `127.0.0.1:${collector.ports.prometheus}`,
      },
    );

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.agent).toEqual({
      endpoint: `http://127.0.0.1:${collector.ports.otlpHttp}`,
      protocol: 'http/protobuf',
      source: 'NODE_IP',
      reachable: true,
    });
    expect(report.resource['service.name']).toBe('camera-ingest');
    expect(report.resource['k8s.node.name']).toBe('edge-node-1');
    expect(report.resource['mlsysops.continuum.tier']).toBe('edge');
    expect(report.candidates).toEqual([
      expect.objectContaining({
        endpoint: `http://127.0.0.1:${collector.ports.otlpHttp}`,
        source: 'NODE_IP',
        outcome: 'otlp',
        millis: expect.any(Number),
      }),
    ]);
    expect(report.localEndpoint).toMatchObject({
      url: `http://127.0.0.1:${collector.ports.prometheus}/metrics`,
      source: 'LOCAL_OTEL_ENDPOINT',
      reachable: true,
      outcome: 'ok',
    });
    expect(report.warnings).toEqual([]);
    expect(run.stdout).not.toContain('do-not-print');
  });

  it('finds the gRPC receiver from TELEMETRY_ENDPOINT', async () => {
    const run = await runDoctor(
      ['--json', '--http-ports', '', '--grpc-ports', '', '--no-local-check'],
      {
        TELEMETRY_ENDPOINT: `127.0.0.1:${collector.ports.otlpGrpc}`,
      },
    );

    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.agent.protocol).toBe('grpc');
    expect(report.agent.source).toBe('TELEMETRY_ENDPOINT');
  });

  it('exits 2 when no agent responds', async () => {
    const port = await freePort();
    const run = await runDoctor(['--http-ports', String(port), '--grpc-ports', ''], {
      NODE_IP: '127.0.0.1',
      OTEL_SDK_DISABLED: 'maybe',
      LOCAL_OTEL_ENDPOINT: `127.0.0.1:${port}`,
    });

    expect(run.code).toBe(2);
    expect(run.stdout).toContain('  reachable  no');
    expect(run.stdout).toContain(`refused`);
    expect(run.stdout).toContain(
      '  - OTEL_SDK_DISABLED="maybe" is invalid: expected true or false',
    );
    expect(run.stdout).toContain(
      `  - local Prometheus endpoint http://127.0.0.1:${port}/metrics (from LOCAL_OTEL_ENDPOINT) did not respond: refused (ECONNREFUSED)`,
    );
  });

  it('exits 1 on a usage error', async () => {
    const run = await runDoctor(['--probe-budget-millis', 'soon', '--no-local-check'], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      '--probe-budget-millis "soon" is invalid: expected a positive integer of milliseconds',
    );
  });
});
