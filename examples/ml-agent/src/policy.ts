/** Batch size and worker count of the inference service, as GET /control returns them. */
export interface ServiceSettings {
  /** Largest number of requests processed together. */
  batchSize: number;
  /** Number of batches processed concurrently. */
  workers: number;
}

/** Telemetry values read in one iteration; a value is `undefined` when there is no data yet. */
export interface Observation {
  /** 95th percentile of /predict latency over the query window, in seconds. */
  p95LatencySeconds: number | undefined;
  /** /predict requests per second over the query window. */
  requestRate: number | undefined;
  /** Requests waiting for a worker, latest value. */
  queueDepth: number | undefined;
  /** Failed requests per second over the query window. */
  errorRate: number | undefined;
}

/** Thresholds and limits of {@link decide}. */
export interface PolicyOptions {
  /** p95 latency above which the agent scales up, in seconds. Default 0.15. */
  latencyTargetSeconds: number;
  /** Queue depth above which the agent raises the batch size. Default 20. */
  queueHighWatermark: number;
  /** Request rate below which, with an empty queue and low latency, the agent scales down. Default 40. */
  idleRequestRate: number;
  /** Largest batch size the agent sets. Default 64. */
  maxBatchSize: number;
  /** Largest worker count the agent sets. Default 8. */
  maxWorkers: number;
  /** Smallest batch size the agent sets. Default 4, the service's default. */
  minBatchSize: number;
  /** Smallest worker count the agent sets. Default 1. */
  minWorkers: number;
}

/** Default thresholds, matched to the example service's default cost model. */
export const DEFAULT_POLICY: PolicyOptions = {
  latencyTargetSeconds: 0.15,
  queueHighWatermark: 20,
  idleRequestRate: 40,
  maxBatchSize: 64,
  maxWorkers: 8,
  minBatchSize: 4,
  minWorkers: 1,
};

/** Outcome of one decide step. */
export interface Decision {
  /** `scale-up`, `scale-down` or `hold`. */
  action: 'scale-up' | 'scale-down' | 'hold';
  /** One sentence that explains the action with the observed values. */
  reason: string;
  /** Settings to apply; equal to the current ones for `hold`. */
  target: ServiceSettings;
}

const format = (value: number | undefined, digits: number, unit = ''): string =>
  value === undefined ? 'no data' : `${value.toFixed(digits)}${unit}`;

/**
 * Decides how to change the service's settings from one observation:
 * - a queue above the watermark raises the batch size (x2), because batching amortizes the
 *   per-batch dispatch cost and so raises throughput the most;
 * - a high p95 latency with a short queue adds a worker, because batches then wait for a
 *   free worker rather than for a full batch;
 * - a low request rate with an empty queue and a p95 under half the target removes a worker,
 *   then halves the batch size, to give capacity back;
 * - otherwise, or without data, the settings stay.
 */
export function decide(
  observation: Observation,
  current: ServiceSettings,
  policy: PolicyOptions = DEFAULT_POLICY,
): Decision {
  const { p95LatencySeconds: p95, requestRate: rate, queueDepth: queue } = observation;
  const summary =
    `p95 ${format(p95 === undefined ? undefined : p95 * 1000, 1, ' ms')}, ` +
    `rate ${format(rate, 1, ' req/s')}, queue ${format(queue, 0)}`;

  if (p95 === undefined && rate === undefined && queue === undefined) {
    return { action: 'hold', reason: 'no telemetry yet', target: current };
  }

  if (queue !== undefined && queue > policy.queueHighWatermark) {
    if (current.batchSize < policy.maxBatchSize) {
      const batchSize = Math.min(policy.maxBatchSize, current.batchSize * 2);
      return {
        action: 'scale-up',
        reason: `queue above ${policy.queueHighWatermark} (${summary}): batch size ${current.batchSize} -> ${batchSize}`,
        target: { ...current, batchSize },
      };
    }
    if (current.workers < policy.maxWorkers) {
      return {
        action: 'scale-up',
        reason: `queue above ${policy.queueHighWatermark} at the maximum batch size (${summary}): workers ${current.workers} -> ${current.workers + 1}`,
        target: { ...current, workers: current.workers + 1 },
      };
    }
    return { action: 'hold', reason: `overloaded but at the limits (${summary})`, target: current };
  }

  if (p95 !== undefined && p95 > policy.latencyTargetSeconds) {
    if (current.workers < policy.maxWorkers) {
      return {
        action: 'scale-up',
        reason: `p95 above the ${policy.latencyTargetSeconds * 1000} ms target (${summary}): workers ${current.workers} -> ${current.workers + 1}`,
        target: { ...current, workers: current.workers + 1 },
      };
    }
    return {
      action: 'hold',
      reason: `latency high but at the limits (${summary})`,
      target: current,
    };
  }

  const idle =
    rate !== undefined &&
    rate < policy.idleRequestRate &&
    (queue ?? 0) === 0 &&
    (p95 === undefined || p95 < policy.latencyTargetSeconds / 2);

  if (idle) {
    if (current.workers > policy.minWorkers) {
      return {
        action: 'scale-down',
        reason: `idle below ${policy.idleRequestRate} req/s (${summary}): workers ${current.workers} -> ${current.workers - 1}`,
        target: { ...current, workers: current.workers - 1 },
      };
    }
    if (current.batchSize > policy.minBatchSize) {
      const batchSize = Math.max(policy.minBatchSize, Math.floor(current.batchSize / 2));
      return {
        action: 'scale-down',
        reason: `idle below ${policy.idleRequestRate} req/s (${summary}): batch size ${current.batchSize} -> ${batchSize}`,
        target: { ...current, batchSize },
      };
    }
  }

  return { action: 'hold', reason: `within targets (${summary})`, target: current };
}
