import type { BatchSettings } from './batcher.js';
import { FEATURE_NAMES, type Features } from './dataset.js';
import { HttpError } from './http-utils.js';

/** Accepted range of the batch size set through /control. */
export const BATCH_SIZE_RANGE = { min: 1, max: 256 } as const;

/** Accepted range of the worker count set through /control. */
export const WORKERS_RANGE = { min: 1, max: 32 } as const;

/**
 * Checks a /predict body: an object with a finite number for every feature name. Throws an
 * {@link HttpError} 400 that names the first invalid field.
 */
export function parseFeatures(body: unknown): Features {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(
      400,
      `invalid request body; expected a JSON object with ${FEATURE_NAMES.join(', ')}`,
      'invalid_input',
    );
  }

  const record = body as Record<string, unknown>;
  const features = {} as Features;

  for (const name of FEATURE_NAMES) {
    const value = record[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new HttpError(
        400,
        `invalid ${name}: ${JSON.stringify(value) ?? 'missing'}; expected a finite number`,
        'invalid_input',
      );
    }
    features[name] = value;
  }
  return features;
}

/**
 * Checks a POST /control body: an object with an optional integer `batchSize` and `workers`
 * inside {@link BATCH_SIZE_RANGE} and {@link WORKERS_RANGE}, and at least one of them.
 */
export function parseSettings(body: unknown): Partial<BatchSettings> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid control body; expected a JSON object', 'invalid_input');
  }

  const record = body as Record<string, unknown>;
  const settings: Partial<BatchSettings> = {};
  const ranges = { batchSize: BATCH_SIZE_RANGE, workers: WORKERS_RANGE };

  for (const key of ['batchSize', 'workers'] as const) {
    const value = record[key];
    if (value === undefined) continue;

    const { min, max } = ranges[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new HttpError(
        400,
        `invalid ${key}: ${JSON.stringify(value)}; expected an integer from ${min} to ${max}`,
        'invalid_input',
      );
    }
    settings[key] = value;
  }

  if (Object.keys(settings).length === 0) {
    throw new HttpError(
      400,
      'control body sets nothing; expected batchSize and/or workers',
      'invalid_input',
    );
  }
  return settings;
}
