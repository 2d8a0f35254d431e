/**
 * Metric family types. `untyped` from the Prometheus text format is reported as `unknown`,
 * its OpenMetrics name.
 */
export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'gaugehistogram'
  | 'summary'
  | 'info'
  | 'stateset'
  | 'unknown';

/**
 * Exposition formats: the Prometheus text format 0.0.4 (`text/plain; version=0.0.4`) and
 * OpenMetrics 1.0 (`application/openmetrics-text; version=1.0.0`).
 */
export type ExpositionFormat = 'prometheus-text' | 'openmetrics';

/** Label names mapped to label values, unescaped. */
export type Labels = Record<string, string>;

/** An OpenMetrics exemplar attached to a sample (`# {trace_id="..."} 0.5 1700000000.1`). */
export interface Exemplar {
  /** Exemplar labels, usually `trace_id` and `span_id`. */
  labels: Labels;
  /** Exemplar value. */
  value: number;
  /** Exemplar timestamp in milliseconds since the Unix epoch, when present. */
  timestampMillis?: number;
}

/** One sample line of an exposition. */
export interface MetricSample {
  /** Sample name, including any suffix such as `_bucket`, `_total` or `_created`. */
  name: string;
  /** Sample labels, unescaped, including `le` and `quantile` where present. */
  labels: Labels;
  /** Sample value; `NaN`, `+Inf` and `-Inf` are kept as the JavaScript values. */
  value: number;
  /**
   * Timestamp in milliseconds since the Unix epoch, when the line carries one. OpenMetrics
   * timestamps (seconds) are converted to milliseconds.
   */
  timestampMillis?: number;
  /** Exemplar, when the line carries one. */
  exemplar?: Exemplar;
}

/**
 * A metric family: the `# HELP`, `# TYPE` and `# UNIT` metadata of one name and all samples that
 * belong to it, for example `_bucket`, `_sum`, `_count` and `_created` of a histogram.
 */
export interface MetricFamily {
  /** Family name as declared by `# TYPE`, or the sample name when no metadata was given. */
  name: string;
  /** Family type; `unknown` when no `# TYPE` line was given. */
  type: MetricType;
  /** Help text, unescaped, when a `# HELP` line was given. */
  help?: string;
  /** Unit from an OpenMetrics `# UNIT` line, when given. */
  unit?: string;
  /** Samples in input order. */
  samples: MetricSample[];
}

/** A parsed exposition. */
export interface Exposition {
  /** Format the text was parsed as. */
  format: ExpositionFormat;
  /** Families in order of first appearance. */
  families: MetricFamily[];
}
