import { ExponentialBuckets } from './exponential-buckets.js';

/** Layout of the per-series arrays that an aggregation needs. */
export interface CellLayout {
  /** min and max per series. */
  minMax: boolean;
  /** Last value per series (gauges). */
  last: boolean;
  /** Number of explicit bucket counts per series, 0 for none. */
  bucketsPerSeries: number;
  /** Exponential histogram bucket limits, when the aggregation is exponential. */
  exponential: { maxSize: number; maxScale: number } | undefined;
}

const EMPTY = new Float64Array(0);

/**
 * The aggregation state of every series of one instrument for one window, as typed arrays
 * indexed by series slot. Record paths write these arrays directly.
 */
export class Cells {
  capacity: number;
  count: Float64Array;
  sum: Float64Array;
  min: Float64Array;
  max: Float64Array;
  last: Float64Array;
  buckets: Float64Array;
  exponential: ExponentialBuckets[];

  constructor(
    readonly layout: CellLayout,
    capacity: number,
  ) {
    this.capacity = capacity;
    this.count = new Float64Array(capacity);
    this.sum = new Float64Array(capacity);
    this.min = layout.minMax ? new Float64Array(capacity).fill(Infinity) : EMPTY;
    this.max = layout.minMax ? new Float64Array(capacity).fill(-Infinity) : EMPTY;
    this.last = layout.last ? new Float64Array(capacity) : EMPTY;
    this.buckets =
      layout.bucketsPerSeries > 0 ? new Float64Array(capacity * layout.bucketsPerSeries) : EMPTY;
    this.exponential = [];
    this.fillExponential(0);
  }

  /** Grows the arrays to at least `capacity` slots, keeping their contents. */
  grow(capacity: number): void {
    if (capacity <= this.capacity) return;

    const layout = this.layout;
    const previous = this.capacity;
    this.capacity = capacity;
    this.count = grown(this.count, capacity, 0);
    this.sum = grown(this.sum, capacity, 0);
    if (layout.minMax) {
      this.min = grown(this.min, capacity, Infinity);
      this.max = grown(this.max, capacity, -Infinity);
    }
    if (layout.last) this.last = grown(this.last, capacity, 0);
    if (layout.bucketsPerSeries > 0) {
      this.buckets = grown(this.buckets, capacity * layout.bucketsPerSeries, 0);
    }
    this.fillExponential(previous);
  }

  /** Clears the first `length` slots. */
  reset(length: number): void {
    this.count.fill(0, 0, length);
    this.sum.fill(0, 0, length);
    if (this.layout.minMax) {
      this.min.fill(Infinity, 0, length);
      this.max.fill(-Infinity, 0, length);
    }
    if (this.layout.last) this.last.fill(0, 0, length);
    if (this.layout.bucketsPerSeries > 0) {
      this.buckets.fill(0, 0, length * this.layout.bucketsPerSeries);
    }
    for (let i = 0; i < length && i < this.exponential.length; i++) {
      this.exponential[i]!.reset();
    }
  }

  /** Returns a copy of the first `length` slots. */
  clone(length: number): Cells {
    const copy = new Cells(this.layout, length);
    copy.count.set(this.count.subarray(0, length));
    copy.sum.set(this.sum.subarray(0, length));
    if (this.layout.minMax) {
      copy.min.set(this.min.subarray(0, length));
      copy.max.set(this.max.subarray(0, length));
    }
    if (this.layout.last) copy.last.set(this.last.subarray(0, length));
    if (this.layout.bucketsPerSeries > 0) {
      copy.buckets.set(this.buckets.subarray(0, length * this.layout.bucketsPerSeries));
    }
    for (let i = 0; i < length; i++) {
      copy.exponential[i]?.copyFrom(this.exponential[i]!);
    }
    return copy;
  }

  /**
   * Adds a later window `other` into these cells: counts, sums and buckets add up, min and max
   * combine, and the last value of a series is the one of `other` when it recorded anything.
   */
  merge(other: Cells, length: number): void {
    this.grow(length);

    const layout = this.layout;
    const stride = layout.bucketsPerSeries;
    for (let slot = 0; slot < length; slot++) {
      const count = other.count[slot]!;
      if (count === 0) continue;

      this.count[slot]! += count;
      this.sum[slot]! += other.sum[slot]!;
      if (layout.minMax) {
        if (other.min[slot]! < this.min[slot]!) this.min[slot] = other.min[slot]!;
        if (other.max[slot]! > this.max[slot]!) this.max[slot] = other.max[slot]!;
      }
      if (layout.last) this.last[slot] = other.last[slot]!;
      for (let b = slot * stride; b < (slot + 1) * stride; b++) {
        this.buckets[b]! += other.buckets[b]!;
      }
      if (layout.exponential !== undefined) this.exponential[slot]!.merge(other.exponential[slot]!);
    }
  }

  private fillExponential(from: number): void {
    const exponential = this.layout.exponential;
    if (exponential === undefined) return;

    for (let i = from; i < this.capacity; i++) {
      this.exponential.push(new ExponentialBuckets(exponential.maxSize, exponential.maxScale));
    }
  }
}

function grown(array: Float64Array, capacity: number, fill: number): Float64Array {
  const next = new Float64Array(capacity);
  next.set(array);
  if (fill !== 0) next.fill(fill, array.length);
  return next;
}
