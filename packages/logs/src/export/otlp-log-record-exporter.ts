import {
  type OtlpDeliveryControls,
  OtlpExporterBase,
  type OtlpExporterOptions,
  type PartialSuccess,
} from '@mlsysops/telemetry-core';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

/** Options of {@link createOtlpLogRecordExporter}. */
export type OtlpLogRecordExporterOptions = Omit<OtlpExporterOptions, 'decodePartialSuccess'>;

/**
 * A `LogRecordExporter` that also reports delivery counters and flush results. The items in its
 * counters are log records.
 */
export interface OtlpLogRecordExporter extends LogRecordExporter, OtlpDeliveryControls {
  /** Tries to deliver everything queued within the flush deadline. Never rejects. */
  forceFlush(): Promise<void>;
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

class LogRecordExporterImpl
  extends OtlpExporterBase<ReadableLogRecord[]>
  implements OtlpLogRecordExporter
{
  constructor(options: OtlpLogRecordExporterOptions) {
    super(
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
