/** Smallest scale of a base-2 exponential histogram in the OTLP data model. */
export const MIN_SCALE = -10;

/** Largest scale of a base-2 exponential histogram in the OTLP data model. */
export const MAX_SCALE = 20;

const float64 = new Float64Array(1);
const words = new Uint32Array(float64.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH = littleEndian ? 1 : 0;
const LOW = littleEndian ? 0 : 1;

/** Exponent of the last value passed to `decompose`. */
let decomposedExponent = 0;

/** Smallest positive normal double, 2^-1022. */
const MIN_NORMAL = 2 ** -1022;

/**
 * Splits a positive normal double into its base-2 exponent, stored in `decomposedExponent`,
 * and returns whether the value is an exact power of two. Reads the IEEE 754 bits through a
 * typed-array view, so it allocates nothing.
 */
function decompose(value: number): boolean {
  float64[0] = value;
  const high = words[HIGH]!;
  const low = words[LOW]!;
  decomposedExponent = ((high >>> 20) & 0x7ff) - 1023;
  return (high & 0xfffff) === 0 && low === 0;
}

/**
 * Returns the bucket index of a positive `value` at `scale`: the index `i` with
 * `base^i < value <= base^(i+1)` and `base = 2^(2^-scale)`, so bucket bounds are
 * upper-inclusive like the OpenTelemetry SDK's explicit buckets.
 */
export function bucketIndex(value: number, scale: number): number {
  // Subnormal values count in the bucket of the smallest normal value, as in the SDK.
  const powerOfTwo = decompose(Math.max(value, MIN_NORMAL));

  if (scale <= 0) {
    // An exact power of two is the upper bound of the bucket below its exponent.
    const exponent = powerOfTwo ? decomposedExponent - 1 : decomposedExponent;
    return exponent >> -scale;
  }

  if (powerOfTwo) {
    return decomposedExponent * 2 ** scale - 1;
  }

  // NOTE: Math.log carries a rounding error of about one ulp, so a value within that distance
  // of a bucket bound can land in the neighbouring bucket. The OpenTelemetry SDKs share this.
  return Math.floor(Math.log(value) * (Math.LOG2E * 2 ** scale));
}

/** The positive or the negative buckets of one series, as a dense window of indexes. */
export class BucketRange {
  counts: Float64Array;
  offset = 0;
  length = 0;

  constructor(maxSize: number) {
    this.counts = new Float64Array(maxSize);
  }

  /** Lowest index in use, meaningful only when `length > 0`. */
  get low(): number {
    return this.offset;
  }

  /** Highest index in use, meaningful only when `length > 0`. */
  get high(): number {
    return this.offset + this.length - 1;
  }

  /** Adds `count` at `index`. The caller makes sure that the range fits in `maxSize` buckets. */
  add(index: number, count: number): void {
    if (this.length === 0) {
      this.offset = index;
      this.length = 1;
      this.counts[0] = count;
      return;
    }

    if (index < this.offset) {
      const shift = this.offset - index;
      this.counts.copyWithin(shift, 0, this.length);
      this.counts.fill(0, 0, shift);
      this.offset = index;
      this.length += shift;
    } else if (index > this.high) {
      this.length = index - this.offset + 1;
    }
    this.counts[index - this.offset]! += count;
  }

  /** Merges neighbouring buckets so the range is `change` scales coarser. */
  downscale(change: number): void {
    if (this.length === 0 || change === 0) return;

    const newOffset = this.offset >> change;
    const newHigh = this.high >> change;
    const merged = new Float64Array(this.counts.length);
    for (let i = 0; i < this.length; i++) {
      merged[((this.offset + i) >> change) - newOffset]! += this.counts[i]!;
    }
    this.counts = merged;
    this.offset = newOffset;
    this.length = newHigh - newOffset + 1;
  }

  reset(): void {
    this.counts.fill(0, 0, this.length);
    this.offset = 0;
    this.length = 0;
  }

  copyFrom(other: BucketRange): void {
    this.counts.set(other.counts);
    this.offset = other.offset;
    this.length = other.length;
  }

  /** Returns the used counts as a plain array for export. */
  toArray(): number[] {
    return Array.from(this.counts.subarray(0, this.length));
  }
}

/**
 * Bucket counts of one series of a base-2 exponential histogram. The scale starts at
 * `maxScale` and drops as far as needed so that each of the positive and negative ranges fits
 * in `maxSize` buckets, as the OpenTelemetry specification describes for this aggregation.
 */
export class ExponentialBuckets {
  scale: number;
  zeroCount = 0;
  readonly positive: BucketRange;
  readonly negative: BucketRange;

  constructor(
    readonly maxSize: number,
    readonly maxScale: number,
  ) {
    this.scale = maxScale;
    this.positive = new BucketRange(maxSize);
    this.negative = new BucketRange(maxSize);
  }

  /** Counts one finite `value`. */
  record(value: number): void {
    if (value === 0) {
      this.zeroCount++;
    } else if (value > 0) {
      this.addAt(this.positive, bucketIndex(value, this.scale), 1);
    } else {
      this.addAt(this.negative, bucketIndex(-value, this.scale), 1);
    }
  }

  /** Adds the counts of `other` (any scale) to these buckets. */
  merge(other: ExponentialBuckets): void {
    this.zeroCount += other.zeroCount;
    this.mergeRange(this.positive, other.positive, other.scale);
    this.mergeRange(this.negative, other.negative, other.scale);
  }

  reset(): void {
    this.scale = this.maxScale;
    this.zeroCount = 0;
    this.positive.reset();
    this.negative.reset();
  }

  copyFrom(other: ExponentialBuckets): void {
    this.scale = other.scale;
    this.zeroCount = other.zeroCount;
    this.positive.copyFrom(other.positive);
    this.negative.copyFrom(other.negative);
  }

  private mergeRange(target: BucketRange, source: BucketRange, sourceScale: number): void {
    if (source.length === 0) return;

    // Both sides move to the coarser scale first, and the range checks in addAt handle the rest.
    if (sourceScale < this.scale) this.downscale(this.scale - sourceScale);
    const change = sourceScale - this.scale;
    for (let i = 0; i < source.length; i++) {
      const count = source.counts[i]!;
      if (count !== 0) this.addAt(target, (source.offset + i) >> change, count);
    }
  }

  /** Adds `count` at `index` of the current scale, downscaling first when the range would not fit. */
  private addAt(range: BucketRange, index: number, count: number): void {
    if (range.length > 0) {
      const low = Math.min(range.low, index);
      const high = Math.max(range.high, index);
      let change = 0;
      while ((high >> change) - (low >> change) + 1 > this.maxSize) change++;

      if (change > 0) {
        this.downscale(change);
        index >>= change;
      }
    }
    range.add(index, count);
  }

  private downscale(change: number): void {
    this.positive.downscale(change);
    this.negative.downscale(change);
    this.scale -= change;
  }
}
