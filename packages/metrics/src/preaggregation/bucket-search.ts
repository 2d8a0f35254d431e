/** Mantissa bits that split each power-of-two range of the start table. */
const SUB_BITS = 4;

/** Smallest and largest base-2 exponent that the start table covers. */
const MIN_EXPONENT = -32;
const MAX_EXPONENT = 64;

const TABLE_SIZE = (MAX_EXPONENT - MIN_EXPONENT + 1) << SUB_BITS;
const KEY_OFFSET = (MIN_EXPONENT + 1023) << SUB_BITS;

/** Remaining boundary count up to which the search scans linearly. The crossover is an estimate. */
const LINEAR_SEARCH_MAX = 16;

const float64 = new Float64Array(1);
const words = new Uint32Array(float64.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * Finds the explicit bucket of a value: the index of the first boundary `>= value`, or the
 * boundary count, so buckets are upper-inclusive like the OpenTelemetry SDK's.
 *
 * A scan from the first boundary compares against every lower boundary, and with values in a
 * random order each exit is a mispredicted branch. So a table, indexed by the exponent and the
 * top mantissa bits of the value, gives the number of boundaries below the range the value is
 * in. The scan starts there and usually ends after one compare. Values outside the table
 * (zero, negative values, and magnitudes beyond 2^-32 to 2^65) scan from the start.
 */
export class BucketSearch {
  private readonly starts: Int32Array;

  constructor(private readonly boundaries: Float64Array) {
    this.starts = new Int32Array(TABLE_SIZE);
    for (let index = 0; index < TABLE_SIZE; index++) {
      const exponent = (index >> SUB_BITS) + MIN_EXPONENT;
      const fraction = index & ((1 << SUB_BITS) - 1);
      const lowerEdge = 2 ** exponent * (1 + fraction / (1 << SUB_BITS));

      // Boundaries below the lower edge cannot be >= a value in this range.
      let count = 0;
      while (count < boundaries.length && boundaries[count]! < lowerEdge) count++;
      this.starts[index] = count;
    }
  }

  /** Returns the bucket index of a finite `value`. */
  indexOf(value: number): number {
    const boundaries = this.boundaries;
    const n = boundaries.length;

    // The high word contains the sign, the biased exponent and the top mantissa bits, so the
    // shifted word minus the offset is the table index. Unsigned comparison rejects values
    // below the table (and zero) as well as negative values, whose sign bit makes it large.
    float64[0] = value;
    const key = (words[HIGH]! >>> (20 - SUB_BITS)) - KEY_OFFSET;
    let low = key >>> 0 < TABLE_SIZE ? this.starts[key]! : 0;

    if (n - low <= LINEAR_SEARCH_MAX) {
      while (low < n && value > boundaries[low]!) low++;
      return low;
    }

    let high = n;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (value > boundaries[middle]!) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
