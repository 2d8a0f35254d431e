import {
  createPreAggregator,
  DURATION_BUCKETS_SECONDS,
  METRIC_INFERENCE_DURATION,
  METRIC_INFERENCE_REQUESTS,
  type PreAggregatedCounter,
  type PreAggregatedRecorder,
  type PreAggregatorStats,
} from '@mlsysops/telemetry-metrics';
import type { MetricProducer } from '@opentelemetry/sdk-metrics';

/** The per-request instruments, aggregated in process before the SDK receives them. */
export interface RequestMetrics {
  /** `mlsysops.inference.duration` in seconds, explicit buckets of DURATION_BUCKETS_SECONDS. */
  duration: PreAggregatedRecorder;
  /** `mlsysops.inference.requests`, every /predict request whatever the outcome. */
  requests: PreAggregatedCounter;
  /**
   * Producer for the readers. With cumulative temporality every reader that collects, push
   * or pull, gets the latest totals.
   */
  producer: MetricProducer;
  /** Measurements recorded and data points exported so far. */
  stats(): PreAggregatorStats;
  /** Closes the open windows so the next collection exports them. */
  forceFlush(): Promise<void>;
  /** Closes the last windows; call before the telemetry shutdown exports them. */
  shutdown(): Promise<void>;
}

/**
 * Creates the pre-aggregated request instruments with cumulative temporality and windows of
 * `intervalMillis`. Recording a value costs an array update, and the SDK receives one data
 * point per series and window.
 */
export function createRequestMetrics(intervalMillis: number): RequestMetrics {
  const preAggregator = createPreAggregator({
    scopeName: 'inference-service',
    intervalMillis,
    temporality: 'cumulative',
  });

  const duration = preAggregator.histogram(METRIC_INFERENCE_DURATION, {
    description: 'Time from receiving an inference request to returning its result.',
    unit: 's',
    boundaries: DURATION_BUCKETS_SECONDS,
  });
  const requests = preAggregator.counter(METRIC_INFERENCE_REQUESTS, {
    description: 'Inference requests handled, whatever the outcome.',
    unit: '{request}',
  });

  return {
    duration,
    requests,
    producer: preAggregator,
    stats: () => preAggregator.stats(),
    forceFlush: () => preAggregator.forceFlush(),
    shutdown: () => preAggregator.shutdown(),
  };
}
