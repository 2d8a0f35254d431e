/** Series labels, including `__name__` when the series has a metric name. */
export type SeriesLabels = Record<string, string>;

/** A float sample of a query result. */
export interface SamplePoint {
  /** Evaluation time in milliseconds since the Unix epoch. */
  timestampMillis: number;
  /** Sample value; `NaN`, `+Inf` and `-Inf` are kept as the JavaScript values. */
  value: number;
}

/** One bucket of a native histogram, as the Prometheus HTTP API encodes it. */
export interface NativeHistogramBucket {
  /**
   * Bound inclusiveness: 0 = open left, closed right (Prometheus's default for positive
   * buckets); 1 = closed left, open right; 2 = both open; 3 = both closed.
   */
  boundaryRule: number;
  /** Lower bound. */
  lower: number;
  /** Upper bound. */
  upper: number;
  /** Observation count in the bucket (may be fractional after rate()). */
  count: number;
}

/** A native histogram sample. */
export interface NativeHistogram {
  /** Total observation count. */
  count: number;
  /** Sum of observations. */
  sum: number;
  /** Populated buckets in ascending order. */
  buckets: NativeHistogramBucket[];
}

/** A native histogram sample of a query result. */
export interface HistogramPoint {
  /** Evaluation time in milliseconds since the Unix epoch. */
  timestampMillis: number;
  /** Histogram value. */
  histogram: NativeHistogram;
}

/** One series of an instant vector: either a float sample or a native histogram. */
export interface VectorSample {
  /** Series labels. */
  metric: SeriesLabels;
  /** Float sample; absent when the series carries a native histogram. */
  value?: SamplePoint;
  /** Native histogram sample; absent for float series. */
  histogram?: HistogramPoint;
}

/** One series of a range vector (matrix). */
export interface MatrixSeries {
  /** Series labels. */
  metric: SeriesLabels;
  /** Float samples in time order. */
  values: SamplePoint[];
  /** Native histogram samples in time order; empty for float series. */
  histograms: HistogramPoint[];
}

/** Query result data, discriminated by `resultType`. */
export type QueryData =
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'scalar'; result: SamplePoint }
  | { resultType: 'string'; result: { timestampMillis: number; value: string } };

/** Warnings and infos that Prometheus returns next to successful data. */
export interface ResponseNotes {
  /** Warnings, for example about a partial response. Empty when there are none. */
  warnings: string[];
  /** Informational annotations (Prometheus 2.50 and later). Empty when there are none. */
  infos: string[];
}

/** Result of an instant query. */
export type InstantQueryResult = QueryData & ResponseNotes;

/** Result of a range query: always a matrix. */
export type RangeQueryResult = { resultType: 'matrix'; result: MatrixSeries[] } & ResponseNotes;

/** Result of the series, label and metadata calls. */
export interface ApiResult<T> extends ResponseNotes {
  /** Response data. */
  data: T;
}

/** Metadata of one metric from `/api/v1/metadata`. */
export interface MetricMetadata {
  /** Metric type, for example `counter` or `histogram`. */
  type: string;
  /** Help text. */
  help: string;
  /** Unit, often empty. */
  unit: string;
}
