// Runs `node scripts/demo.mjs` for the demo tests and returns its output and JSON summary.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Result of one demo run. */
export interface DemoRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Parsed `summary.json`, when the demo wrote one. */
  summary: DemoSummary | undefined;
}

/** The fields of the demo's summary.json that the tests check. */
export interface DemoSummary {
  mode: { mode: 'full' | 'embedded'; reason?: string };
  outDir: string;
  service: {
    counters: {
      inferenceRequests: number;
      requestsByStatus: Record<string, number>;
      predictionsByLabel: Record<string, number>;
      batches: number;
    };
    preAggregation: { recorded: number; exportedPoints: number };
  };
  load: { sent: number; succeeded: number; failed: Record<string, number> };
  agent: {
    source: string;
    iterations: {
      iteration: number;
      decision: { action: string; reason: string };
      error?: string;
    }[];
  };
  promql?: Record<
    string,
    { promql: string; samples: { labels: Record<string, string>; value: number }[] }
  >;
  nodeLevel?: number;
  files?: {
    logs: { records: number; withTraceId: number; services: string[] };
    traces: { records: number; services: string[] };
  };
}

// Variables that would point the demo's children away from loopback. The demo clears them
// as well; clearing them here also keeps them from the demo process itself.
const ADDRESS_VARIABLES = [
  'NODE_IP',
  'NODE_HOSTNAME',
  'OTEL_NODE_IP',
  'HOST_IP',
  'K8S_NODE_IP',
  'K8S_NODE_NAME',
  'TELEMETRY_ENDPOINT',
  'LOCAL_OTEL_ENDPOINT',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'MLSYSOPS_QUERY_URL',
];

/** Runs the demo with `args` and `extraEnv`, killing it after `timeoutMillis`. */
export function runDemo(
  args: string[],
  timeoutMillis: number,
  extraEnv: Record<string, string> = {},
): Promise<DemoRun> {
  const env = { ...process.env, ...extraEnv };
  for (const name of ADDRESS_VARIABLES) delete env[name];

  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '..', 'scripts', 'demo.mjs'), ...args],
    {
      cwd: join(import.meta.dirname, '..'),
      env,
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

  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMillis);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      const path = /summary as JSON: (\S+)/.exec(stdout)?.[1];
      const summary =
        path === undefined ? undefined : (JSON.parse(readFileSync(path, 'utf8')) as DemoSummary);
      resolve({ exitCode, stdout, stderr, summary });
    });
  });
}
