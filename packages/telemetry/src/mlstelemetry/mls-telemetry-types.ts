import type { EnvSource } from '@mlsysops/telemetry-core';
import type {
  InstantQueryOptions,
  InstantQueryResult,
  LocalReader,
  LocalReaderOptions,
  MetricSample,
  PromQLClient,
  PromQLClientOptions,
  QueryStep,
  QueryTime,
  RangeQueryResult,
  ScrapeOptions,
} from '@mlsysops/telemetry-query';
import type { Attributes } from '@opentelemetry/api';
import type { StartTelemetryOptions, Telemetry, TelemetryFlushReport } from '../start-telemetry.js';
import type { MlsDroppedPushes } from './dropped-pushes.js';
import type { MlsMetricDescriptor, MlsMetricType } from './metric-pusher.js';

/** Options of {@link createMlsTelemetry}. */
export interface MlsTelemetryOptions {
  /**
   * `service.name`, like mlstelemetry's `application_name`. Default: `start.serviceName`,
   * then `OTEL_SERVICE_NAME`.
   */
  applicationName?: string;
  /**
   * `mlsysops.component.name`, like mlstelemetry's `application_component` (which mlstelemetry
   * stored as `service.instance.id`). Default: `start.componentName`.
   */
  componentName?: string;
  /**
   * A running telemetry handle to build on. The facade then uses its meter and logger, and
   * `shutdown()` only flushes it, because its owner shuts it down. `applicationName`,
   * `componentName` and `start` must then be left out. Default: the facade calls
   * `startTelemetry(start)` and owns the handle.
   */
  telemetry?: Telemetry;
  /** Options of the `startTelemetry` call when no `telemetry` handle is given. */
  start?: StartTelemetryOptions;
  /**
   * Reader of the node agent's Prometheus endpoint, or its options. Default: a reader of the
   * resolved `localEndpoint` setting (`MLSYSOPS_LOCAL_ENDPOINT`, then `LOCAL_OTEL_ENDPOINT`,
   * then `localhost:9999`, path `/metrics`).
   */
  localReader?: LocalReader | LocalReaderOptions;
  /**
   * PromQL client, or its options, for `prometheusQuery` and `prometheusQueryRange`. Default:
   * a client configured by the `MLSYSOPS_QUERY_*` variables, with mlstelemetry's
   * `GRAFANA_ENDPOINT`, `GRAFANA_API_KEY` and `PROMETHEUS_DATASOURCE_ID` filling the gaps.
   */
  query?: PromQLClient | PromQLClientOptions;
  /**
   * Time for which one scrape of the local endpoint serves further reads, in milliseconds;
   * 0 scrapes on every read. Default 1 000, as mlstelemetry caches its local reads.
   */
  localCacheMillis?: number;
  /** Label that `getMetricValueWithLabel`'s `nodeName` option compares. Default `k8s_node_name`. */
  nodeLabel?: string;
  /** Distinct metric names `pushMetric` keeps; pushes of further names are dropped. Default 1 000. */
  maxInstruments?: number;
  /**
   * Attribute sets kept per async counter; pushes of further sets are dropped. Default 2 000,
   * the SDK's default cardinality limit per instrument.
   */
  maxSeriesPerMetric?: number;
  /** Environment read for the query and local endpoint settings. Default `process.env`. */
  env?: EnvSource;
}

/** Options of {@link MlsTelemetry.getMetricValueWithLabel}. */
export interface LocalMetricOptions extends ScrapeOptions {
  /**
   * Keeps only samples whose node label (option `nodeLabel`, default `k8s_node_name`) equals
   * this value, like mlstelemetry's `node_name`. Ignored when empty.
   */
  nodeName?: string;
}

/** Counters of the facade, as {@link MlsTelemetry.stats} returns them. */
export interface MlsTelemetryStats {
  /** Measurements that `pushMetric` dropped, by reason. */
  droppedPushes: MlsDroppedPushes;
  /** Sum of {@link droppedPushes}. */
  droppedPushesTotal: number;
  /** Metric names in use by `pushMetric`. */
  instruments: number;
  /** Reads of the local endpoint that failed (connection, timeout, HTTP status, parse). */
  localReadFailures: number;
  /** Message of the last failed local read, if any. */
  lastLocalReadError: string | undefined;
  /** Instant and range queries that failed or were not sent. */
  queryFailures: number;
  /** Message of the last failed query, if any. Never contains the token. */
  lastQueryError: string | undefined;
}

/** The mlstelemetry-style facade returned by {@link createMlsTelemetry}. */
export interface MlsTelemetry {
  /** The telemetry handle the facade builds on. */
  readonly telemetry: Telemetry;
  /**
   * Records one measurement, like mlstelemetry's `pushMetric`:
   * - `counter`: adds `value` (monotonic sum); a negative value is dropped.
   * - `gauge`: sets the last value of the attribute set (a synchronous Gauge).
   * - `async_counter`: sets the cumulative total of the attribute set; an observable counter
   *   reports the latest total of every attribute set at each collection. A smaller total
   *   than before is exported as a counter reset.
   *
   * The instrument is created on the first push of `name`; `descriptor` applies then. A name
   * pushed again with another type, an invalid name, type or value is dropped, counted in
   * {@link stats} and logged as a rate-limited warning. Never throws.
   */
  pushMetric(
    name: string,
    type: MlsMetricType,
    value: number,
    attributes?: Attributes,
    descriptor?: MlsMetricDescriptor,
  ): void;
  /** Emits an INFO log record with trace correlation. Never throws. */
  pushLogInfo(message: string, attributes?: Attributes): void;
  /**
   * Emits a DEBUG log record. The logs pipeline drops it unless the `logMinSeverity` option
   * or `MLSYSOPS_LOG_LEVEL` is `debug` or `trace` (default `info`). Never throws.
   */
  pushLogDebug(message: string, attributes?: Attributes): void;
  /**
   * Emits an ERROR log record; `error` adds `exception.type`, `exception.message` and
   * `exception.stacktrace`. Never throws.
   */
  pushLogError(message: string, attributes?: Attributes, error?: unknown): void;
  /**
   * Reads the node agent's Prometheus endpoint and returns the samples of `metricName`,
   * like mlstelemetry's `get_metric_value_with_label`. With both `labelName` and
   * `labelValue` non-empty, only samples with that label value are kept. A counter matches
   * through its `_total` sample. Resolves to `undefined` when no sample matches, the name is
   * invalid or the endpoint cannot be read (counted and logged). Never rejects.
   */
  getMetricValueWithLabel(
    metricName: string,
    labelName?: string,
    labelValue?: string,
    options?: LocalMetricOptions,
  ): Promise<MetricSample[] | undefined>;
  /**
   * Evaluates `query` at one instant, like mlstelemetry's `prometheus_query`. Resolves to
   * `undefined` when the query fails or is invalid (counted and logged). Never rejects.
   */
  prometheusQuery(
    query: string,
    options?: InstantQueryOptions,
  ): Promise<InstantQueryResult | undefined>;
  /**
   * Evaluates `query` from `start` to `end` every `step`, like mlstelemetry's
   * `prometheus_query_range`. Resolves to `undefined` when the query fails or is invalid
   * (counted and logged). Never rejects.
   */
  prometheusQueryRange(
    query: string,
    start: QueryTime,
    end: QueryTime,
    step: QueryStep,
  ): Promise<RangeQueryResult | undefined>;
  /** Returns the facade's drop and failure counters. */
  stats(): MlsTelemetryStats;
  /** Exports everything now; resolves within `timeoutMillis` and never rejects. */
  forceFlush(timeoutMillis?: number): Promise<TelemetryFlushReport>;
  /**
   * Drops later pushes, removes the callbacks of the async counters and of the drop counter,
   * and shuts the owned telemetry handle down (or flushes a handle passed in `telemetry`).
   * Resolves within `timeoutMillis` and never rejects. Later calls return the first call's
   * report.
   */
  shutdown(timeoutMillis?: number): Promise<TelemetryFlushReport>;
}
