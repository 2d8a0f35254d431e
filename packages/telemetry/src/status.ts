import type {
  DroppedItems,
  OtlpSignal,
  TransportStats,
  TransportStatus,
} from '@mlsysops/telemetry-core';
import type { ReconfigurationStatus } from './reconfigure-controller.js';

/** Delivery status of one signal, as {@link Telemetry.status} reports it. */
export interface SignalStatus {
  /** False when the signal is turned off or the SDK is disabled. */
  enabled: boolean;
  /** Endpoint of the agent without credentials; undefined before the first export. */
  endpoint: string | undefined;
  /**
   * True after an accepted export with no failure since, false after a failed attempt,
   * undefined before the first attempt or when the exporter reports no status.
   */
  reachable: boolean | undefined;
  /** Reason of the last failed attempt, without header values. */
  lastError: string | undefined;
  /** Items (data points, spans, log records) the agent accepted. */
  exported: number;
  /** Requests that failed in a retryable way and were sent again. */
  retried: number;
  /** Items waiting in the store-and-forward buffer now. */
  buffered: number;
  /** Items dropped before delivery, all reasons together. */
  dropped: number;
  /** Items dropped before delivery, by reason. */
  droppedByReason: DroppedItems;
  /** Items the agent rejected for good. */
  failed: number;
}

/** Snapshot returned by {@link Telemetry.status}. */
export interface TelemetryStatus {
  /** False when `OTEL_SDK_DISABLED=true` or `disabled: true`. */
  enabled: boolean;
  /** `service.name` of the resource. */
  serviceName: string;
  /** True after `shutdown()` started. */
  shutDown: boolean;
  /** Per-signal delivery status. */
  signals: Record<OtlpSignal, SignalStatus>;
  /** Reconfigurable settings in force and the time and source of the last change. */
  reconfiguration: ReconfigurationStatus;
}

/** Transport status methods of an exporter. The transport exporters implement both. */
export interface ExporterStatusSource {
  /** Full snapshot with endpoint and reachability. */
  status?: () => TransportStatus;
  /** Counters only. */
  getStats?: () => TransportStats;
}

function zeroDropped(): DroppedItems {
  return { overflow: 0, superseded: 0, 'too-large': 0, shutdown: 0 };
}

/** Returns the status of a signal that does not export. */
export function disabledSignalStatus(): SignalStatus {
  return {
    enabled: false,
    endpoint: undefined,
    reachable: undefined,
    lastError: undefined,
    exported: 0,
    retried: 0,
    buffered: 0,
    dropped: 0,
    droppedByReason: zeroDropped(),
    failed: 0,
  };
}

function sumDropped(dropped: DroppedItems): number {
  return dropped.overflow + dropped.superseded + dropped['too-large'] + dropped.shutdown;
}

/**
 * Reads the status of one exporter. Exporters that are not transport exporters (an
 * in-memory exporter in tests, a custom one) report zero counters and unknown reachability.
 */
export function readSignalStatus(exporter: unknown): SignalStatus {
  const source = (exporter ?? {}) as ExporterStatusSource;
  const result: SignalStatus = { ...disabledSignalStatus(), enabled: true };

  let stats: TransportStats | undefined;
  try {
    if (typeof source.status === 'function') {
      const status = source.status();
      stats = status;
      result.endpoint = status.endpoint;
      result.lastError = status.lastError;
      if (status.consecutiveFailures > 0) result.reachable = false;
      else if (status.lastSuccessMillis !== undefined) result.reachable = true;
    } else if (typeof source.getStats === 'function') {
      stats = source.getStats();
    }
  } catch {
    return result;
  }

  if (stats !== undefined) {
    result.exported = stats.exportedItems;
    result.retried = stats.retriedRequests;
    result.buffered = stats.bufferedItems;
    result.droppedByReason = { ...stats.droppedItems };
    result.dropped = sumDropped(stats.droppedItems);
    result.failed = stats.failedItems + stats.rejectedItems;
  }
  return result;
}
