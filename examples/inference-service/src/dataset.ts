import { readFileSync } from 'node:fs';

/** Names of the model's input features, in the column order of the CSV. */
export const FEATURE_NAMES = ['rssiDbm', 'packetLossPct', 'rttMs', 'jitterMs'] as const;

/** Class labels, in the order of the model's output probabilities. */
export const LABELS = ['good', 'fair', 'poor'] as const;

/** One link-quality class. */
export type Label = (typeof LABELS)[number];

/** One uplink measurement: received signal strength, packet loss, round-trip time, jitter. */
export type Features = Record<(typeof FEATURE_NAMES)[number], number>;

/** A labelled dataset as parallel arrays of feature vectors and class indexes. */
export interface Dataset {
  /** Feature vectors in {@link FEATURE_NAMES} order. */
  rows: number[][];
  /** Index into {@link LABELS} for each row. */
  labels: number[];
}

/** Path of the CSV shipped with the example (600 rows from scripts/generate-dataset.ts). */
export const DEFAULT_DATASET_PATH = new URL('../data/link-quality.csv', import.meta.url);

/**
 * Parses the link-quality CSV. Throws on a malformed row with its line number, because a
 * service must not start on a dataset it cannot read completely.
 */
export function parseDataset(csv: string): Dataset {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const rows: number[][] = [];
  const labels: number[] = [];

  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    const values = cells.slice(0, FEATURE_NAMES.length).map(Number);
    const label = LABELS.indexOf(cells[FEATURE_NAMES.length] as Label);

    if (cells.length !== FEATURE_NAMES.length + 1 || values.some((v) => !Number.isFinite(v))) {
      throw new Error(`invalid dataset row at line ${i + 1}: "${lines[i]}"`);
    }
    if (label < 0) {
      throw new Error(
        `invalid label at line ${i + 1}: "${cells[FEATURE_NAMES.length]}"; expected one of ${LABELS.join(', ')}`,
      );
    }

    rows.push(values);
    labels.push(label);
  }
  return { rows, labels };
}

/** Reads and parses the dataset file at `path`. */
export function loadDataset(path: string | URL = DEFAULT_DATASET_PATH): Dataset {
  return parseDataset(readFileSync(path, 'utf8'));
}

/**
 * Splits a dataset deterministically: every `testEvery`-th row goes to the test set, so the
 * split is the same on every start and spans the whole file.
 */
export function splitDataset(dataset: Dataset, testEvery = 5): { train: Dataset; test: Dataset } {
  const train: Dataset = { rows: [], labels: [] };
  const test: Dataset = { rows: [], labels: [] };

  dataset.rows.forEach((row, i) => {
    const target = i % testEvery === testEvery - 1 ? test : train;
    target.rows.push(row);
    target.labels.push(dataset.labels[i]!);
  });
  return { train, test };
}

/** Converts a {@link Features} record to a vector in {@link FEATURE_NAMES} order. */
export function toVector(features: Features): number[] {
  return FEATURE_NAMES.map((name) => features[name]);
}
