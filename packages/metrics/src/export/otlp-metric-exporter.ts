import {
  type DeliveryReport,
  OtlpExporterBase,
  type OtlpExporterOptions,
  type PartialSuccess,
  type SupersedeKey,
  type TransportStats,
  type TransportStatus,
} from '@mlsysops/telemetry-core';
import type { ExportResult } from '@opentelemetry/core';
import {
  JsonMetricsSerializer,
  MetricsExporterMetricsHelper,
  ProtobufMetricsSerializer,
} from '@opentelemetry/otlp-transformer';
import {
  type AggregationOption,
  type AggregationSelector,
  AggregationTemporality,
  type AggregationTemporalitySelector,
  AggregationType,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { selectorForPreference, type TemporalityPreference } from './temporality.js';

/** Options of {@link createOtlpMetricExporter}. */
export interface OtlpMetricExporterOptions
  extends Omit<OtlpExporterOptions, 'decodePartialSuccess'> {
  /**
   * Temporality per instrument: a preference name or a selector. Default `cumulative`, which
   * lets the queue replace an older snapshot with a newer one when it is full.
   */
  temporalityPreference?: TemporalityPreference | AggregationTemporalitySelector;
  /** Aggregation per instrument. Default: the SDK default aggregation for every instrument. */
  aggregationSelector?: AggregationSelector;
}

/** A `PushMetricExporter` that also reports delivery counters and flush results. */
export interface OtlpMetricExporter extends PushMetricExporter {
  /** Tries to deliver everything queued within `timeoutMillis`, and reports what is pending. */
  flush(timeoutMillis?: number): Promise<DeliveryReport>;
  /** Shuts down within `timeoutMillis` and reports what had to be dropped. */
  shutdownWithReport(timeoutMillis?: number): Promise<DeliveryReport>;
  /** Returns the transport counters; items are metric data points. */
  getStats(): TransportStats;
  /** Returns the transport counters with the delivery state. */
  status(): TransportStatus;
}

let nextExporterId = 1;

function decodePartialSuccess(body: Uint8Array, encoding: string): PartialSuccess | undefined {
  const serializer = encoding === 'json' ? JsonMetricsSerializer : ProtobufMetricsSerializer;
  const partial = serializer.deserializeResponse(body).partialSuccess;
  if (partial === undefined) return undefined;
  return {
    rejectedItems: Number(partial.rejectedDataPoints ?? 0),
    message: partial.errorMessage ?? '',
  };
}

/** Builds a stable key of one attribute set: sorted keys, JSON values. */
function attributesKey(attributes: Record<string, unknown>): string {
  return Object.keys(attributes)
    .sort()
    .map((key) => `${key}=${JSON.stringify(attributes[key])}`)
    .join(',');
}

/**
 * Returns the series of a snapshot when every metric in it is cumulative, because only then
 * does a later snapshot that contains the same series carry all of its counts. Gauges count
 * as cumulative here: a later value replaces an earlier one.
 */
function cumulativeSeries(metrics: ResourceMetrics, group: string): SupersedeKey | undefined {
  const series = new Set<string>();
  for (const scope of metrics.scopeMetrics) {
    const scopeKey = `${scope.scope.name}\u0000${scope.scope.version ?? ''}`;
    for (const metric of scope.metrics) {
      if (metric.aggregationTemporality !== AggregationTemporality.CUMULATIVE) return undefined;
      for (const point of metric.dataPoints) {
        series.add(
          `${scopeKey}\u0000${metric.descriptor.name}\u0000${attributesKey(point.attributes)}`,
        );
      }
    }
  }
  return series.size === 0 ? undefined : { group, series };
}

class MetricExporter implements OtlpMetricExporter {
  private readonly base: OtlpExporterBase<ResourceMetrics>;
  private readonly temporalitySelector: AggregationTemporalitySelector;
  private readonly aggregationSelector: AggregationSelector;

  constructor(options: OtlpMetricExporterOptions) {
    const preference = options.temporalityPreference ?? 'cumulative';
    this.temporalitySelector =
      typeof preference === 'function' ? preference : selectorForPreference(preference);
    this.aggregationSelector =
      options.aggregationSelector ?? (() => ({ type: AggregationType.DEFAULT }));

    const group = `metrics-${nextExporterId++}`;
    this.base = new OtlpExporterBase<ResourceMetrics>(
      'metrics',
      {
        serialize: (metrics, encoding) =>
          (encoding === 'json'
            ? JsonMetricsSerializer
            : ProtobufMetricsSerializer
          ).serializeRequest(metrics),
        countItems: (metrics) => MetricsExporterMetricsHelper.countItems(metrics),
        supersedeKey: (metrics) => cumulativeSeries(metrics, group),
      },
      { ...options, decodePartialSuccess },
    );
  }

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.base.export(metrics, resultCallback);
  }

  forceFlush(): Promise<void> {
    return this.base.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.base.shutdown();
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.temporalitySelector(instrumentType);
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.aggregationSelector(instrumentType);
  }

  flush(timeoutMillis?: number): Promise<DeliveryReport> {
    return this.base.flush(timeoutMillis);
  }

  shutdownWithReport(timeoutMillis?: number): Promise<DeliveryReport> {
    return this.base.shutdownWithReport(timeoutMillis);
  }

  getStats(): TransportStats {
    return this.base.getStats();
  }

  status(): TransportStatus {
    return this.base.status();
  }
}

/**
 * Creates an OTLP metric exporter (HTTP protobuf, HTTP JSON or gRPC, as the target sets)
 * with a bounded store-and-forward queue. `export` reports success once the snapshot is
 * queued; delivery and retries run in the background.
 * @throws {RangeError} when an option is invalid; the message names the option.
 */
export function createOtlpMetricExporter(options: OtlpMetricExporterOptions): OtlpMetricExporter {
  return new MetricExporter(options);
}
