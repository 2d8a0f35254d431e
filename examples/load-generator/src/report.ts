import type { LoadStats, LoadSummary } from './run-load.js';

const totalFailed = (stats: LoadStats): number =>
  Object.values(stats.failed).reduce((sum, count) => sum + count, 0);

const millis = (value: number | undefined): string =>
  value === undefined ? '-' : `${value.toFixed(1)} ms`;

/** Formats the one-line progress display. */
export function formatProgress(stats: LoadStats): string {
  return (
    `${stats.elapsedSeconds.toFixed(0)} s  target ${stats.targetRate.toFixed(1)} req/s  ` +
    `sent ${stats.sent}  ok ${stats.succeeded}  failed ${totalFailed(stats)}  ` +
    `skipped ${stats.skipped}  in flight ${stats.inFlight}`
  );
}

/** Formats the closing summary as a few lines of text. */
export function formatSummary(url: string, summary: LoadSummary): string {
  const failures = Object.entries(summary.failed)
    .map(([key, count]) => `${key}: ${count}`)
    .join(', ');

  return [
    `load-generator: ${summary.sent} requests to ${url} in ${summary.elapsedSeconds.toFixed(1)} s (stopped by ${summary.stoppedBy})`,
    `  succeeded ${summary.succeeded}, failed ${totalFailed(summary)}${failures ? ` (${failures})` : ''}, skipped ${summary.skipped}`,
    `  latency p50 ${millis(summary.latencyMillis.p50)}, p95 ${millis(summary.latencyMillis.p95)}, p99 ${millis(summary.latencyMillis.p99)}`,
  ].join('\n');
}
