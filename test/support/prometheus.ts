import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports.js';
import { spawnLogged, stopProcess, waitForHttpOk } from './process.js';

/** One series of an instant query result. */
export interface PrometheusSample {
  /** Series labels, including `__name__` when the query keeps it. */
  labels: Record<string, string>;
  /** Sample value; NaN and ±Inf are kept as numbers. */
  value: number;
  /** Sample time in seconds since the epoch. */
  timestampSeconds: number;
}

/** One series of a range query result. */
export interface PrometheusSeries {
  labels: Record<string, string>;
  /** `[timestampSeconds, value]` pairs in time order. */
  values: [number, number][];
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** Prometheus binary; default PROMETHEUS_BIN, else /usr/bin/prometheus. */
  binaryPath?: string;
  /**
   * `host:port` targets to scrape at path /metrics, for example a Collector's `prometheus`
   * exporter. All go into one job named `scrape`.
   */
  scrapeTargets?: string[];
  /** Scrape and evaluation interval in seconds; default 1. */
  scrapeIntervalSeconds?: number;
  /** Extra command-line flags. */
  extraArgs?: string[];
  /** Maximum wait for /-/ready in milliseconds; default 60000. */
  startTimeoutMillis?: number;
  /** Time between SIGTERM and SIGKILL in stop(), in milliseconds; default 10000. */
  stopTimeoutMillis?: number;
}

/** A running Prometheus started by {@link startPrometheus}. */
export interface PrometheusHandle {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Remote-write receiver URL, `<url>/api/v1/write`. */
  readonly remoteWriteUrl: string;
  readonly port: number;
  readonly pid: number;
  /** Temporary folder with the config, the TSDB and the log. */
  readonly workDir: string;
  readonly logPath: string;
  /** Reads the whole Prometheus log. */
  log(): string;
  /** Runs an instant query at `timeSeconds` (default now); scalar results give one sample. */
  query(promql: string, timeSeconds?: number): Promise<PrometheusSample[]>;
  /** Runs a range query from `startSeconds` to `endSeconds` with `stepSeconds` resolution. */
  queryRange(
    promql: string,
    startSeconds: number,
    endSeconds: number,
    stepSeconds: number,
  ): Promise<PrometheusSeries[]>;
  /**
   * Repeats the instant query until `predicate` holds, and returns that result. Throws after
   * `timeoutMillis` (default 30000) with the query and the last result.
   */
  waitFor(
    promql: string,
    predicate: (samples: PrometheusSample[]) => boolean,
    timeoutMillis?: number,
  ): Promise<PrometheusSample[]>;
  /** Stops Prometheus (SIGTERM, then SIGKILL after the deadline) and removes the work dir. */
  stop(): Promise<void>;
}

const DEFAULT_BINARY = '/usr/bin/prometheus';

/**
 * Starts Prometheus on a free loopback port with the remote-write receiver on, a fresh TSDB
 * in a temp dir, and a config that scrapes only `scrapeTargets`. Waits for `/-/ready`.
 */
export async function startPrometheus(
  options: StartPrometheusOptions = {},
): Promise<PrometheusHandle> {
  const binaryPath = resolvePrometheusBinary(options.binaryPath);
  const workDir = mkdtempSync(join(tmpdir(), 'mlsysops-prometheus-'));

  try {
    const port = await freePort('127.0.0.1');
    const configPath = join(workDir, 'prometheus.yml');
    const storagePath = join(workDir, 'data');
    mkdirSync(storagePath);
    writeFileSync(configPath, prometheusConfig(options));

    const args = [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${storagePath}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--storage.tsdb.retention.time=1d',
      ...(options.extraArgs ?? []),
    ];

    const handle = new Prometheus(binaryPath, args, workDir, port, options);
    await handle.start();
    return handle;
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Returns the Prometheus binary to run: `explicit`, else PROMETHEUS_BIN, else
 * /usr/bin/prometheus. Throws with install instructions when it is missing.
 */
export function resolvePrometheusBinary(explicit?: string): string {
  const path = explicit ?? process.env.PROMETHEUS_BIN ?? DEFAULT_BINARY;

  if (!existsSync(path)) {
    throw new Error(
      `Prometheus not found at ${path}. Install it with 'apt-get install prometheus' ` +
        `(Debian/Ubuntu), or set PROMETHEUS_BIN to a prometheus 2.x binary.`,
    );
  }
  return path;
}

/** Returns the first line of `prometheus --version`, for example `prometheus, version 2.42.0+ds`. */
export function prometheusVersion(binaryPath?: string): string {
  const result = spawnSync(resolvePrometheusBinary(binaryPath), ['--version'], {
    encoding: 'utf8',
  });
  return `${result.stdout}${result.stderr}`.split('\n')[0]?.trim() ?? '';
}

class Prometheus implements PrometheusHandle {
  readonly url: string;
  readonly remoteWriteUrl: string;
  readonly logPath: string;
  private child: ChildProcess | undefined;
  private stopped = false;

  constructor(
    private readonly binaryPath: string,
    private readonly args: string[],
    readonly workDir: string,
    readonly port: number,
    private readonly options: StartPrometheusOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.remoteWriteUrl = `${this.url}/api/v1/write`;
    this.logPath = join(workDir, 'prometheus.log');
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  log(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  async start(): Promise<void> {
    const child = spawnLogged(this.binaryPath, this.args, {
      logPath: this.logPath,
      cwd: this.workDir,
    });
    this.child = child;

    try {
      await waitForHttpOk(`${this.url}/-/ready`, {
        child,
        name: 'Prometheus',
        logPath: this.logPath,
        timeoutMillis: this.options.startTimeoutMillis ?? 60_000,
      });
    } catch (error) {
      await stopProcess(child, this.options.stopTimeoutMillis ?? 10_000);
      throw error;
    }
  }

  async query(promql: string, timeSeconds?: number): Promise<PrometheusSample[]> {
    const params = new URLSearchParams({ query: promql });
    if (timeSeconds !== undefined) params.set('time', String(timeSeconds));

    const data = await this.get('/api/v1/query', params, promql);
    return parseInstant(data);
  }

  async queryRange(
    promql: string,
    startSeconds: number,
    endSeconds: number,
    stepSeconds: number,
  ): Promise<PrometheusSeries[]> {
    const params = new URLSearchParams({
      query: promql,
      start: String(startSeconds),
      end: String(endSeconds),
      step: String(stepSeconds),
    });

    const data = await this.get('/api/v1/query_range', params, promql);
    const result = (data.result ?? []) as { metric: Record<string, string>; values: unknown[] }[];
    return result.map((series) => ({
      labels: series.metric,
      values: series.values.map((pair) => {
        const [time, value] = pair as [number, string];
        return [time, Number(value)] as [number, number];
      }),
    }));
  }

  async waitFor(
    promql: string,
    predicate: (samples: PrometheusSample[]) => boolean,
    timeoutMillis = 30_000,
  ): Promise<PrometheusSample[]> {
    const deadline = Date.now() + timeoutMillis;
    let last: PrometheusSample[] = [];

    while (true) {
      last = await this.query(promql);
      if (predicate(last)) return last;

      if (Date.now() >= deadline) {
        throw new Error(
          `timed out after ${timeoutMillis} ms waiting for PromQL '${promql}' to match; ` +
            `last result: ${JSON.stringify(last)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;

    if (this.child) await stopProcess(this.child, this.options.stopTimeoutMillis ?? 10_000);
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private async get(
    path: string,
    params: URLSearchParams,
    promql: string,
  ): Promise<Record<string, unknown>> {
    const response = await fetch(`${this.url}${path}?${params}`, {
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as {
      status: string;
      data?: Record<string, unknown>;
      errorType?: string;
      error?: string;
    };

    if (body.status !== 'success' || !body.data) {
      throw new Error(
        `Prometheus ${path} failed for '${promql}': HTTP ${response.status}, ` +
          `${body.errorType ?? 'unknown error type'}: ${body.error ?? 'no message'}`,
      );
    }
    return body.data;
  }
}

function parseInstant(data: Record<string, unknown>): PrometheusSample[] {
  if (data.resultType === 'scalar' || data.resultType === 'string') {
    const [time, value] = data.result as [number, string];
    return [{ labels: {}, value: Number(value), timestampSeconds: time }];
  }
  if (data.resultType !== 'vector') {
    throw new Error(`expected a vector result from an instant query, got ${data.resultType}`);
  }

  const result = data.result as { metric: Record<string, string>; value: [number, string] }[];
  return result.map((sample) => ({
    labels: sample.metric,
    value: Number(sample.value[1]),
    timestampSeconds: sample.value[0],
  }));
}

function prometheusConfig(options: StartPrometheusOptions): string {
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  const config: Record<string, unknown> = {
    global: { scrape_interval: interval, evaluation_interval: interval },
  };

  if (options.scrapeTargets && options.scrapeTargets.length > 0) {
    for (const target of options.scrapeTargets) assertLoopbackTarget(target);
    config.scrape_configs = [
      { job_name: 'scrape', static_configs: [{ targets: options.scrapeTargets }] },
    ];
  }
  return stringify(config);
}

// Tests scrape only servers they started on this machine.
function assertLoopbackTarget(target: string): void {
  const host = target.startsWith('[') ? target.slice(1, target.indexOf(']')) : target.split(':')[0];

  if (host !== '127.0.0.1' && host !== '::1' && host !== 'localhost') {
    throw new Error(
      `invalid scrape target '${target}': expected a loopback host:port ` +
        `(127.0.0.1, [::1] or localhost)`,
    );
  }
}
