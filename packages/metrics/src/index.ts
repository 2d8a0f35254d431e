export type { FlushResult } from '@mlsysops/telemetry-core';
export {
  type AdjustableMetricFilter,
  createAdjustableMetricFilter,
  type MetricFilterStats,
} from './adjustable-metric-filter.js';
export {
  AdjustableMetricReader,
  type AdjustableMetricReaderOptions,
  createAdjustableMetricReader,
} from './adjustable-metric-reader.js';
export { createDefaultMetricExporter } from './default-exporter.js';
export {
  createOtlpMetricExporter,
  type OtlpMetricExporter,
  type OtlpMetricExporterOptions,
} from './export/otlp-metric-exporter.js';
export { selectorForPreference, type TemporalityPreference } from './export/temporality.js';
export {
  type CardinalityLimits,
  type MetricsHandle,
  type MetricsOptions,
  startMetrics,
} from './meter-provider.js';
export {
  ATTR_AGENT_DECISION,
  ATTR_AGENT_NAME,
  ATTR_ERROR_TYPE,
  ATTR_MODEL_NAME,
  ATTR_MODEL_VERSION,
  ATTR_QUEUE_NAME,
  DURATION_BUCKETS_SECONDS,
  METRIC_AGENT_DECISIONS,
  METRIC_AGENT_ITERATION_DURATION,
  METRIC_INFERENCE_DURATION,
  METRIC_INFERENCE_ERRORS,
  METRIC_INFERENCE_REQUESTS,
  METRIC_MODEL_IN_USE,
  METRIC_QUEUE_DEPTH,
} from './metric-names.js';
export {
  type AttributeFilterOptions,
  type BoundAdder,
  type BoundRecorder,
  createPreAggregator,
  DEFAULT_HISTOGRAM_BOUNDARIES,
  DEFAULT_PREAGGREGATION_CARDINALITY_LIMIT,
  DEFAULT_PREAGGREGATION_INTERVAL_MILLIS,
  type DroppedMeasurements,
  type ExplicitHistogramOptions,
  type ExponentialHistogramOptions,
  type GaugeStatistic,
  OVERFLOW_ATTRIBUTES,
  type PreAggregatedCounter,
  type PreAggregatedGaugeOptions,
  type PreAggregatedHistogramOptions,
  type PreAggregatedInstrumentInterval,
  type PreAggregatedInstrumentOptions,
  type PreAggregatedInstrumentStats,
  type PreAggregatedRecorder,
  type PreAggregatedUpDownCounter,
  type PreAggregationTemporality,
  type PreAggregator,
  type PreAggregatorOptions,
  type PreAggregatorStats,
  registerPreAggregatorTelemetry,
} from './preaggregation/index.js';
export {
  createStandardInstruments,
  STANDARD_METER_NAME,
  type StandardInstruments,
} from './standard-instruments.js';
