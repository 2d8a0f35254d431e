import { setTimeout as sleep } from 'node:timers/promises';
import { createFeatureGenerator } from './features.js';
import { LatencyReservoir } from './latency-reservoir.js';
import { type LoadOptions, rateFactor } from './options.js';

/** Counters of a run, as printed in the progress line and the summary. */
export interface LoadStats {
  /** Requests sent. */
  sent: number;
  /** Responses with a 2xx status. */
  succeeded: number;
  /** Failed requests by HTTP status code or by `timeout` / `network`. */
  failed: Record<string, number>;
  /** Scheduled requests not sent because `maxInFlight` requests were pending. */
  skipped: number;
  /** Requests still pending. */
  inFlight: number;
  /** Time since the run started, in seconds. */
  elapsedSeconds: number;
  /** Current target rate in requests per second. */
  targetRate: number;
}

/** Final result of {@link runLoad}. */
export interface LoadSummary extends LoadStats {
  /** Latency percentiles of completed requests (any status), in milliseconds. */
  latencyMillis: { p50?: number; p95?: number; p99?: number };
  /** Why the run stopped: `duration`, `max-requests` or `signal`. */
  stoppedBy: 'duration' | 'max-requests' | 'signal';
}

// Scheduling granularity: each tick sends every request that became due since the last one,
// so rates above 1000 req/s need no sub-millisecond timers.
const TICK_MILLIS = 5;

const DUE_TOLERANCE = 1e-6;

/**
 * Sends POST `<url>/predict` requests at the requested rate until the duration, the request
 * limit or `signal` ends the run, then waits for the pending requests (each bounded by
 * `timeoutMillis`) and returns the summary. Redirects are not followed, so no request ever
 * leaves the given origin.
 */
export async function runLoad(
  options: LoadOptions,
  onProgress: (stats: LoadStats) => void,
  signal?: AbortSignal,
): Promise<LoadSummary> {
  const target = new URL(
    'predict',
    options.url.href.endsWith('/') ? options.url : `${options.url.href}/`,
  );
  const nextFeatures = createFeatureGenerator(options.seed);
  const latencies = new LatencyReservoir();
  const pending = new Set<Promise<void>>();
  const stats: LoadStats = {
    sent: 0,
    succeeded: 0,
    failed: {},
    skipped: 0,
    inFlight: 0,
    elapsedSeconds: 0,
    targetRate: options.rate * rateFactor(options.pattern, 0),
  };
  const fail = (key: string): void => {
    stats.failed[key] = (stats.failed[key] ?? 0) + 1;
  };

  const send = async (): Promise<void> => {
    const started = performance.now();
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(nextFeatures()),
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMillis),
      });
      await response.arrayBuffer();

      latencies.add(performance.now() - started);
      if (response.ok) stats.succeeded++;
      else fail(String(response.status));
    } catch (error) {
      fail(error instanceof DOMException && error.name === 'TimeoutError' ? 'timeout' : 'network');
    }
  };

  const startedAt = performance.now();
  const durationMillis = options.durationSeconds * 1000;
  let scheduled = 0;
  let due = 0;
  let lastTick = 0;
  let stoppedBy: LoadSummary['stoppedBy'] = 'duration';

  while (true) {
    const now = performance.now();
    const elapsed = now - startedAt;

    if (signal?.aborted) {
      stoppedBy = 'signal';
      break;
    }
    if (scheduled >= options.maxRequests) {
      stoppedBy = 'max-requests';
      break;
    }

    // Integrating the target rate up to now (up to the end of the run on the last tick) gives
    // how many requests are due. The run then sends exactly rate x duration.
    const until = Math.min(elapsed, durationMillis);
    stats.targetRate = options.rate * rateFactor(options.pattern, until / durationMillis);
    due += (stats.targetRate * (until - lastTick)) / 1000;
    lastTick = until;

    // The tolerance absorbs floating-point error of the sum, so 50 req/s for 1 s is 50.
    while (due >= 1 - DUE_TOLERANCE && scheduled < options.maxRequests) {
      due--;
      scheduled++;
      if (pending.size >= options.maxInFlight) {
        stats.skipped++;
        continue;
      }

      stats.sent++;
      const request = send().finally(() => pending.delete(request));
      pending.add(request);
    }

    stats.inFlight = pending.size;
    stats.elapsedSeconds = elapsed / 1000;
    onProgress(stats);
    if (elapsed >= durationMillis) break;
    await sleep(TICK_MILLIS);
  }

  await Promise.allSettled([...pending]);
  stats.inFlight = 0;
  stats.elapsedSeconds = (performance.now() - startedAt) / 1000;

  return {
    ...stats,
    latencyMillis: {
      p50: latencies.percentile(50),
      p95: latencies.percentile(95),
      p99: latencies.percentile(99),
    },
    stoppedBy,
  };
}
