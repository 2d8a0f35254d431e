import {
  type DeliveryReport,
  OtlpExporterBase,
  type OtlpExporterOptions,
  type PartialSuccess,
  type TransportStats,
  type TransportStatus,
} from '@mlsysops/telemetry-core';
import type { ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/** Options of {@link createOtlpSpanExporter}. */
export type OtlpSpanExporterOptions = Omit<OtlpExporterOptions, 'decodePartialSuccess'>;

/** A `SpanExporter` that also reports delivery counters and flush results. */
export interface OtlpSpanExporter extends SpanExporter {
  /** Tries to deliver everything queued within the flush deadline. Never rejects. */
  forceFlush(): Promise<void>;
  /** Tries to deliver everything queued within `timeoutMillis`, and reports what is pending. */
  flush(timeoutMillis?: number): Promise<DeliveryReport>;
  /** Shuts down within `timeoutMillis` and reports what had to be dropped. */
  shutdownWithReport(timeoutMillis?: number): Promise<DeliveryReport>;
  /** Returns the transport counters; items are spans. */
  getStats(): TransportStats;
  /** Returns the transport counters with the delivery state. */
  status(): TransportStatus;
}

function decodePartialSuccess(body: Uint8Array, encoding: string): PartialSuccess | undefined {
  const serializer = encoding === 'json' ? JsonTraceSerializer : ProtobufTraceSerializer;
  const partial = serializer.deserializeResponse(body).partialSuccess;
  if (partial === undefined) return undefined;
  return { rejectedItems: Number(partial.rejectedSpans ?? 0), message: partial.errorMessage ?? '' };
}

class SpanExporterImpl implements OtlpSpanExporter {
  private readonly base: OtlpExporterBase<ReadableSpan[]>;

  constructor(options: OtlpSpanExporterOptions) {
    this.base = new OtlpExporterBase<ReadableSpan[]>(
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

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.base.export(spans, resultCallback);
  }

  forceFlush(): Promise<void> {
    return this.base.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.base.shutdown();
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
 * Creates an OTLP span exporter (HTTP protobuf, HTTP JSON or gRPC, as the target sets) with
 * a bounded store-and-forward queue. `export` reports success once the spans are queued;
 * delivery and retries run in the background.
 * @throws {RangeError} when an option is invalid; the message names the option.
 */
export function createOtlpSpanExporter(options: OtlpSpanExporterOptions): OtlpSpanExporter {
  return new SpanExporterImpl(options);
}
