import { createHash } from 'node:crypto';
import { type Dataset, LABELS, type Label } from './dataset.js';

/** Training settings of {@link trainModel}. */
export interface TrainingOptions {
  /** Full-batch gradient-descent passes over the training set. Default 400. */
  epochs?: number;
  /** Gradient-descent step size. Default 0.5. */
  learningRate?: number;
  /** L2 penalty on the weights (not the biases). Default 0.001. */
  l2?: number;
}

/** One prediction: the most probable class and the probability of every class. */
export interface Prediction {
  /** Most probable class. */
  label: Label;
  /** Probability of each class, summing to 1. */
  probabilities: Record<Label, number>;
}

/** A trained multinomial logistic-regression (softmax) classifier. */
export interface Model {
  /** `softmax-regression@<first 12 hex digits of a SHA-256 over data and settings>`. */
  version: string;
  /** Share of correctly classified test rows, 0 to 1. */
  testAccuracy: number;
  /** Share of correctly classified training rows, 0 to 1. */
  trainAccuracy: number;
  /** Classifies one feature vector in FEATURE_NAMES order. */
  predict(vector: readonly number[]): Prediction;
}

/**
 * Trains a softmax-regression classifier on standardized features with full-batch gradient
 * descent. Training is deterministic (zero initial weights, fixed order), so the same data
 * and options always give the same model and version.
 */
export function trainModel(train: Dataset, test: Dataset, options: TrainingOptions = {}): Model {
  const epochs = options.epochs ?? 400;
  const learningRate = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 0.001;
  const featureCount = train.rows[0]?.length ?? 0;
  const classCount = LABELS.length;

  if (train.rows.length === 0 || featureCount === 0) {
    throw new Error('cannot train on an empty dataset');
  }

  // Standardize with the training set's mean and standard deviation; the same transform is
  // applied at prediction time.
  const mean = new Array<number>(featureCount).fill(0);
  const std = new Array<number>(featureCount).fill(0);
  const count = train.rows.length;
  for (const row of train.rows) {
    for (let j = 0; j < featureCount; j++) mean[j]! += row[j]! / count;
  }
  for (const row of train.rows) {
    for (let j = 0; j < featureCount; j++) std[j]! += (row[j]! - mean[j]!) ** 2 / count;
  }
  // A constant feature gets a standard deviation of 1, so standardizing never divides by 0.
  for (let j = 0; j < featureCount; j++) std[j] = Math.sqrt(std[j]!) || 1;

  const standardize = (row: readonly number[]): number[] =>
    row.map((v, j) => (v - mean[j]!) / std[j]!);
  const x = train.rows.map(standardize);

  // weights[k][j] for class k and feature j; biases[k] for class k.
  const weights = Array.from({ length: classCount }, () => new Array<number>(featureCount).fill(0));
  const biases = new Array<number>(classCount).fill(0);

  const probabilities = (z: readonly number[]): number[] => {
    const logits = weights.map((w, k) => biases[k]! + w.reduce((s, wj, j) => s + wj * z[j]!, 0));
    const max = Math.max(...logits);
    const exps = logits.map((l) => Math.exp(l - max));
    const total = exps.reduce((s, e) => s + e, 0);
    return exps.map((e) => e / total);
  };

  for (let epoch = 0; epoch < epochs; epoch++) {
    const gradW = weights.map((w) => w.map(() => 0));
    const gradB = biases.map(() => 0);

    x.forEach((z, i) => {
      const p = probabilities(z);
      for (let k = 0; k < classCount; k++) {
        const error = p[k]! - (train.labels[i] === k ? 1 : 0);
        gradB[k]! += error / x.length;
        for (let j = 0; j < featureCount; j++) gradW[k]![j]! += (error * z[j]!) / x.length;
      }
    });

    for (let k = 0; k < classCount; k++) {
      biases[k]! -= learningRate * gradB[k]!;
      for (let j = 0; j < featureCount; j++) {
        weights[k]![j]! -= learningRate * (gradW[k]![j]! + l2 * weights[k]![j]!);
      }
    }
  }

  const predict = (vector: readonly number[]): Prediction => {
    const p = probabilities(standardize(vector));
    const best = p.indexOf(Math.max(...p));
    const record = Object.fromEntries(LABELS.map((label, k) => [label, p[k]!]));
    return { label: LABELS[best]!, probabilities: record as Record<Label, number> };
  };

  const accuracy = (set: Dataset): number => {
    if (set.rows.length === 0) return 0;
    let correct = 0;
    set.rows.forEach((row, i) => {
      if (LABELS.indexOf(predict(row).label) === set.labels[i]) correct++;
    });
    return correct / set.rows.length;
  };

  const digest = createHash('sha256')
    .update(JSON.stringify({ train, epochs, learningRate, l2 }))
    .digest('hex');

  return {
    version: `softmax-regression@${digest.slice(0, 12)}`,
    trainAccuracy: accuracy(train),
    testAccuracy: accuracy(test),
    predict,
  };
}
