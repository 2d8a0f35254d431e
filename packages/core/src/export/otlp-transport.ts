import { type ComponentLogger, createComponentLogger } from '../diagnostics/component-logger.js';
import { type DropReason, ExportQueue, type OtlpBatch, type QueuedBatch } from './export-queue.js';
import {
  type ExportTarget,
  type ExportTargetSource,
  type OtlpEncoding,
  type OtlpSignal,
  redactUrl,
} from './export-target.js';
import { createGrpcSender } from './grpc-sender.js';
import { createHttpSender } from './http-sender.js';
import {
  computeBackoffMillis,
  type ResolvedRetryOptions,
  type RetryOptions,
  resolveRetryOptions,
} from './retry-policy.js';
import type { Sender, SendOutcome } from './sender.js';
import {
  type DeliveryReport,
  emptyDroppedItems,
  subtractDroppedItems,
  type TransportState,
  type TransportStats,
  type TransportStatus,
} from './transport-stats.js';

/** Default byte cap of one signal's queue: 4 MiB, sized for small edge boards. */
export const DEFAULT_MAX_QUEUE_BYTES = 4 * 1024 * 1024;

/** Default item cap of one signal's queue (spans, log records or metric data points). */
export const DEFAULT_MAX_QUEUE_ITEMS = 20_000;

/** Default deadline of `forceFlush` and `shutdown`, in milliseconds. */
export const DEFAULT_FLUSH_TIMEOUT_MILLIS = 10_000;

/** Items a server reported as rejected in a partial success response, and its message. */
export interface PartialSuccess {
  /** Rejected spans, log records or data points. */
  rejectedItems: number;
  /** Server message, possibly empty. */
  message: string;
}

/** Options of {@link createOtlpTransport}. */
export interface OtlpTransportOptions {
  /** Signal carried by this transport. */
  signal: OtlpSignal;
  /** Endpoint settings, read before every request so discovery can move the target. */
  target: ExportTargetSource;
  /** Byte cap of the queue. Default {@link DEFAULT_MAX_QUEUE_BYTES}. */
  maxQueueBytes?: number;
  /** Item cap of the queue. Default {@link DEFAULT_MAX_QUEUE_ITEMS}. */
  maxQueueItems?: number;
  /** Backoff settings. */
  retry?: RetryOptions;
  /**
   * Reads a partial success from a response body. Exporters pass the OTLP response
   * deserializer of their signal. Errors it throws are ignored.
   */
  decodePartialSuccess?: (body: Uint8Array, encoding: OtlpEncoding) => PartialSuccess | undefined;
  /**
   * Called after each retryable failure with its reason, for example so that agent discovery
   * looks for a moved agent. Errors it throws are ignored.
   */
  onRetryableFailure?: (reason: string) => void;
  /** Logger; default a component logger named `@mlsysops/telemetry-core/export/<signal>`. */
  logger?: ComponentLogger;
}

/** Result of {@link OtlpTransport.enqueue}. */
export type EnqueueResult = 'queued' | 'too-large' | 'shut-down';

/**
 * Delivers serialized OTLP requests of one signal in order, with retries, through a bounded
 * store-and-forward queue.
 */
export interface OtlpTransport {
  /** Signal carried by this transport. */
  readonly signal: OtlpSignal;
  /**
   * Queues `batch` for delivery in the background and returns at once. Older batches are
   * evicted, counted and reported when the queue is full.
   */
  enqueue(batch: OtlpBatch): EnqueueResult;
  /**
   * Tries to deliver every batch queued before the call within `timeoutMillis`, skipping
   * backoff waits that the transport chose itself. Resolves with what is still pending.
   */
  forceFlush(timeoutMillis?: number): Promise<DeliveryReport>;
  /**
   * Flushes within `timeoutMillis`, then aborts the request in flight, drops what remains
   * (counted as `shutdown`) and closes connections. Later calls return the first report.
   */
  shutdown(timeoutMillis?: number): Promise<DeliveryReport>;
  /** Returns the counters. */
  getStats(): TransportStats;
  /** Returns the counters with the delivery state. */
  status(): TransportStatus;
}

function validateCap(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Invalid ${name}: ${String(value)}. Expected a positive integer.`);
  }
  return value;
}

/** A caller of `forceFlush` or `shutdown` waiting for the queue to drain or its deadline. */
interface FlushWaiter {
  /** Sequence number of the last batch that the caller waits for. */
  readonly sequence: number;
  /** Time at which the wait ends, in milliseconds since the epoch. */
  deadlineMillis: number;
  /** Ends the wait now. */
  wake(): void;
  /** Moves the deadline to an earlier time. */
  reschedule(deadlineMillis: number): void;
}

class Transport implements OtlpTransport {
  readonly signal: OtlpSignal;
  private readonly queue: ExportQueue;
  private readonly retry: ResolvedRetryOptions;
  private readonly logger: ComponentLogger;
  private readonly abortController = new AbortController();
  private readonly flushWaiters = new Set<FlushWaiter>();
  private httpSender: Sender | undefined;
  private grpcSender: Sender | undefined;

  private inFlight: QueuedBatch | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  private backoffFromServer = false;
  private nextAttemptMillis: number | undefined;
  private consecutiveFailures = 0;
  private lastError: string | undefined;
  private lastSuccessMillis: number | undefined;
  private lastTarget: ExportTarget | undefined;
  private shutdownReport: Promise<DeliveryReport> | undefined;
  private stopped = false;

  private readonly stats: Omit<
    TransportStats,
    'bufferedItems' | 'bufferedBatches' | 'bufferedBytes'
  >;

  constructor(private readonly options: OtlpTransportOptions) {
    this.signal = options.signal;
    this.retry = resolveRetryOptions(options.retry);
    this.queue = new ExportQueue(
      validateCap('maxQueueBytes', options.maxQueueBytes, DEFAULT_MAX_QUEUE_BYTES),
      validateCap('maxQueueItems', options.maxQueueItems, DEFAULT_MAX_QUEUE_ITEMS),
    );
    this.logger =
      options.logger ?? createComponentLogger(`@mlsysops/telemetry-core/export/${options.signal}`);
    this.stats = {
      signal: options.signal,
      exportedItems: 0,
      exportedBatches: 0,
      retriedRequests: 0,
      droppedItems: emptyDroppedItems(),
      failedItems: 0,
      rejectedItems: 0,
    };
  }

  enqueue(batch: OtlpBatch): EnqueueResult {
    if (this.stopped) return 'shut-down';

    const dropped = this.queue.push(batch, this.inFlight);
    let result: EnqueueResult = 'queued';
    for (const { batch: victim, reason } of dropped) {
      this.countDrop(victim.itemCount, reason);
      if (victim === batch) result = 'too-large';
    }
    this.wakeFlushWaiters();
    this.pump();
    return result;
  }

  forceFlush(timeoutMillis = DEFAULT_FLUSH_TIMEOUT_MILLIS): Promise<DeliveryReport> {
    return this.flushUntil(Date.now() + timeoutMillis);
  }

  shutdown(timeoutMillis = DEFAULT_FLUSH_TIMEOUT_MILLIS): Promise<DeliveryReport> {
    if (this.shutdownReport !== undefined) {
      // A second call with a shorter deadline shortens the running shutdown, so a caller
      // that gives up early is not held by the longer deadline of the first call.
      this.shortenFlushWaits(Date.now() + timeoutMillis);
      return this.shutdownReport;
    }
    this.shutdownReport = this.runShutdown(timeoutMillis);
    return this.shutdownReport;
  }

  getStats(): TransportStats {
    return {
      ...this.stats,
      droppedItems: { ...this.stats.droppedItems },
      bufferedItems: this.queue.itemCount,
      bufferedBatches: this.queue.batchCount,
      bufferedBytes: this.queue.byteCount,
    };
  }

  status(): TransportStatus {
    let state: TransportState = 'idle';
    if (this.stopped) state = 'shut-down';
    else if (this.inFlight !== undefined) state = 'sending';
    else if (this.backoffTimer !== undefined) state = 'backoff';

    return {
      ...this.getStats(),
      state,
      protocol: this.lastTarget?.protocol,
      endpoint: this.lastTarget === undefined ? undefined : redactUrl(this.lastTarget.url),
      consecutiveFailures: this.consecutiveFailures,
      lastError: this.lastError,
      lastSuccessMillis: this.lastSuccessMillis,
      nextAttemptMillis: this.nextAttemptMillis,
    };
  }

  private async runShutdown(timeoutMillis: number): Promise<DeliveryReport> {
    const before = this.getStats();
    const flushed = await this.flushUntil(Date.now() + timeoutMillis);

    this.stopped = true;
    this.clearBackoff();
    this.abortController.abort();
    for (const batch of this.queue.clear()) this.countDrop(batch.itemCount, 'shutdown');
    this.inFlight = undefined;
    this.httpSender?.close();
    this.grpcSender?.close();
    this.wakeFlushWaiters();

    const after = this.getStats();
    const report: DeliveryReport = {
      complete: flushed.complete,
      pendingItems: 0,
      pendingBatches: 0,
      droppedItems: subtractDroppedItems(after.droppedItems, before.droppedItems),
      failedItems: after.failedItems - before.failedItems,
    };
    if (report.droppedItems.shutdown > 0) {
      this.logger.warn(
        `OTLP ${this.signal} shutdown dropped ${report.droppedItems.shutdown} undelivered items ` +
          `after ${timeoutMillis} ms; last error: ${this.lastError ?? 'none'}`,
      );
    }
    return report;
  }

  private async flushUntil(deadlineMillis: number): Promise<DeliveryReport> {
    const before = this.getStats();
    const sequence = this.queue.lastSequence;

    // A flush is a request to try now, so a backoff the transport chose itself is cut short.
    // A delay that the server requested is kept.
    if (this.backoffTimer !== undefined && !this.backoffFromServer) {
      this.clearBackoff();
      this.pump();
    }

    await new Promise<void>((resolve) => {
      // This timer stays ref()'d, so a process that awaits a flush or shutdown while the
      // queue waits for a backoff does not exit with the promise pending. The deadline bounds
      // how long it keeps the process alive.
      let timer = setTimeout(() => settle(), Math.max(0, deadlineMillis - Date.now()));
      const settle = (): void => {
        clearTimeout(timer);
        this.flushWaiters.delete(waiter);
        resolve();
      };
      const waiter: FlushWaiter = {
        sequence,
        deadlineMillis,
        wake: settle,
        reschedule: (earlierMillis) => {
          clearTimeout(timer);
          waiter.deadlineMillis = earlierMillis;
          timer = setTimeout(settle, Math.max(0, earlierMillis - Date.now()));
        },
      };
      this.flushWaiters.add(waiter);
      this.wakeFlushWaiters();
    });

    const after = this.getStats();
    const first = this.queue.firstSequence;
    return {
      complete: first === undefined || first > sequence,
      pendingItems: after.bufferedItems,
      pendingBatches: after.bufferedBatches,
      droppedItems: subtractDroppedItems(after.droppedItems, before.droppedItems),
      failedItems: after.failedItems - before.failedItems,
    };
  }

  private shortenFlushWaits(deadlineMillis: number): void {
    for (const waiter of this.flushWaiters) {
      if (waiter.deadlineMillis > deadlineMillis) waiter.reschedule(deadlineMillis);
    }
  }

  private wakeFlushWaiters(): void {
    if (this.flushWaiters.size === 0) return;
    const first = this.queue.firstSequence;
    for (const waiter of this.flushWaiters) {
      if (this.stopped || first === undefined || first > waiter.sequence) waiter.wake();
    }
  }

  /** Starts the next attempt unless one is running, a backoff is pending or the queue is empty. */
  private pump(): void {
    if (this.stopped || this.inFlight !== undefined || this.backoffTimer !== undefined) return;
    const batch = this.queue.peek();
    if (batch === undefined) return;

    let target: ExportTarget;
    try {
      target =
        typeof this.options.target === 'function' ? this.options.target() : this.options.target;
    } catch (error) {
      this.onOutcome(batch, {
        kind: 'retryable',
        reason: `reading the export target failed: ${String(error)}`,
      });
      return;
    }

    this.inFlight = batch;
    this.lastTarget = target;
    const sender = target.protocol === 'grpc' ? this.grpc() : this.http();
    sender
      .send({
        signal: this.signal,
        body: batch.body,
        encoding: batch.encoding,
        target,
        abortSignal: this.abortController.signal,
      })
      .then(
        (outcome) => this.onOutcome(batch, outcome),
        (error: unknown) => this.onOutcome(batch, { kind: 'retryable', reason: String(error) }),
      );
  }

  private onOutcome(batch: QueuedBatch, outcome: SendOutcome): void {
    if (this.inFlight === batch) this.inFlight = undefined;
    if (this.stopped) return;

    const endpoint = this.lastTarget === undefined ? '' : ` to ${redactUrl(this.lastTarget.url)}`;
    if (outcome.kind === 'success') {
      this.queue.remove(batch);
      this.onSuccess(batch, outcome.responseBody, endpoint);
    } else if (outcome.kind === 'rejected') {
      this.queue.remove(batch);
      this.stats.failedItems += batch.itemCount;
      this.lastError = outcome.reason;
      this.logger.warnRateLimited(
        'rejected',
        `OTLP ${this.signal} export${endpoint} was rejected and will not be retried; ` +
          `dropped ${batch.itemCount} items: ${outcome.reason}`,
      );
    } else {
      this.scheduleRetry(outcome.reason, outcome.retryAfterMillis, endpoint);
    }

    this.wakeFlushWaiters();
    this.pump();
  }

  private onSuccess(batch: QueuedBatch, responseBody: Uint8Array, endpoint: string): void {
    if (this.consecutiveFailures > 0) {
      this.logger.info(
        `OTLP ${this.signal} export${endpoint} succeeded again after ` +
          `${this.consecutiveFailures} failed attempts`,
      );
    }
    this.consecutiveFailures = 0;
    this.lastSuccessMillis = Date.now();
    this.stats.exportedBatches++;

    const partial = this.decodePartialSuccess(responseBody, batch.encoding);
    const rejected = Math.min(partial?.rejectedItems ?? 0, batch.itemCount);
    this.stats.exportedItems += batch.itemCount - rejected;
    if (partial !== undefined && (rejected > 0 || partial.message !== '')) {
      this.stats.rejectedItems += rejected;
      this.logger.warnRateLimited(
        'partial-success',
        `OTLP ${this.signal} export${endpoint} was partly rejected: ${rejected} of ` +
          `${batch.itemCount} items rejected${partial.message === '' ? '' : `: ${partial.message}`}`,
      );
    }
  }

  private decodePartialSuccess(
    body: Uint8Array,
    encoding: OtlpEncoding,
  ): PartialSuccess | undefined {
    if (body.byteLength === 0 || this.options.decodePartialSuccess === undefined) return undefined;
    try {
      return this.options.decodePartialSuccess(body, encoding);
    } catch {
      return undefined;
    }
  }

  private scheduleRetry(
    reason: string,
    retryAfterMillis: number | undefined,
    endpoint: string,
  ): void {
    this.consecutiveFailures++;
    this.stats.retriedRequests++;
    this.lastError = reason;

    const delay =
      retryAfterMillis === undefined
        ? computeBackoffMillis(this.consecutiveFailures, this.retry)
        : Math.min(retryAfterMillis, this.retry.maxServerDelayMillis);
    this.backoffFromServer = retryAfterMillis !== undefined;
    this.nextAttemptMillis = Date.now() + delay;
    this.logger.warnRateLimited(
      'retry',
      `OTLP ${this.signal} export${endpoint} failed, retrying in ${delay} ms ` +
        `(${this.queue.itemCount} items buffered): ${reason}`,
    );

    try {
      this.options.onRetryableFailure?.(reason);
    } catch {
      // A failing observer must not stop delivery.
    }

    this.backoffTimer = setTimeout(() => {
      this.clearBackoff();
      this.pump();
    }, delay);
    this.backoffTimer.unref();
  }

  private clearBackoff(): void {
    if (this.backoffTimer !== undefined) clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    this.backoffFromServer = false;
    this.nextAttemptMillis = undefined;
  }

  private countDrop(items: number, reason: DropReason): void {
    this.stats.droppedItems[reason] += items;
    if (reason === 'shutdown') return;
    this.logger.warnRateLimited(
      `drop-${reason}`,
      `OTLP ${this.signal} queue dropped ${items} items (${reason}); ` +
        `${this.stats.droppedItems[reason]} dropped for this reason so far`,
    );
  }

  private http(): Sender {
    this.httpSender ??= createHttpSender();
    return this.httpSender;
  }

  private grpc(): Sender {
    this.grpcSender ??= createGrpcSender();
    return this.grpcSender;
  }
}

/**
 * Creates the transport of one signal.
 * @throws {RangeError} when a cap or retry option is not a valid number.
 */
export function createOtlpTransport(options: OtlpTransportOptions): OtlpTransport {
  return new Transport(options);
}
