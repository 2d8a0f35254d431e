import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { collectorBinaryPath } from './build-collector.mjs';
import { freePort } from './ports.js';
import { isRunning, spawnLogged, stopProcess, waitForHttpOk } from './process.js';

/** Port names that every Collector started by {@link startCollector} gets. */
export const STANDARD_PORT_NAMES = ['otlpHttp', 'otlpGrpc', 'health', 'telemetry'] as const;

/** Ports by placeholder name: the standard ones plus every extra name. */
export type CollectorPorts = Record<(typeof STANDARD_PORT_NAMES)[number], number> &
  Record<string, number>;

/** `http://127.0.0.1:PORT` for every entry of {@link CollectorPorts}. */
export type CollectorEndpoints = Record<(typeof STANDARD_PORT_NAMES)[number], string> &
  Record<string, string>;

/** Values that a config function receives. */
export interface CollectorConfigContext {
  ports: CollectorPorts;
  endpoints: CollectorEndpoints;
  workDir: string;
}

/**
 * Collector configuration: YAML text, a plain object (serialised with `yaml`), or a function
 * of the allocated ports and work dir returning either.
 *
 * Text and object values may contain `{{port:NAME}}` (replaced by the port number) and
 * `{{workDir}}` (replaced by the absolute work dir) anywhere in a string.
 */
export type CollectorConfig =
  | string
  | Record<string, unknown>
  | ((context: CollectorConfigContext) => string | Record<string, unknown>);

/** Options of {@link startCollector}. */
export interface StartCollectorOptions {
  /** The configuration; see {@link CollectorConfig}. */
  config: CollectorConfig;
  /**
   * Extra port names to allocate besides the standard ones, for example `['prometheus']`.
   * Names used in `{{port:NAME}}` placeholders are allocated without being listed here.
   */
  portNames?: string[];
  /** Collector binary; default MLSYSOPS_OTELCOL_BIN, else the cached build. */
  binaryPath?: string;
  /**
   * Extra environment variables for the Collector process, for configs that use
   * `${env:NAME}`. The object is read at every start and restart, so a config function may
   * still add entries to it.
   */
  env?: Record<string, string>;
  /** Maximum wait for the health endpoint in milliseconds; default 60000. */
  startTimeoutMillis?: number;
  /** Time between SIGTERM and SIGKILL in stop(), in milliseconds; default 10000. */
  stopTimeoutMillis?: number;
  /** Keep the work dir after stop() for inspection; default false. */
  keepWorkDir?: boolean;
}

/** A running Collector started by {@link startCollector}. */
export interface CollectorHandle {
  /** Process id of the current Collector process. */
  readonly pid: number;
  /** Allocated loopback ports by name. */
  readonly ports: CollectorPorts;
  /** `http://127.0.0.1:PORT` by port name. */
  readonly endpoints: CollectorEndpoints;
  /** Temporary folder with the config, the log and any output files. */
  readonly workDir: string;
  /** Path of the written config file. */
  readonly configPath: string;
  /** YAML text the Collector runs, after placeholder substitution. */
  readonly configText: string;
  /** Log file with the Collector's stdout and stderr (all runs, appended). */
  readonly logPath: string;
  /** Returns the absolute path of `name` inside the work dir. */
  path(name: string): string;
  /** Reads the whole log file. */
  log(): string;
  /** Stops the Collector (SIGTERM, then SIGKILL after the deadline) and removes the work dir. */
  stop(): Promise<void>;
  /** Stops the Collector and starts it again with the same config and ports. */
  restart(): Promise<void>;
}

const PLACEHOLDER = /\{\{port:([A-Za-z_][A-Za-z0-9_]*)\}\}/g;
const LOOPBACK = '127.0.0.1';

/**
 * Starts the mlsysops-otelcol Collector on free loopback ports and waits until its
 * health_check extension returns HTTP 200.
 *
 * The config gets what it lacks so that nothing binds a fixed port: a `health_check`
 * extension on `{{port:health}}`, endpoints for `receivers.otlp.protocols.{http,grpc}`, and
 * the Collector's own metrics on `{{port:telemetry}}` instead of the default 8888.
 */
export async function startCollector(options: StartCollectorOptions): Promise<CollectorHandle> {
  const binaryPath = resolveCollectorBinary(options.binaryPath);
  const workDir = mkdtempSync(join(tmpdir(), 'mlsysops-otelcol-'));

  try {
    const names = new Set<string>([...STANDARD_PORT_NAMES, ...(options.portNames ?? [])]);
    const raw = typeof options.config === 'function' ? undefined : options.config;
    for (const name of placeholderNames(raw)) names.add(name);

    const ports = await allocatePorts(names);
    const endpoints = endpointsFor(ports);
    const config =
      typeof options.config === 'function'
        ? options.config({ ports, endpoints, workDir })
        : options.config;

    const configText = renderConfig(config, ports, workDir);
    const configPath = join(workDir, 'config.yaml');
    writeFileSync(configPath, configText);

    const collector = new Collector({
      binaryPath,
      workDir,
      configPath,
      configText,
      ports,
      endpoints,
      env: options.env ?? {},
      startTimeoutMillis: options.startTimeoutMillis ?? 60_000,
      stopTimeoutMillis: options.stopTimeoutMillis ?? 10_000,
      keepWorkDir: options.keepWorkDir ?? false,
    });
    await collector.start();
    return collector;
  } catch (error) {
    if (!options.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
}

interface CollectorSettings {
  binaryPath: string;
  workDir: string;
  configPath: string;
  configText: string;
  ports: CollectorPorts;
  endpoints: CollectorEndpoints;
  env: Record<string, string>;
  startTimeoutMillis: number;
  stopTimeoutMillis: number;
  keepWorkDir: boolean;
}

class Collector implements CollectorHandle {
  readonly ports: CollectorPorts;
  readonly endpoints: CollectorEndpoints;
  readonly workDir: string;
  readonly configPath: string;
  readonly configText: string;
  readonly logPath: string;
  private child: ChildProcess | undefined;
  private stopped = false;

  constructor(private readonly settings: CollectorSettings) {
    this.ports = settings.ports;
    this.endpoints = settings.endpoints;
    this.workDir = settings.workDir;
    this.configPath = settings.configPath;
    this.configText = settings.configText;
    this.logPath = join(settings.workDir, 'collector.log');
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  path(name: string): string {
    return join(this.workDir, name);
  }

  log(): string {
    return existsSync(this.logPath) ? readFileSync(this.logPath, 'utf8') : '';
  }

  async start(): Promise<void> {
    const child = spawnLogged(this.settings.binaryPath, [`--config=file:${this.configPath}`], {
      logPath: this.logPath,
      cwd: this.workDir,
      env: { ...process.env, ...this.settings.env },
    });
    this.child = child;

    try {
      await waitForHttpOk(`${this.endpoints.health}/`, {
        child,
        name: 'Collector',
        logPath: this.logPath,
        timeoutMillis: this.settings.startTimeoutMillis,
      });
    } catch (error) {
      await stopProcess(child, this.settings.stopTimeoutMillis);
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;

    if (this.child) await stopProcess(this.child, this.settings.stopTimeoutMillis);
    if (!this.settings.keepWorkDir) {
      rmSync(this.workDir, { recursive: true, force: true });
    }
  }

  async restart(): Promise<void> {
    if (this.stopped)
      throw new Error('restart() failed: the Collector was stopped. Start a new one.');

    if (this.child && isRunning(this.child)) {
      await stopProcess(this.child, this.settings.stopTimeoutMillis);
    }
    await this.start();
  }
}

/**
 * Returns the Collector binary to run: `explicit`, else MLSYSOPS_OTELCOL_BIN (set by the
 * global setup), else the cached build for the current sources. Throws when it is missing.
 */
export function resolveCollectorBinary(explicit?: string): string {
  const path = explicit ?? process.env.MLSYSOPS_OTELCOL_BIN ?? collectorBinaryPath();

  if (!existsSync(path)) {
    throw new Error(
      `Collector binary not found at ${path}. Build it with 'pnpm run collector:build' ` +
        `(the end-to-end test setup does this by itself).`,
    );
  }
  return path;
}

/** Result of {@link validateConfig}. */
export interface ValidateResult {
  /** True when `mlsysops-otelcol validate` exited with code 0. */
  ok: boolean;
  /** Exit code of the validate command. */
  exitCode: number | null;
  /** stdout and stderr of the validate command. */
  output: string;
}

/** Options of {@link validateConfig}. */
export interface ValidateConfigOptions {
  /** Collector binary; same default as {@link startCollector}. */
  binaryPath?: string;
  /** Extra environment variables, for configs that use `${env:NAME}`. */
  env?: Record<string, string>;
  /** Maximum run time in milliseconds; default 30000. */
  timeoutMillis?: number;
}

/**
 * Runs `mlsysops-otelcol validate --config=...` on a config (YAML text or an object) and
 * returns the outcome. It checks structure and component settings and binds no port.
 */
export function validateConfig(
  config: string | Record<string, unknown>,
  options: ValidateConfigOptions = {},
): ValidateResult {
  const binaryPath = resolveCollectorBinary(options.binaryPath);
  const workDir = mkdtempSync(join(tmpdir(), 'mlsysops-otelcol-validate-'));

  try {
    const configPath = join(workDir, 'config.yaml');
    writeFileSync(configPath, typeof config === 'string' ? config : stringify(config));

    const result = spawnSync(binaryPath, ['validate', `--config=file:${configPath}`], {
      cwd: workDir,
      env: { ...process.env, ...options.env },
      encoding: 'utf8',
      timeout: options.timeoutMillis ?? 30_000,
    });
    if (result.error) throw result.error;

    return {
      ok: result.status === 0,
      exitCode: result.status,
      output: `${result.stdout}${result.stderr}`,
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

function placeholderNames(config: string | Record<string, unknown> | undefined): string[] {
  if (config === undefined) return [];

  const text = typeof config === 'string' ? config : JSON.stringify(config);
  return [...text.matchAll(PLACEHOLDER)].map((match) => match[1] as string);
}

async function allocatePorts(names: Set<string>): Promise<CollectorPorts> {
  const ports: Record<string, number> = {};

  for (const name of names) ports[name] = await freePort(LOOPBACK);
  return ports as CollectorPorts;
}

function endpointsFor(ports: CollectorPorts): CollectorEndpoints {
  const endpoints: Record<string, string> = {};

  for (const [name, port] of Object.entries(ports)) endpoints[name] = `http://${LOOPBACK}:${port}`;
  return endpoints as CollectorEndpoints;
}

/** Substitutes placeholders, fills the loopback defaults, and returns YAML text. */
function renderConfig(
  config: string | Record<string, unknown>,
  ports: CollectorPorts,
  workDir: string,
): string {
  const text = typeof config === 'string' ? config : stringify(config);
  const substituted = substitute(text, ports, workDir);
  const parsed: unknown = parse(substituted);

  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error('invalid Collector config: expected a YAML mapping at the top level');
  }
  fillLoopbackDefaults(parsed as Record<string, unknown>, ports);
  return stringify(parsed);
}

function substitute(text: string, ports: CollectorPorts, workDir: string): string {
  const replaced = text
    .replace(PLACEHOLDER, (match, name: string) => {
      const port = ports[name];
      if (port === undefined) {
        // Only a config function can reach this, because it runs after the allocation.
        throw new Error(
          `invalid Collector config: no port allocated for ${match}. ` +
            `Add '${name}' to the portNames option.`,
        );
      }
      return String(port);
    })
    .replaceAll('{{workDir}}', workDir);

  const leftover = /\{\{[^}]*\}\}/.exec(replaced);
  if (leftover) {
    throw new Error(
      `invalid Collector config: unknown placeholder ${leftover[0]}. ` +
        `Use {{port:NAME}} or {{workDir}}.`,
    );
  }
  return replaced;
}

function fillLoopbackDefaults(config: Record<string, unknown>, ports: CollectorPorts): void {
  const extensions = mapping(config, 'extensions');
  const healthCheck = mapping(extensions, 'health_check');
  healthCheck.endpoint ??= `${LOOPBACK}:${ports.health}`;

  const service = mapping(config, 'service');
  const serviceExtensions = Array.isArray(service.extensions) ? service.extensions : [];
  if (!serviceExtensions.includes('health_check')) serviceExtensions.push('health_check');
  service.extensions = serviceExtensions;

  const telemetry = mapping(service, 'telemetry');
  const metrics = mapping(telemetry, 'metrics');
  if (metrics.readers === undefined && metrics.level !== 'none') {
    metrics.readers = [
      { pull: { exporter: { prometheus: { host: LOOPBACK, port: ports.telemetry } } } },
    ];
  }

  const receivers = config.receivers as Record<string, unknown> | undefined;
  const otlp = receivers?.otlp as Record<string, unknown> | null | undefined;
  if (receivers && otlp !== undefined) {
    const protocols = mapping(mapping(receivers, 'otlp'), 'protocols');
    if ('http' in protocols)
      mapping(protocols, 'http').endpoint ??= `${LOOPBACK}:${ports.otlpHttp}`;
    if ('grpc' in protocols)
      mapping(protocols, 'grpc').endpoint ??= `${LOOPBACK}:${ports.otlpGrpc}`;
  }
}

// Returns parent[key] as a mapping, creating it when it is missing or null (YAML `key:`).
function mapping(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = parent[key];

  if (value === undefined || value === null) {
    const created: Record<string, unknown> = {};
    parent[key] = created;
    return created;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`invalid Collector config: '${key}' must be a mapping, got ${typeof value}`);
  }
  return value as Record<string, unknown>;
}
