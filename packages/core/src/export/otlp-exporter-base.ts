import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { type ComponentLogger, createComponentLogger } from '../diagnostics/component-logger.js';
import type { SupersedeKey } from './export-queue.js';
import { type ExportTarget, encodingOf, type OtlpEncoding } from './export-target.js';
import {
  createOtlpTransport,
  DEFAULT_FLUSH_TIMEOUT_MILLIS,
  type OtlpTransport,
  type OtlpTransportOptions,
} from './otlp-transport.js';
import type { DeliveryReport, TransportStats, TransportStatus } from './transport-stats.js';

/** Options shared by the span, metric and log record exporters. */
export interface OtlpExporterOptions extends Omit<OtlpTransportOptions, 'signal' | 'logger'> {
  /** Deadline of `forceFlush()`, in milliseconds. Default 10 000. */
  flushTimeoutMillis?: number;
  /** Deadline of `shutdown()`, in milliseconds. Default 10 000. */
  shutdownTimeoutMillis?: number;
}

/**
 * Delivery controls that the OTLP exporters of these packages add to the SDK's exporter
 * interfaces. Items are spans, log records or metric data points, as the signal has them.
 */
export interface OtlpDeliveryControls {
  /** Tries to deliver everything queued within the flush deadline. Never rejects. */
  forceFlush(): Promise<void>;
  /** Tries to deliver everything queued within `timeoutMillis`, and reports what is pending. */
  flush(timeoutMillis?: number): Promise<DeliveryReport>;
  /** Shuts down within `timeoutMillis` and reports what had to be dropped. */
  shutdownWithReport(timeoutMillis?: number): Promise<DeliveryReport>;
  /** Returns the transport counters. */
  getStats(): TransportStats;
  /** Returns the transport counters with the delivery state. */
  status(): TransportStatus;
}

/** Conversion of one signal's SDK data into serialized OTLP requests. */
export interface OtlpSignalCodec<Items> {
  /** Serializes `items` in `encoding`. Returns undefined when serialization fails. */
  serialize(items: Items, encoding: OtlpEncoding): Uint8Array | undefined;
  /** Counts spans, log records or data points in `items`. */
  countItems(items: Items): number;
  /** Returns the supersede key of `items`, or undefined when nothing can replace them. */
  supersedeKey?(items: Items): SupersedeKey | undefined;
}

function validateTimeout(name: string, value: number | undefined): number {
  if (value === undefined) return DEFAULT_FLUSH_TIMEOUT_MILLIS;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(
      `Invalid ${name}: ${String(value)}. Expected a number of milliseconds >= 0.`,
    );
  }
  return value;
}

/**
 * The signal-independent part of an OTLP exporter. It serializes with the signal's codec,
 * hands the bytes to an {@link OtlpTransport}, and reports success to the SDK as soon as the
 * batch is queued, so the SDK's `export` call does not wait for delivery.
 */
export class OtlpExporterBase<Items> implements OtlpDeliveryControls {
  /** The transport that delivers this exporter's batches. */
  readonly transport: OtlpTransport;
  private readonly logger: ComponentLogger;
  private readonly flushTimeoutMillis: number;
  private readonly shutdownTimeoutMillis: number;
  private isShutdown = false;

  /**
   * @throws {RangeError} when a cap, timeout or retry option is not a valid number.
   */
  constructor(
    signal: OtlpTransportOptions['signal'],
    private readonly codec: OtlpSignalCodec<Items>,
    private readonly options: OtlpExporterOptions,
  ) {
    this.flushTimeoutMillis = validateTimeout('flushTimeoutMillis', options.flushTimeoutMillis);
    this.shutdownTimeoutMillis = validateTimeout(
      'shutdownTimeoutMillis',
      options.shutdownTimeoutMillis,
    );
    this.logger = createComponentLogger(`@mlsysops/telemetry-core/export/${signal}`);
    this.transport = createOtlpTransport({ ...options, signal, logger: this.logger });
  }

  /** Serializes and queues `items`, then calls `resultCallback` without waiting for delivery. */
  export(items: Items, resultCallback: (result: ExportResult) => void): void {
    if (this.isShutdown) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('Exporter is shut down.') });
      return;
    }

    const itemCount = this.codec.countItems(items);
    if (itemCount === 0) {
      resultCallback({ code: ExportResultCode.SUCCESS });
      return;
    }

    let body: Uint8Array | undefined;
    let encoding: OtlpEncoding = 'protobuf';
    try {
      // NOTE: the batch is encoded for the protocol of the target at this moment. If the
      // target later switches from http/json to grpc, queued JSON batches fail as rejected.
      encoding = encodingOf(this.currentTarget().protocol);
      body = this.codec.serialize(items, encoding);
    } catch (error) {
      this.logger.warnRateLimited(
        'serialize',
        `Serializing ${itemCount} items failed: ${String(error)}`,
      );
      resultCallback({ code: ExportResultCode.FAILED, error: asError(error) });
      return;
    }
    if (body === undefined) {
      this.logger.warnRateLimited('serialize', `Serializing ${itemCount} items failed.`);
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('Serialization failed.') });
      return;
    }

    const supersede = this.codec.supersedeKey?.(items);
    const result = this.transport.enqueue(
      supersede === undefined
        ? { body, encoding, itemCount }
        : { body, encoding, itemCount, supersede },
    );
    if (result === 'queued') {
      resultCallback({ code: ExportResultCode.SUCCESS });
    } else {
      const message =
        result === 'too-large'
          ? `A batch of ${itemCount} items (${body.byteLength} bytes) exceeds the queue caps.`
          : 'Exporter is shut down.';
      resultCallback({ code: ExportResultCode.FAILED, error: new Error(message) });
    }
  }

  /** Tries to deliver everything queued within the flush deadline. Never rejects. */
  async forceFlush(): Promise<void> {
    await this.flush(this.flushTimeoutMillis);
  }

  /** Tries to deliver everything queued within `timeoutMillis`, and reports what is pending. */
  flush(timeoutMillis: number = this.flushTimeoutMillis): Promise<DeliveryReport> {
    return this.transport.forceFlush(timeoutMillis);
  }

  /**
   * Flushes within the shutdown deadline, then drops and counts what is left. Never rejects.
   */
  async shutdown(): Promise<void> {
    await this.shutdownWithReport(this.shutdownTimeoutMillis);
  }

  /** Like {@link shutdown}, with an explicit deadline and the delivery report. */
  shutdownWithReport(timeoutMillis: number = this.shutdownTimeoutMillis): Promise<DeliveryReport> {
    this.isShutdown = true;
    return this.transport.shutdown(timeoutMillis);
  }

  /** Returns the transport counters. */
  getStats(): TransportStats {
    return this.transport.getStats();
  }

  /** Returns the transport counters with the delivery state. */
  status(): TransportStatus {
    return this.transport.status();
  }

  private currentTarget(): ExportTarget {
    const source = this.options.target;
    return typeof source === 'function' ? source() : source;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
