// Runs the three reference Collector configs of examples/collector/ as three processes on
// loopback: application -> node agent -> cluster gateway -> continuum gateway. Only the
// environment variables that the configs document are set: addresses, ports, the exporter
// choice of the continuum gateway (Prometheus for Mimir, file exporters for Loki and Tempo)
// and a short forward interval. The cluster gateway runs without its k8s_cluster pipeline,
// which this Collector build cannot contain (see withoutOrchestratorPipeline).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  type CollectorConfigContext,
  type CollectorHandle,
  startCollector,
} from './support/collector.js';
import type { PrometheusHandle } from './support/prometheus.js';

/** Folder of the reference Collector configs. */
export const CONFIG_DIR = join(import.meta.dirname, '..', 'examples', 'collector');

/** The three levels, by config file name without `.yaml`. */
export const LEVELS = ['node-agent', 'cluster-gateway', 'continuum-gateway'] as const;

/** One of {@link LEVELS}. */
export type Level = (typeof LEVELS)[number];

/** Node name that the node agent inserts as `k8s.node.name`. */
export const NODE_NAME = 'e2e-node-1';

/** Cluster name that the cluster gateway inserts as `k8s.cluster.name`. */
export const CLUSTER_NAME = 'e2e-cluster-a';

/** Returns the text of a reference config. */
export function readLevelConfig(level: Level): string {
  return readFileSync(join(CONFIG_DIR, `${level}.yaml`), 'utf8');
}

/** Result of {@link withoutOrchestratorPipeline}. */
export interface StrippedConfig {
  /** YAML text without the k8s_cluster receiver, its pipelines and their own processors. */
  text: string;
  /** Config paths that were removed, for the test output. */
  removed: string[];
}

/**
 * Removes the `k8s_cluster` receiver from a config, with every pipeline that reads from it
 * and every processor that only those pipelines use. The build under test/support/collector
 * cannot contain that receiver: its dependency k8sleaderelector v0.161.0 is not served by the
 * Go module proxy. Everything else stays as shipped.
 */
export function withoutOrchestratorPipeline(text: string): StrippedConfig {
  const config = parse(text) as Record<string, Record<string, unknown>>;
  const receivers = config.receivers as Record<string, unknown>;
  const processors = (config.processors ?? {}) as Record<string, unknown>;
  const service = config.service as {
    pipelines: Record<string, { receivers: string[]; processors?: string[] }>;
  };
  const removed: string[] = [];

  const receiverIds = Object.keys(receivers).filter((id) => id.split('/')[0] === 'k8s_cluster');
  for (const id of receiverIds) {
    delete receivers[id];
    removed.push(`receivers.${id}`);
  }

  const kept = new Set<string>();
  const dropped = new Set<string>();
  for (const [name, pipeline] of Object.entries(service.pipelines)) {
    const usesRemoved = pipeline.receivers.some((id) => receiverIds.includes(id));

    if (usesRemoved) {
      delete service.pipelines[name];
      removed.push(`service.pipelines.${name}`);
      for (const id of pipeline.processors ?? []) dropped.add(id);
    } else {
      for (const id of pipeline.processors ?? []) kept.add(id);
    }
  }

  for (const id of dropped) {
    if (kept.has(id)) continue;
    delete processors[id];
    removed.push(`processors.${id}`);
  }
  return { text: stringify(config), removed };
}

/** A Collector started from a reference config, with the environment it was given. */
export interface LevelCollector {
  handle: CollectorHandle;
  env: Record<string, string>;
}

/**
 * Starts a reference config with environment variables computed from the ports that
 * `startCollector` allocates. The function passed as `config` runs before the process is
 * spawned, and fills the same `env` object that `startCollector` spreads into the process
 * environment at every start and restart.
 */
export async function startLevelCollector(
  text: string,
  portNames: string[],
  envFor: (context: CollectorConfigContext) => Record<string, string>,
): Promise<LevelCollector> {
  const env: Record<string, string> = {};
  const handle = await startCollector({
    config: (context) => {
      Object.assign(env, standardEnv(context), envFor(context));
      return text;
    },
    portNames,
    env,
  });

  return { handle, env };
}

/**
 * Stops a level, waits `gapMillis` with nothing listening, and starts the same config again
 * on the same OTLP and Prometheus ports, as a pod restart does. Health and telemetry ports
 * are new, because `startCollector` allocates them afresh.
 */
export async function restartWithGap(
  level: LevelCollector,
  text: string,
  portNames: string[],
  gapMillis: number,
): Promise<LevelCollector> {
  const previousEnv = { ...level.env };
  await level.handle.stop();
  await new Promise((resolve) => setTimeout(resolve, gapMillis));

  return startLevelCollector(text, portNames, (context) => ({
    ...previousEnv,
    OTELCOL_HEALTH_CHECK_PORT: String(context.ports.health),
    OTELCOL_TELEMETRY_PORT: String(context.ports.telemetry),
  }));
}

/** Variables that every level reads, pointed at the ports `startCollector` allocated. */
function standardEnv(context: CollectorConfigContext): Record<string, string> {
  return {
    OTELCOL_LISTEN_HOST: '127.0.0.1',
    OTELCOL_OTLP_GRPC_PORT: String(context.ports.otlpGrpc),
    OTELCOL_OTLP_HTTP_PORT: String(context.ports.otlpHttp),
    OTELCOL_HEALTH_CHECK_PORT: String(context.ports.health),
    OTELCOL_TELEMETRY_PORT: String(context.ports.telemetry),
  };
}

/** The three running levels. */
export interface Levels {
  node: LevelCollector;
  cluster: LevelCollector;
  continuum: LevelCollector;
  /** Config paths removed from the cluster gateway config (k8s_cluster). */
  removedFromCluster: string[];
  /** `http://127.0.0.1:PORT/metrics`, the node agent's local Prometheus endpoint. */
  nodeMetricsUrl: string;
  /** File exporter output of the continuum gateway (the Loki stand-in). */
  logsFile: string;
  /** File exporter output of the continuum gateway (the Tempo stand-in). */
  tracesFile: string;
  /** Stops the three Collectors that the fields hold, node agent first. */
  stop(): Promise<void>;
}

/** Options of {@link startLevels}. */
export interface StartLevelsOptions {
  /** Prometheus, used in place of Mimir. */
  prometheus: PrometheusHandle;
  /** NODE_AGENT_FORWARD_INTERVAL; default `1s`. */
  forwardInterval?: string;
  /** More node agent variables, such as NODE_AGENT_QUEUE_ITEMS. */
  nodeEnv?: Record<string, string>;
}

/** Starts continuum gateway, cluster gateway and node agent, in that order. */
export async function startLevels(options: StartLevelsOptions): Promise<Levels> {
  const started: LevelCollector[] = [];
  const stopAll = async (): Promise<void> => {
    for (const level of [...started].reverse()) await level.handle.stop();
  };

  try {
    const continuum = await startLevelCollector(
      readLevelConfig('continuum-gateway'),
      ['unusedBackend'],
      (context) => {
        // No pipeline of this run uses the exporters that these variables address. They
        // point at a loopback port without a listener, so no default host name is resolved.
        const unused = `127.0.0.1:${context.ports.unusedBackend}`;
        return {
          CONTINUUM_METRICS_EXPORTER: 'prometheus_remote_write/mimir',
          CONTINUUM_LOGS_EXPORTER: 'file/logs',
          CONTINUUM_TRACES_EXPORTER: 'file/traces',
          MIMIR_REMOTE_WRITE_URL: options.prometheus.remoteWriteUrl,
          MIMIR_OTLP_ENDPOINT: `http://${unused}/otlp`,
          LOKI_OTLP_ENDPOINT: `http://${unused}/otlp`,
          TEMPO_OTLP_GRPC_ENDPOINT: unused,
          CONTINUUM_FILE_EXPORT_DIR: context.workDir,
        };
      },
    );
    started.push(continuum);

    const stripped = withoutOrchestratorPipeline(readLevelConfig('cluster-gateway'));
    const cluster = await startLevelCollector(stripped.text, [], () => ({
      K8S_CLUSTER_NAME: CLUSTER_NAME,
      CONTINUUM_GATEWAY_ENDPOINT: `127.0.0.1:${continuum.handle.ports.otlpGrpc}`,
      CONTINUUM_GATEWAY_INSECURE: 'true',
    }));
    started.push(cluster);

    const node = await startLevelCollector(
      readLevelConfig('node-agent'),
      ['prometheus'],
      (context) => ({
        K8S_NODE_NAME: NODE_NAME,
        OTELCOL_PROMETHEUS_PORT: String(context.ports.prometheus),
        CLUSTER_GATEWAY_ENDPOINT: `127.0.0.1:${cluster.handle.ports.otlpGrpc}`,
        CLUSTER_GATEWAY_INSECURE: 'true',
        NODE_AGENT_FORWARD_INTERVAL: options.forwardInterval ?? '1s',
        ...options.nodeEnv,
      }),
    );
    started.push(node);

    const levels: Levels = {
      node,
      cluster,
      continuum,
      removedFromCluster: stripped.removed,
      nodeMetricsUrl: `${node.handle.endpoints.prometheus}/metrics`,
      logsFile: continuum.handle.path('logs.jsonl'),
      tracesFile: continuum.handle.path('traces.jsonl'),
      // Stops the handles the fields hold now, which restartWithGap may have replaced.
      stop: async () => {
        for (const level of [levels.node, levels.cluster, levels.continuum])
          await level.handle.stop();
      },
    };
    return levels;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** One sample of the Prometheus text format. */
export interface TextSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Fetches a Prometheus text-format endpoint and returns the samples of the series named
 * `name`. Label values are unescaped (`\\`, `\"`, `\n`).
 */
export async function scrapeSamples(url: string, name: string): Promise<TextSample[]> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} failed with HTTP ${response.status}`);

  const samples: TextSample[] = [];
  for (const line of (await response.text()).split('\n')) {
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;

    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, (_all, c: string) =>
        c === 'n' ? '\n' : c,
      );
    }
    samples.push({ name, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Polls `check` every 100 ms until it returns a value, or throws after `timeoutMillis`. */
export async function eventually<T>(
  description: string,
  check: () => Promise<T | undefined>,
  timeoutMillis = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMillis;
  let lastError: unknown;

  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `timed out after ${timeoutMillis} ms waiting for ${description}: ${String(lastError ?? 'no match')}`,
  );
}
