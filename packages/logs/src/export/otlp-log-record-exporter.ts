import {
  type DeliveryReport,
  OtlpExporterBase,
  type OtlpExporterOptions,
  type PartialSuccess,
  type TransportStats,
  type TransportStatus,
} from '@mlsysops/telemetry-core';
import type { ExportResult } from '@opentelemetry/core';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** Options of {@link createOtlpLogRecordExporter}. */
export type OtlpLogRecordExporterOptions = Omit<OtlpExporterOptions, 'decodePartialSuccess'>;

/** A `LogRecordExporter` that also reports delivery counters and flush results. */
export interface OtlpLogRecordExporter extends LogRecordExporter {
  /** Tries to deliver everything queued within the flush deadline. Never rejects. */
  forceFlush(): Promise<void>;
  /** Tries to deliver everything queued within `timeoutMillis`, and reports what is pending. */
  flush(timeoutMillis?: number): Promise<DeliveryReport>;
  /** Shuts down within `timeoutMillis` and reports what had to be dropped. */
  shutdownWithReport(timeoutMillis?: number): Promise<DeliveryReport>;
  /** Returns the transport counters; items are log records. */
  getStats(): TransportStats;
  /** Returns the transport counters with the delivery state. */
  status(): TransportStatus;
}

function decodePartialSuccess(body: Uint8Array, encoding: string): PartialSuccess | undefined {
  const serializer = encoding === 'json' ? JsonLogsSerializer : ProtobufLogsSerializer;
  const partial = serializer.deserializeResponse(body).partialSuccess;
  if (partial === undefined) return undefined;
  return {
    rejectedItems: Number(partial.rejectedLogRecords ?? 0),
    message: partial.errorMessage ?? '',
  };
}

class LogRecordExporterImpl implements OtlpLogRecordExporter {
  private readonly base: OtlpExporterBase<ReadableLogRecord[]>;

  constructor(options: OtlpLogRecordExporterOptions) {
    this.base = new OtlpExporterBase<ReadableLogRecord[]>(
      'logs',
      {
        serialize: (records, encoding) =>
          (encoding === 'json' ? JsonLogsSerializer : ProtobufLogsSerializer).serializeRequest(
            records,
          ),
        countItems: (records) => records.length,
      },
      { ...options, decodePartialSuccess },
    );
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.base.export(records, resultCallback);
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
 * Creates an OTLP log record exporter (HTTP protobuf, HTTP JSON or gRPC, as the target sets) with
 * a bounded store-and-forward queue. `export` reports success once the log records are queued;
 * delivery and retries run in the background.
 * @throws {RangeError} when an option is invalid; the message names the option.
 */
export function createOtlpLogRecordExporter(
  options: OtlpLogRecordExporterOptions,
): OtlpLogRecordExporter {
  return new LogRecordExporterImpl(options);
}
