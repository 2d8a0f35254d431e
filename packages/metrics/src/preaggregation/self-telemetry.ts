import type { BatchObservableCallback, Meter } from '@opentelemetry/api';
import type { PreAggregator } from './pre-aggregator.js';

/** Attribute that names why measurements were dropped, shared with the transport's self-telemetry. */
const DROP_REASON = 'mlsysops.telemetry.drop_reason';

/** Drop reasons as exported, in the lower_snake_case of attribute values. */
const DROP_REASONS = {
  notNumber: 'not_number',
  nonFinite: 'non_finite',
  negative: 'negative',
  afterShutdown: 'after_shutdown',
} as const;

/**
 * Registers observable counters on `meter` that report the statistics of `preAggregator` at
 * each collection, so they cost nothing between exports:
 * `mlsysops.telemetry.preaggregation.recorded`, `.dropped` (with
 * `mlsysops.telemetry.drop_reason`), `.overflowed` and `.exported`.
 *
 * Returns a function that removes the callback again.
 */
export function registerPreAggregatorTelemetry(
  meter: Meter,
  preAggregator: PreAggregator,
): () => void {
  const recorded = meter.createObservableCounter('mlsysops.telemetry.preaggregation.recorded', {
    description: 'Measurements accepted by the pre-aggregator, including overflowed ones.',
    unit: '{measurement}',
  });
  const dropped = meter.createObservableCounter('mlsysops.telemetry.preaggregation.dropped', {
    description: 'Measurements the pre-aggregator dropped, by reason.',
    unit: '{measurement}',
  });
  const overflowed = meter.createObservableCounter('mlsysops.telemetry.preaggregation.overflowed', {
    description: 'Measurements aggregated into otel.metric.overflow=true series.',
    unit: '{measurement}',
  });
  const exported = meter.createObservableCounter('mlsysops.telemetry.preaggregation.exported', {
    description: 'Data points the pre-aggregator handed to metric readers.',
    unit: '{data_point}',
  });

  const callback: BatchObservableCallback = (result) => {
    const stats = preAggregator.stats();
    result.observe(recorded, stats.recorded);
    result.observe(overflowed, stats.overflowed);
    result.observe(exported, stats.exportedPoints);
    for (const [field, reason] of Object.entries(DROP_REASONS)) {
      const count = stats.dropped[field as keyof typeof DROP_REASONS];
      result.observe(dropped, count, { [DROP_REASON]: reason });
    }
  };
  const observables = [recorded, dropped, overflowed, exported];
  meter.addBatchObservableCallback(callback, observables);

  return () => meter.removeBatchObservableCallback(callback, observables);
}
