import {
  type OtlpDeliveryControls,
  OtlpExporterBase,
  type OtlpExporterOptions,
  type PartialSuccess,
} from '@mlsysops/telemetry-core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** Options of {@link createOtlpSpanExporter}. */
export type OtlpSpanExporterOptions = Omit<OtlpExporterOptions, 'decodePartialSuccess'>;

/**
 * A `SpanExporter` that also reports delivery counters and flush results. The items in its
 * counters are spans.
 */
export interface OtlpSpanExporter extends SpanExporter, OtlpDeliveryControls {
  /** Tries to deliver everything queued within the flush deadline. Never rejects. */
  forceFlush(): Promise<void>;
}

function decodePartialSuccess(body: Uint8Array, encoding: string): PartialSuccess | undefined {
  const serializer = encoding === 'json' ? JsonTraceSerializer : ProtobufTraceSerializer;
  const partial = serializer.deserializeResponse(body).partialSuccess;
  if (partial === undefined) return undefined;
  return { rejectedItems: Number(partial.rejectedSpans ?? 0), message: partial.errorMessage ?? '' };
}

class SpanExporterImpl extends OtlpExporterBase<ReadableSpan[]> implements OtlpSpanExporter {
  constructor(options: OtlpSpanExporterOptions) {
    super(
      'traces',
      {
        serialize: (spans, encoding) =>
          (encoding === 'json' ? JsonTraceSerializer : ProtobufTraceSerializer).serializeRequest(
            spans,
          ),
        countItems: (spans) => spans.length,
      },
      { ...options, decodePartialSuccess },
    );
  }
}

/**
 * Creates an OTLP span exporter (HTTP protobuf, HTTP JSON or gRPC, as the target sets) with
 * a bounded store-and-forward queue. `export` reports success once the spans are queued;
 * delivery and retries run in the background.
 * @throws {RangeError} when an option is invalid; the message names the option.
 */
export function createOtlpSpanExporter(options: OtlpSpanExporterOptions): OtlpSpanExporter {
  return new SpanExporterImpl(options);
}
