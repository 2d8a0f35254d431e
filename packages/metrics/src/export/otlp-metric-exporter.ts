import {
  type OtlpDeliveryControls,
  OtlpExporterBase,
  type OtlpExporterOptions,
  type PartialSuccess,
  type SupersedeKey,
} from '@mlsysops/telemetry-core';
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

/**
 * A `PushMetricExporter` that also reports delivery counters and flush results. The items in
 * its counters are metric data points.
 */
export interface OtlpMetricExporter extends PushMetricExporter, OtlpDeliveryControls {
  /** Tries to deliver everything queued within the flush deadline. Never rejects. */
  forceFlush(): Promise<void>;
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

class MetricExporter extends OtlpExporterBase<ResourceMetrics> implements OtlpMetricExporter {
  private readonly temporalitySelector: AggregationTemporalitySelector;
  private readonly aggregationSelector: AggregationSelector;

  constructor(options: OtlpMetricExporterOptions) {
    const group = `metrics-${nextExporterId++}`;
    super(
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

    const preference = options.temporalityPreference ?? 'cumulative';
    this.temporalitySelector =
      typeof preference === 'function' ? preference : selectorForPreference(preference);
    this.aggregationSelector =
      options.aggregationSelector ?? (() => ({ type: AggregationType.DEFAULT }));
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.temporalitySelector(instrumentType);
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.aggregationSelector(instrumentType);
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
