import type { ComponentLogger } from '@mlsysops/telemetry-core';
import type { MetricSample } from '../exposition/types.js';

/** Options of `LocalReader.watch`. */
export interface WatchOptions {
  /** Time between the end of one poll and the start of the next, in milliseconds. */
  intervalMillis: number;
}

/** Result of one poll of a watch. */
export interface MetricWatchEvent {
  /** Metric name being watched. */
  name: string;
  /** Value of the first matching sample; `undefined` when none matched or the poll failed. */
  value: number | undefined;
  /** All matching samples; empty when the poll failed. */
  samples: MetricSample[];
  /** Cause of a failed poll (endpoint down, timeout, malformed text); absent on success. */
  error?: Error;
}

/**
 * Receives each poll result. A returned promise is awaited before the next poll is scheduled;
 * an exception or rejection is logged and does not stop the watch.
 */
export type MetricWatchListener = (event: MetricWatchEvent) => void | Promise<void>;

/**
 * Starts polling with `poll` and returns a stop function. Polls never overlap: the next one is
 * scheduled `intervalMillis` after the previous poll and its listener finished. Timers are
 * unref()'d, so a watch alone does not keep the process running. Failures reach the listener
 * as `event.error` and a rate-limited warning, and polling goes on.
 */
export function startMetricWatch(
  poll: (signal: AbortSignal) => Promise<MetricSample[]>,
  name: string,
  options: WatchOptions,
  listener: MetricWatchListener,
  logger: ComponentLogger,
): () => void {
  const intervalMillis = options?.intervalMillis;
  if (!Number.isSafeInteger(intervalMillis) || intervalMillis < 1) {
    throw new RangeError(
      `Invalid option intervalMillis ${String(intervalMillis)}: expected a positive integer.`,
    );
  }
  if (typeof listener !== 'function') {
    throw new TypeError('Invalid argument listener: expected a function.');
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // A fresh controller per poll, so no long-lived signal collects listeners across polls.
  let inFlight: AbortController | undefined;

  const run = async (): Promise<void> => {
    timer = undefined;
    const controller = new AbortController();
    inFlight = controller;
    let event: MetricWatchEvent;

    try {
      const samples = await poll(controller.signal);
      event = { name, value: samples[0]?.value, samples };
    } catch (error) {
      if (stopped) return;
      const cause = error instanceof Error ? error : new Error(String(error));
      logger.warnRateLimited(`watch:${name}`, `Polling metric "${name}" failed: ${cause.message}`);
      event = { name, value: undefined, samples: [], error: cause };
    } finally {
      inFlight = undefined;
    }
    if (stopped) return;

    try {
      await listener(event);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.warnRateLimited(
        `watch-listener:${name}`,
        `Listener of metric "${name}" failed: ${message}`,
      );
    }
    if (stopped) return;

    timer = setTimeout(run, intervalMillis);
    timer.unref();
  };

  timer = setTimeout(run, 0);
  timer.unref();

  return () => {
    stopped = true;
    inFlight?.abort();
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
}
