import { describe, expect, it } from 'vitest';
import { BucketSearch } from '../src/preaggregation/bucket-search.js';

/** Returns the index of the first boundary >= value, else the boundary count, by a plain scan. */
function naiveIndex(boundaries: number[], value: number): number {
  const index = boundaries.findIndex((boundary) => value <= boundary);
  return index === -1 ? boundaries.length : index;
}

function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const LAYOUTS: { name: string; boundaries: number[] }[] = [
  {
    name: 'SDK default',
    boundaries: [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000],
  },
  { name: 'negative and fractional', boundaries: [-100, -1, -0.5, 0, 1e-12, 0.001, 0.3, 0.7, 1] },
  { name: 'dense', boundaries: Array.from({ length: 200 }, (_, i) => 1.05 ** i) },
  { name: 'beyond table', boundaries: [1e-15, 2 ** -32, 2 ** 64, 2 ** 65, 1e30] },
  { name: 'single', boundaries: [42] },
  { name: 'none', boundaries: [] },
];

describe('bucket search', () => {
  it.each(LAYOUTS)('matches linear search: $name', ({ boundaries }) => {
    const search = new BucketSearch(Float64Array.from(boundaries));
    const next = seeded(7);
    const values = [
      0,
      -0,
      Number.MIN_VALUE,
      -Number.MIN_VALUE,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      2 ** -32,
      2 ** 65,
      2 ** 65 * 1.5,
      ...boundaries,
      ...boundaries.map((b) => b * (1 + 2 ** -52)),
      ...boundaries.map((b) => b * (1 - 2 ** -52)),
      ...Array.from({ length: 20_000 }, () => (next() < 0.2 ? -1 : 1) * 10 ** (next() * 50 - 20)),
    ];

    for (const value of values) {
      expect(search.indexOf(value), `value ${value}`).toBe(naiveIndex(boundaries, value));
    }
  });
});
