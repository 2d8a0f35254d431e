/** Cumulative histogram state read from one Prometheus text scrape. */
export interface HistogramSnapshot {
  /** Cumulative count per upper bound `le`, sorted by bound, ending with `+Inf`. */
  buckets: { le: number; count: number }[];
  /** Total number of observations (the `_count` sample). */
  count: number;
  /** Scrape time in milliseconds. */
  atMillis: number;
}

/**
 * Estimates quantile `q` (0 to 1) of the observations made between two snapshots of the same
 * cumulative histogram, by linear interpolation inside the bucket that contains the rank, as
 * PromQL's `histogram_quantile` does. Returns undefined when nothing was observed between
 * them or when the counter was reset (the later count is smaller).
 */
export function quantileBetween(
  earlier: HistogramSnapshot,
  later: HistogramSnapshot,
  q: number,
): number | undefined {
  const total = later.count - earlier.count;
  if (total <= 0) return undefined;

  const before = new Map(earlier.buckets.map((bucket) => [bucket.le, bucket.count]));
  const rank = q * total;
  let previousBound = 0;
  let previousCount = 0;

  for (const bucket of later.buckets) {
    const count = bucket.count - (before.get(bucket.le) ?? 0);
    if (count >= rank) {
      // The +Inf bucket has no upper bound, so like PromQL return the highest finite bound.
      if (bucket.le === Number.POSITIVE_INFINITY) return previousBound;
      const inBucket = count - previousCount;
      const fraction = inBucket > 0 ? (rank - previousCount) / inBucket : 1;
      return previousBound + (bucket.le - previousBound) * fraction;
    }
    previousBound = bucket.le;
    previousCount = count;
  }
  return previousBound;
}

/** Returns the per-second rate of a cumulative counter between two reads, or undefined after a reset. */
export function ratePerSecond(
  earlier: { value: number; atMillis: number },
  later: { value: number; atMillis: number },
): number | undefined {
  const seconds = (later.atMillis - earlier.atMillis) / 1000;
  const delta = later.value - earlier.value;
  if (seconds <= 0 || delta < 0) return undefined;
  return delta / seconds;
}
