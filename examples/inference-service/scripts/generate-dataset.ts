// Writes data/link-quality.csv (or the path given as the first argument): 600 synthetic
// measurements of an edge node's uplink, each labelled good, fair or poor. The same seed
// always gives the same file, so the committed CSV can be regenerated and compared byte for
// byte.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SEED = 20_251_204;
const ROWS = 600;

/** Mulberry32: a small 32-bit PRNG, enough for reproducible synthetic data. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Standard normal sample by the Box-Muller transform. */
function normal(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

const random = createRandom(SEED);
const lines = ['rssi_dbm,packet_loss_pct,rtt_ms,jitter_ms,label'];

for (let i = 0; i < ROWS; i++) {
  // One hidden "link condition" in [0, 1] drives all four measurements, as distance and
  // interference do on a real radio link. Each measurement adds its own noise.
  const condition = random();
  const rssiDbm = Math.min(-35, -45 - 50 * condition + 6 * normal(random));
  const packetLossPct = Math.max(0, 12 * condition ** 2 + 1.5 * normal(random));
  const rttMs = Math.max(2, 12 + 220 * condition + 35 * normal(random));
  const jitterMs = Math.max(0, 2 + 35 * condition ** 1.5 + 5 * normal(random));

  // The label follows the score a network operator would compute from the measurements,
  // plus noise, so the classes overlap and no model reaches 100 % accuracy.
  const score =
    0.05 * (rssiDbm + 70) -
    0.18 * packetLossPct -
    0.01 * rttMs -
    0.03 * jitterMs +
    0.35 * normal(random);
  let label = 'poor';
  if (score > -1.2) label = 'good';
  else if (score > -3.6) label = 'fair';

  lines.push(
    [
      rssiDbm.toFixed(1),
      packetLossPct.toFixed(2),
      rttMs.toFixed(1),
      jitterMs.toFixed(1),
      label,
    ].join(','),
  );
}

const target = process.argv[2] ?? join(import.meta.dirname, '..', 'data', 'link-quality.csv');
writeFileSync(target, lines.join('\n') + '\n');
console.log(`wrote ${ROWS} rows to ${target}`);
