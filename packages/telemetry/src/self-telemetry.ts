import type { OtlpSignal } from '@mlsysops/telemetry-core';
import type {
  BatchObservableResult,
  Meter,
  ObservableCounter,
  ObservableGauge,
} from '@opentelemetry/api';
import type { SignalStatus } from './status.js';

/** Name of the meter that reports the packages' own counters. */
export const SELF_TELEMETRY_METER_NAME = '@mlsysops/telemetry';

/** Counter, `{item}`: items the agent accepted, by `mlsysops.telemetry.signal`. */
export const METRIC_TELEMETRY_EXPORTED = 'mlsysops.telemetry.exported';
/** Counter, `{request}`: export requests retried after a retryable failure. */
export const METRIC_TELEMETRY_RETRIED = 'mlsysops.telemetry.retried';
/** Gauge, `{item}`: items waiting in the store-and-forward buffer. */
export const METRIC_TELEMETRY_BUFFERED = 'mlsysops.telemetry.buffered';
/** Counter, `{item}`: items dropped before delivery, by signal and `mlsysops.telemetry.drop_reason`. */
export const METRIC_TELEMETRY_DROPPED = 'mlsysops.telemetry.dropped';
/** Counter, `{item}`: items the agent rejected for good. */
export const METRIC_TELEMETRY_FAILED = 'mlsysops.telemetry.failed';

/** Attribute: signal of a self-telemetry data point (`metrics`, `traces`, `logs`). */
export const ATTR_TELEMETRY_SIGNAL = 'mlsysops.telemetry.signal';
/** Attribute: why items were dropped (`overflow`, `superseded`, `too-large`, `shutdown`). */
export const ATTR_TELEMETRY_DROP_REASON = 'mlsysops.telemetry.drop_reason';

/**
 * Registers observable instruments that report the per-signal delivery counters on `meter`.
 * The callback reads the counters at collection time only, so reporting costs nothing
 * between exports. Returns a function that removes the callback.
 */
export function registerSelfTelemetry(
  meter: Meter,
  readStatus: () => Record<OtlpSignal, SignalStatus>,
): () => void {
  const exported = meter.createObservableCounter(METRIC_TELEMETRY_EXPORTED, {
    description: 'Items the telemetry agent accepted.',
    unit: '{item}',
  });
  const retried = meter.createObservableCounter(METRIC_TELEMETRY_RETRIED, {
    description: 'Export requests retried after a retryable failure.',
    unit: '{request}',
  });
  const buffered = meter.createObservableGauge(METRIC_TELEMETRY_BUFFERED, {
    description: 'Items waiting in the store-and-forward buffer.',
    unit: '{item}',
  });
  const dropped = meter.createObservableCounter(METRIC_TELEMETRY_DROPPED, {
    description: 'Items dropped before delivery.',
    unit: '{item}',
  });
  const failed = meter.createObservableCounter(METRIC_TELEMETRY_FAILED, {
    description: 'Items the telemetry agent rejected for good.',
    unit: '{item}',
  });
  const observables: (ObservableCounter | ObservableGauge)[] = [
    exported,
    retried,
    buffered,
    dropped,
    failed,
  ];

  const callback = (result: BatchObservableResult): void => {
    const statuses = readStatus();

    for (const [signal, status] of Object.entries(statuses)) {
      if (!status.enabled) continue;
      const attributes = { [ATTR_TELEMETRY_SIGNAL]: signal };

      result.observe(exported, status.exported, attributes);
      result.observe(retried, status.retried, attributes);
      result.observe(buffered, status.buffered, attributes);
      result.observe(failed, status.failed, attributes);
      for (const [reason, count] of Object.entries(status.droppedByReason)) {
        result.observe(dropped, count, { ...attributes, [ATTR_TELEMETRY_DROP_REASON]: reason });
      }
    }
  };

  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}
