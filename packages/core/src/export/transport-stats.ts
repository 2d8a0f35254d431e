import type { DropReason } from './export-queue.js';
import type { OtlpProtocol, OtlpSignal } from './export-target.js';

/** Items dropped before delivery, by reason. */
export interface DroppedItems {
  /** Evicted as the oldest data because the queue reached a cap. */
  overflow: number;
  /** Evicted because a newer cumulative metric snapshot carries the same counts. */
  superseded: number;
  /** Rejected at once because a single batch exceeds a cap. */
  'too-large': number;
  /** Still queued when shutdown ran out of time. */
  shutdown: number;
}

/**
 * Counters of one transport since it was created. Item counts are spans, log records or
 * metric data points.
 */
export interface TransportStats {
  /** Signal of the transport. */
  signal: OtlpSignal;
  /** Items the server accepted, excluding those it reported as rejected. */
  exportedItems: number;
  /** Requests the server accepted. */
  exportedBatches: number;
  /** Attempts that failed in a retryable way and were scheduled again. */
  retriedRequests: number;
  /** Items waiting in the queue now, including the request being sent. */
  bufferedItems: number;
  /** Batches waiting in the queue now. */
  bufferedBatches: number;
  /** Bytes charged by the queue now. */
  bufferedBytes: number;
  /** Items dropped before delivery, by reason. */
  droppedItems: DroppedItems;
  /** Items in requests that the server rejected with a non-retryable error. */
  failedItems: number;
  /** Items that the server reported as rejected in a partial success response. */
  rejectedItems: number;
}

/** Delivery state of a transport. */
export type TransportState = 'idle' | 'sending' | 'backoff' | 'shut-down';

/** A snapshot of a transport for status pages and diagnostics. Contains no header values. */
export interface TransportStatus extends TransportStats {
  /** Current delivery state. */
  state: TransportState;
  /** Protocol of the last request, or of the current target before the first one. */
  protocol: OtlpProtocol | undefined;
  /** Endpoint of the last request without credentials, query or fragment. */
  endpoint: string | undefined;
  /** Failed attempts since the last success. */
  consecutiveFailures: number;
  /** Reason of the last failed attempt, without header values. */
  lastError: string | undefined;
  /** Wall-clock time of the last accepted request, in milliseconds since the epoch. */
  lastSuccessMillis: number | undefined;
  /** Wall-clock time of the next attempt while in backoff, in milliseconds since the epoch. */
  nextAttemptMillis: number | undefined;
}

/**
 * Outcome of `forceFlush` or `shutdown`: what was still undelivered when the call returned.
 */
export interface DeliveryReport {
  /** True when every batch queued before the call was delivered or dropped with a count. */
  complete: boolean;
  /** Items still queued when the call returned. */
  pendingItems: number;
  /** Batches still queued when the call returned. */
  pendingBatches: number;
  /** Items dropped during the call, by reason (shutdown drops what remains). */
  droppedItems: DroppedItems;
  /** Items the server rejected for good during the call. */
  failedItems: number;
}

/** Returns a zeroed {@link DroppedItems}. */
export function emptyDroppedItems(): DroppedItems {
  return { overflow: 0, superseded: 0, 'too-large': 0, shutdown: 0 };
}

/** Returns `after - before` for each reason. */
export function subtractDroppedItems(after: DroppedItems, before: DroppedItems): DroppedItems {
  const result = emptyDroppedItems();
  for (const reason of Object.keys(result) as DropReason[]) {
    result[reason] = after[reason] - before[reason];
  }
  return result;
}
