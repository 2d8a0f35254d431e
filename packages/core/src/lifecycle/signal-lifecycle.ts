import { type FlushableExporter, flushExporter, stopExporterNow } from './exporter-deadline.js';
import { type FlushResult, settleWithin } from './settle-within.js';

/** Options of {@link createSignalLifecycle}. */
export interface SignalLifecycleOptions {
  /** The exporter behind the provider's processors or readers. */
  exporter: FlushableExporter;
  /** Flushes the provider's processors or readers into the exporter. */
  flushProvider(timeoutMillis: number): Promise<unknown>;
  /** Shuts the provider down, processors or readers included. */
  shutdownProvider(timeoutMillis: number): Promise<unknown>;
  /** Runs after the provider shut down in time, for example to unregister a global. */
  afterShutdown?(): void;
  /** Deadline of `forceFlush()` when the caller passes none, in milliseconds. */
  flushTimeoutMillis: number;
  /** Deadline of `shutdown()` when the caller passes none, in milliseconds. */
  shutdownTimeoutMillis: number;
}

/** `forceFlush` and `shutdown` of a signal handle, each bounded by its deadline. */
export interface SignalLifecycle {
  /** Flushes the provider and then the exporter's queue. Resolves within the deadline. */
  forceFlush(timeoutMillis?: number): Promise<FlushResult>;
  /** Flushes and stops; later calls return the first call's result. */
  shutdown(timeoutMillis?: number): Promise<FlushResult>;
}

/**
 * Creates the flush and shutdown of a signal handle. Both resolve within their deadline and
 * never reject. After a shutdown, the exporter is stopped at once, because past the deadline
 * it may still wait for its own, longer one, and its sockets and timers would keep the
 * process alive.
 */
export function createSignalLifecycle(options: SignalLifecycleOptions): SignalLifecycle {
  const { exporter } = options;
  let stopped: Promise<FlushResult> | undefined;

  const forceFlush = (timeoutMillis = options.flushTimeoutMillis): Promise<FlushResult> =>
    settleWithin(async () => {
      const deadline = Date.now() + timeoutMillis;
      await options.flushProvider(timeoutMillis);
      // A batch processor only hands its batch to the exporter. The exporter's own flush then
      // waits for its queue to be delivered, within what is left of the deadline.
      await flushExporter(exporter, Math.max(0, deadline - Date.now()));
    }, timeoutMillis);

  const shutdown = (timeoutMillis = options.shutdownTimeoutMillis): Promise<FlushResult> => {
    stopped ??= settleWithin(async () => {
      await options.shutdownProvider(timeoutMillis);
      options.afterShutdown?.();
    }, timeoutMillis).then((result) => {
      stopExporterNow(exporter);
      return result;
    });
    return stopped;
  };

  return { forceFlush, shutdown };
}
