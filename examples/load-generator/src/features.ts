/** Request body of POST /predict: one uplink measurement. */
export interface FeatureRequest {
  rssiDbm: number;
  packetLossPct: number;
  rttMs: number;
  jitterMs: number;
}

/**
 * Returns a seeded generator of plausible uplink measurements (Mulberry32 PRNG), spread over
 * good to poor links like the service's training data, so predictions cover all labels.
 */
export function createFeatureGenerator(seed: number): () => FeatureRequest {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const round = (value: number, digits: number): number => Number(value.toFixed(digits));

  return () => {
    const condition = random();
    const noise = (): number => random() - 0.5;
    return {
      rssiDbm: round(-45 - 50 * condition + 10 * noise(), 1),
      packetLossPct: round(Math.max(0, 12 * condition ** 2 + 3 * noise()), 2),
      rttMs: round(Math.max(2, 12 + 220 * condition + 60 * noise()), 1),
      jitterMs: round(Math.max(0, 2 + 35 * condition ** 1.5 + 8 * noise()), 1),
    };
  };
}
