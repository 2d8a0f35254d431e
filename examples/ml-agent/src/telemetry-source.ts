import type { Observation } from './policy.js';

/** A place the agent reads its observations from. */
export interface TelemetrySource {
  /** `promql <url>` or `prometheus-text <url>`, for logs and the demo summary. */
  readonly description: string;
  /** Reads one observation; a value the source has no data for is `undefined`. */
  read(): Promise<Observation>;
}

/** Prometheus names of the service's metrics after the Collector's prometheus exporter. */
export const PROMETHEUS_NAMES = {
  durationBucket: 'mlsysops_inference_duration_seconds_bucket',
  requests: 'mlsysops_inference_requests_total',
  errors: 'mlsysops_inference_errors_total',
  queueDepth: 'mlsysops_queue_depth',
} as const;

/**
 * Names the OpenTelemetry JS Prometheus exporter gives the same metrics (no unit suffix), as
 * the service's own GET /metrics serves them.
 */
export const SDK_PROMETHEUS_NAMES = {
  durationBucket: 'mlsysops_inference_duration_bucket',
  requests: 'mlsysops_inference_requests_total',
  errors: 'mlsysops_inference_errors_total',
  queueDepth: 'mlsysops_queue_depth',
} as const;
