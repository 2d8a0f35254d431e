export {
  ExpositionParseError,
  QueryAbortedError,
  QueryApiError,
  QueryConnectionError,
  QueryError,
  type QueryErrorCode,
  type QueryErrorDetails,
  QueryHttpError,
  QueryResponseError,
  QueryResponseTooLargeError,
  QueryTimeoutError,
} from './errors.js';
export { type ParseExpositionOptions, parseExposition } from './exposition/parser.js';
export type {
  Exemplar,
  Exposition,
  ExpositionFormat,
  Labels,
  MetricFamily,
  MetricSample,
  MetricType,
} from './exposition/types.js';
export {
  createLocalReader,
  findSamples,
  type LocalReader,
  type LocalReaderOptions,
  type ScrapeOptions,
} from './local/local-reader.js';
export type {
  MetricWatchEvent,
  MetricWatchListener,
  WatchOptions,
} from './local/metric-watch.js';
export {
  type PromQLClientOptions,
  QUERY_SERVER_KINDS,
  type QueryServerKind,
} from './promql/client-config.js';
export {
  type CallOptions,
  createPromQLClient,
  type InstantQueryOptions,
  type MetadataOptions,
  type PromQLClient,
  type TimeRangeOptions,
} from './promql/promql-client.js';
export type { QueryStep, QueryTime } from './promql/query-time.js';
export type {
  ApiResult,
  HistogramPoint,
  InstantQueryResult,
  MatrixSeries,
  MetricMetadata,
  NativeHistogram,
  NativeHistogramBucket,
  QueryData,
  RangeQueryResult,
  ResponseNotes,
  SamplePoint,
  SeriesLabels,
  VectorSample,
} from './promql/result-types.js';
export { formatSampleValue, parseSampleValue } from './sample-value.js';
export {
  equal,
  escapeLabelValue,
  escapeRegex,
  type LabelMatcher,
  type LabelMatchers,
  type MatchOperator,
  matchRegex,
  notEqual,
  notMatchRegex,
  oneOf,
  type SelectorOptions,
  selector,
} from './selector.js';
