import { DEFAULT_POLICY, type PolicyOptions } from './policy.js';

/** Settings of the ML agent, read from environment variables. */
export interface AgentConfig {
  /** Base URL of the inference service; `SERVICE_URL`, default http://127.0.0.1:8080. */
  serviceUrl: URL;
  /** Time between two iterations; `AGENT_INTERVAL_MILLIS`, default 5 000 ms. */
  intervalMillis: number;
  /** Iterations before the agent stops, 0 for no limit; `AGENT_MAX_ITERATIONS`, default 0. */
  maxIterations: number;
  /**
   * `promql` when `MLSYSOPS_QUERY_URL` is set (the PromQL client reads its other
   * `MLSYSOPS_QUERY_*` variables), otherwise `prometheus-text`.
   */
  source: 'promql' | 'prometheus-text';
  /**
   * Prometheus-format endpoint of the text source; `AGENT_METRICS_URL`, else
   * `LOCAL_OTEL_ENDPOINT`, else localhost:9999 (the node agent).
   */
  metricsEndpoint: string | undefined;
  /** Label matchers of the PromQL queries; `AGENT_PROMQL_SELECTOR`, default `job="inference-service"`. */
  promqlSelector: string;
  /** Rate and quantile window; `AGENT_WINDOW_SECONDS`, default 30 s. */
  windowSeconds: number;
  /** Hold time after an applied change; `AGENT_COOLDOWN_SECONDS`, default the window. */
  cooldownSeconds: number;
  /** `service_name` label the text source keeps; `AGENT_SERVICE_NAME`, default inference-service. */
  serviceName: string;
  /** Policy thresholds; `AGENT_LATENCY_TARGET_MILLIS` and `AGENT_QUEUE_HIGH_WATERMARK` override two. */
  policy: PolicyOptions;
}

/** Reads the configuration; an invalid value is reported through `warn` and replaced by the default. */
export function readAgentConfig(
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
): AgentConfig {
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;

    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      warn(
        `invalid ${name}="${raw}"; expected an integer from ${min} to ${max}; using ${fallback}`,
      );
      return fallback;
    }
    return value;
  };

  let serviceUrl = new URL('http://127.0.0.1:8080');
  const rawUrl = env.SERVICE_URL?.trim();
  if (rawUrl) {
    try {
      serviceUrl = new URL(rawUrl);
    } catch {
      warn(`invalid SERVICE_URL="${rawUrl}"; expected an http URL; using ${serviceUrl.href}`);
    }
  }

  const serviceName = env.AGENT_SERVICE_NAME?.trim() || 'inference-service';
  const windowSeconds = integer('AGENT_WINDOW_SECONDS', 30, 1, 3600);

  return {
    serviceUrl,
    intervalMillis: integer('AGENT_INTERVAL_MILLIS', 5000, 100, 3_600_000),
    maxIterations: integer('AGENT_MAX_ITERATIONS', 0, 0, 1_000_000),
    source: env.MLSYSOPS_QUERY_URL?.trim() ? 'promql' : 'prometheus-text',
    metricsEndpoint: env.AGENT_METRICS_URL?.trim() || undefined,
    promqlSelector: env.AGENT_PROMQL_SELECTOR?.trim() || `job="${serviceName}"`,
    windowSeconds,
    cooldownSeconds: integer('AGENT_COOLDOWN_SECONDS', windowSeconds, 0, 3600),
    serviceName,
    policy: {
      ...DEFAULT_POLICY,
      latencyTargetSeconds:
        integer(
          'AGENT_LATENCY_TARGET_MILLIS',
          DEFAULT_POLICY.latencyTargetSeconds * 1000,
          1,
          600_000,
        ) / 1000,
      queueHighWatermark: integer(
        'AGENT_QUEUE_HIGH_WATERMARK',
        DEFAULT_POLICY.queueHighWatermark,
        0,
        1_000_000,
      ),
    },
  };
}
