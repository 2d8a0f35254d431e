/** Number of latencies kept for the percentiles, whatever the request count (400 KiB). */
export const RESERVOIR_SIZE = 50_000;

/**
 * Fixed-size uniform sample of latencies (Vitter's algorithm R), so percentiles of a long run
 * use bounded memory. Percentiles are exact while fewer than {@link RESERVOIR_SIZE} values
 * were added and estimates afterwards.
 */
export class LatencyReservoir {
  private readonly values = new Float64Array(RESERVOIR_SIZE);
  private seen = 0;
  private state = 0x9e3779b9;

  /** Adds one latency in milliseconds. */
  add(millis: number): void {
    if (this.seen < RESERVOIR_SIZE) {
      this.values[this.seen] = millis;
    } else {
      const slot = Math.floor(this.random() * (this.seen + 1));
      if (slot < RESERVOIR_SIZE) this.values[slot] = millis;
    }
    this.seen++;
  }

  /** Number of latencies added so far. */
  count(): number {
    return this.seen;
  }

  /** Returns the nearest-rank percentile (`p` from 0 to 100) in milliseconds, or undefined when empty. */
  percentile(p: number): number | undefined {
    const size = Math.min(this.seen, RESERVOIR_SIZE);
    if (size === 0) return undefined;

    const sorted = this.values.slice(0, size).sort();
    const rank = Math.max(1, Math.ceil((p / 100) * size));
    return sorted[rank - 1];
  }

  // Xorshift32 keeps the sample reproducible for a given sequence of latencies.
  private random(): number {
    this.state ^= this.state << 13;
    this.state ^= this.state >>> 17;
    this.state ^= this.state << 5;
    return (this.state >>> 0) / 4_294_967_296;
  }
}
