export {
  DEFAULT_HISTOGRAM_BOUNDARIES,
  DEFAULT_PREAGGREGATION_CARDINALITY_LIMIT,
  DEFAULT_PREAGGREGATION_INTERVAL_MILLIS,
} from './options.js';
export { createPreAggregator, type PreAggregator } from './pre-aggregator.js';
export { registerPreAggregatorTelemetry } from './self-telemetry.js';
export { OVERFLOW_ATTRIBUTES } from './series-index.js';
export type {
  AttributeFilterOptions,
  BoundAdder,
  BoundRecorder,
  DroppedMeasurements,
  ExplicitHistogramOptions,
  ExponentialHistogramOptions,
  GaugeStatistic,
  PreAggregatedCounter,
  PreAggregatedGaugeOptions,
  PreAggregatedHistogramOptions,
  PreAggregatedInstrumentInterval,
  PreAggregatedInstrumentOptions,
  PreAggregatedInstrumentStats,
  PreAggregatedRecorder,
  PreAggregatedUpDownCounter,
  PreAggregationTemporality,
  PreAggregatorOptions,
  PreAggregatorStats,
} from './types.js';
