import { BATCH_SIZE_RANGE, WORKERS_RANGE } from './validation.js';

/** Settings of the inference service, read from environment variables. */
export interface ServiceConfig {
  /** Listen address; `INFERENCE_HOST`, default 127.0.0.1 (the Kubernetes manifest sets 0.0.0.0). */
  host: string;
  /** Listen port; `INFERENCE_PORT`, default 8080, 0 picks a free port. */
  port: number;
  /** Initial batch size; `INFERENCE_BATCH_SIZE`, default 4. */
  batchSize: number;
  /** Initial worker count; `INFERENCE_WORKERS`, default 1. */
  workers: number;
  /** Maximum wait for a batch to fill: `INFERENCE_MAX_WAIT_MILLIS`, default 5 ms. */
  maxWaitMillis: number;
  /** Queue length above which /predict returns 503: `INFERENCE_MAX_QUEUE_LENGTH`, default 1000. */
  maxQueueLength: number;
  /** Simulated dispatch cost per batch; `INFERENCE_DISPATCH_MILLIS`, default 25 ms. */
  dispatchMillis: number;
  /** Simulated cost per batched request; `INFERENCE_PER_ITEM_MILLIS`, default 2 ms. */
  perItemMillis: number;
  /**
   * Window of the pre-aggregated request metrics; `INFERENCE_PREAGGREGATION_INTERVAL_MILLIS`,
   * default 10 000 ms. Each window exports one data point per series.
   */
  preAggregationIntervalMillis: number;
  /** Serves GET /metrics in Prometheus text format; `INFERENCE_METRICS_ENDPOINT=true`. */
  exposeMetrics: boolean;
}

interface Range {
  min: number;
  max: number;
}

/**
 * Reads the configuration from `env`. An invalid value is reported through `warn` and
 * replaced by the default, so a typo in a manifest does not stop the service.
 */
export function readServiceConfig(
  env: NodeJS.ProcessEnv,
  warn: (message: string) => void,
): ServiceConfig {
  const integer = (name: string, fallback: number, range: Range): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;

    const value = Number(raw);
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      warn(
        `invalid ${name}="${raw}"; expected an integer from ${range.min} to ${range.max}; using ${fallback}`,
      );
      return fallback;
    }
    return value;
  };

  const flag = (name: string): boolean => {
    const raw = env[name]?.trim().toLowerCase();
    if (raw === undefined || raw === '') return false;
    if (raw === 'true' || raw === '1') return true;
    if (raw !== 'false' && raw !== '0') {
      warn(`invalid ${name}="${env[name]}"; expected true or false; using false`);
    }
    return false;
  };

  return {
    host: env.INFERENCE_HOST?.trim() || '127.0.0.1',
    port: integer('INFERENCE_PORT', 8080, { min: 0, max: 65_535 }),
    batchSize: integer('INFERENCE_BATCH_SIZE', 4, BATCH_SIZE_RANGE),
    workers: integer('INFERENCE_WORKERS', 1, WORKERS_RANGE),
    maxWaitMillis: integer('INFERENCE_MAX_WAIT_MILLIS', 5, { min: 0, max: 10_000 }),
    maxQueueLength: integer('INFERENCE_MAX_QUEUE_LENGTH', 1000, { min: 1, max: 100_000 }),
    dispatchMillis: integer('INFERENCE_DISPATCH_MILLIS', 25, { min: 0, max: 10_000 }),
    perItemMillis: integer('INFERENCE_PER_ITEM_MILLIS', 2, { min: 0, max: 1000 }),
    preAggregationIntervalMillis: integer('INFERENCE_PREAGGREGATION_INTERVAL_MILLIS', 10_000, {
      min: 100,
      max: 3_600_000,
    }),
    exposeMetrics: flag('INFERENCE_METRICS_ENDPOINT'),
  };
}
