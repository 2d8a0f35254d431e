import type { Attributes } from '@opentelemetry/api';

/**
 * Temporality of the pre-aggregated sums and histograms. `cumulative` (the default) is what
 * Prometheus and Mimir expect, and `delta` suits backends that store deltas.
 */
export type PreAggregationTemporality = 'cumulative' | 'delta';

/** Attribute keys to keep or drop before aggregation. */
export interface AttributeFilterOptions {
  /** Keys that form the series. Every other key is ignored. */
  keep?: readonly string[];
  /** These keys are ignored. Applied after `keep` when both are set. */
  drop?: readonly string[];
}

/** Options shared by every pre-aggregated instrument. */
export interface PreAggregatedInstrumentOptions {
  /** Description exported with the metric. Default empty. */
  description?: string;
  /** Unit exported with the metric (UCUM, for example `ms` or `By`). Default empty. */
  unit?: string;
  /**
   * Length of one aggregation window in milliseconds: the results of the instrument are handed
   * to the reader once per window. Default: the pre-aggregator's `intervalMillis`.
   */
  intervalMillis?: number;
  /** Temporality of sums and histograms. Default: the pre-aggregator's `temporality`. */
  temporality?: PreAggregationTemporality;
  /**
   * Maximum number of distinct attribute sets. Measurements with further attribute sets go to
   * one extra series with the attribute `otel.metric.overflow=true`. Default: the
   * pre-aggregator's `cardinalityLimit`.
   */
  cardinalityLimit?: number;
  /** Attribute keys to keep or drop before aggregation. Default: keep all keys. */
  attributes?: AttributeFilterOptions;
}

/** Options of a histogram with explicit bucket boundaries. */
export interface ExplicitHistogramOptions extends PreAggregatedInstrumentOptions {
  /** Bucket layout. Default `explicit`. */
  aggregation?: 'explicit';
  /**
   * Increasing, finite bucket boundaries. Bucket `i` counts values `v` with
   * `boundaries[i-1] < v <= boundaries[i]`, like the OpenTelemetry SDK. Default: the SDK's
   * default boundaries `[0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]`.
   */
  boundaries?: readonly number[];
}

/** Options of a base-2 exponential histogram. */
export interface ExponentialHistogramOptions extends PreAggregatedInstrumentOptions {
  /** Bucket layout. */
  aggregation: 'exponential';
  /** Maximum number of buckets for positive and for negative values each. Default 160, at least 2. */
  maxSize?: number;
  /** Scale a series starts with before it adapts to the range of values. Default 20, -10..20. */
  maxScale?: number;
}

/** Options of a pre-aggregated histogram. */
export type PreAggregatedHistogramOptions = ExplicitHistogramOptions | ExponentialHistogramOptions;

/** Window statistics of a gauge that are exported besides the last value. */
export type GaugeStatistic = 'min' | 'max' | 'sum' | 'count';

/** Options of a pre-aggregated gauge. */
export interface PreAggregatedGaugeOptions extends PreAggregatedInstrumentOptions {
  /**
   * Companion series exported per window besides the last value, each as a gauge named
   * `<name>.<statistic>`. Default `['min', 'max', 'sum', 'count']`.
   */
  statistics?: readonly GaugeStatistic[];
}

/** Options of {@link createPreAggregator}. */
export interface PreAggregatorOptions {
  /** Instrumentation scope of the exported metrics. Default `@mlsysops/telemetry-metrics`. */
  scopeName?: string;
  /** Version of the instrumentation scope. Default: none. */
  scopeVersion?: string;
  /** Default window length of the instruments in milliseconds. Default 60 000. */
  intervalMillis?: number;
  /**
   * Offset of the window boundaries from the wall-clock steps, in milliseconds. Windows end at
   * `k * intervalMillis + offset`. Default: a random fraction of each interval, drawn once per
   * pre-aggregator, so processes started together do not all push at the same instant.
   */
  windowOffsetMillis?: number;
  /** Default temporality of sums and histograms. Default `cumulative`. */
  temporality?: PreAggregationTemporality;
  /** Default cardinality limit per instrument. Default 2000, like the OpenTelemetry SDK. */
  cardinalityLimit?: number;
  /** Wall clock in milliseconds since the epoch, replaced in tests. Default `Date.now`. */
  now?: () => number;
}

/** A measurement handle bound to one attribute set. */
export interface BoundRecorder {
  /** Records `value` on the bound series. */
  record(value: number): void;
}

/** A sum handle bound to one attribute set. */
export interface BoundAdder {
  /** Adds `value` to the bound series. */
  add(value: number): void;
}

/** A pre-aggregated monotonic counter. */
export interface PreAggregatedCounter {
  /** Metric name. */
  readonly name: string;
  /** Adds a non-negative finite `value` to the series of `attributes`. */
  add(value: number, attributes?: Attributes): void;
  /** Returns a handle that adds to the series of `attributes` without looking it up again. */
  bind(attributes?: Attributes): BoundAdder;
}

/** A pre-aggregated up-down counter. */
export interface PreAggregatedUpDownCounter {
  /** Metric name. */
  readonly name: string;
  /** Adds a finite `value` (positive or negative) to the series of `attributes`. */
  add(value: number, attributes?: Attributes): void;
  /** Returns a handle that adds to the series of `attributes` without looking it up again. */
  bind(attributes?: Attributes): BoundAdder;
}

/** A pre-aggregated histogram or gauge. */
export interface PreAggregatedRecorder {
  /** Metric name. */
  readonly name: string;
  /** Records a finite `value` on the series of `attributes`. */
  record(value: number, attributes?: Attributes): void;
  /** Returns a handle that records on the series of `attributes` without looking it up again. */
  bind(attributes?: Attributes): BoundRecorder;
}

/** Counts of dropped measurements by reason. */
export interface DroppedMeasurements {
  /** Values that were not of type number. */
  notNumber: number;
  /** NaN, Infinity and -Infinity. */
  nonFinite: number;
  /** Negative values on a monotonic counter. */
  negative: number;
  /** Measurements after `shutdown()`. */
  afterShutdown: number;
}

/** Window length of one pre-aggregated instrument, as {@link PreAggregator.intervals} lists it. */
export interface PreAggregatedInstrumentInterval {
  /** Metric name. */
  name: string;
  /** Window length in force, in milliseconds. */
  intervalMillis: number;
  /**
   * Window length set by `setIntervalMillis` that starts at the next boundary of the window in
   * force, in milliseconds; undefined when no change is waiting.
   */
  pendingIntervalMillis: number | undefined;
}

/** Statistics of one instrument. */
export interface PreAggregatedInstrumentStats extends PreAggregatedInstrumentInterval {
  /** Accepted measurements, including those aggregated into the overflow series. */
  recorded: number;
  /** Rejected measurements by reason. */
  dropped: DroppedMeasurements;
  /** Measurements aggregated into the `otel.metric.overflow=true` series. */
  overflowed: number;
  /** Distinct attribute sets in use, without the overflow series. */
  series: number;
  /** Data points handed to readers so far. */
  exportedPoints: number;
}

/** Statistics of a pre-aggregator, summed over its instruments. */
export interface PreAggregatorStats {
  /** Accepted measurements. */
  recorded: number;
  /** Rejected measurements by reason. */
  dropped: DroppedMeasurements;
  /** Measurements aggregated into overflow series. */
  overflowed: number;
  /** Data points handed to readers so far. */
  exportedPoints: number;
  /** Per-instrument statistics. */
  instruments: PreAggregatedInstrumentStats[];
}
