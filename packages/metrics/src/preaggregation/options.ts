import type { ComponentLogger } from '@mlsysops/telemetry-core';
import { MAX_SCALE, MIN_SCALE } from './exponential-buckets.js';
import type { InstrumentConfig, InstrumentKind } from './instrument-base.js';
import type { AttributeFilter } from './series-index.js';
import type {
  AttributeFilterOptions,
  ExplicitHistogramOptions,
  ExponentialHistogramOptions,
  GaugeStatistic,
  PreAggregatedGaugeOptions,
  PreAggregatedInstrumentOptions,
  PreAggregationTemporality,
  PreAggregatorOptions,
} from './types.js';

/** Default window length in milliseconds, the OpenTelemetry SDK's default export interval. */
export const DEFAULT_PREAGGREGATION_INTERVAL_MILLIS = 60_000;

/** Default cardinality limit per instrument, as in the OpenTelemetry metrics SDK specification. */
export const DEFAULT_PREAGGREGATION_CARDINALITY_LIMIT = 2_000;

/** Default explicit bucket boundaries, the same as the OpenTelemetry JS SDK's. */
export const DEFAULT_HISTOGRAM_BOUNDARIES: readonly number[] = Object.freeze([
  0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000,
]);

const DEFAULT_EXPONENTIAL_MAX_SIZE = 160;
const GAUGE_STATISTICS: readonly GaugeStatistic[] = ['min', 'max', 'sum', 'count'];

/** Instrument name syntax of the OpenTelemetry metrics API specification. */
const INSTRUMENT_NAME = /^[A-Za-z][A-Za-z0-9_./-]{0,254}$/;

/** Pre-aggregator options with defaults applied. */
export interface ResolvedPreAggregatorOptions {
  scopeName: string;
  scopeVersion: string | undefined;
  intervalMillis: number;
  windowOffsetFraction: number | undefined;
  windowOffsetMillis: number | undefined;
  temporality: PreAggregationTemporality;
  cardinalityLimit: number;
  now: () => number;
}

function invalid(option: string, value: unknown, accepted: string): Error {
  return new Error(
    `Invalid pre-aggregation option ${option}: ${JSON.stringify(value) ?? String(value)}; expected ${accepted}.`,
  );
}

/** Largest window length in milliseconds, the longest delay `setTimeout` accepts. */
export const MAX_PREAGGREGATION_INTERVAL_MILLIS = 2_147_483_647;

const ACCEPTED_INTERVAL = `an integer number of milliseconds from 1 to ${MAX_PREAGGREGATION_INTERVAL_MILLIS}`;

function isInterval(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 1 &&
    value <= MAX_PREAGGREGATION_INTERVAL_MILLIS
  );
}

function checkInterval(option: string, value: unknown): number {
  if (!isInterval(value)) throw invalid(option, value, ACCEPTED_INTERVAL);
  return value;
}

/**
 * Validates a window length passed to `setIntervalMillis` for the instrument `name`. Throws a
 * `TypeError` for a value that is not a number and a `RangeError` for a number out of range,
 * naming the instrument, the value and the accepted range.
 */
export function checkIntervalChange(name: string, value: unknown): number {
  if (isInterval(value)) return value;

  const message = `Invalid pre-aggregation option intervalMillis of ${name}: ${JSON.stringify(value) ?? String(value)}; expected ${ACCEPTED_INTERVAL}.`;
  throw typeof value === 'number' ? new RangeError(message) : new TypeError(message);
}

function checkLimit(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
    throw invalid(option, value, 'an integer from 1 to 1000000');
  }
  return value;
}

function checkTemporality(option: string, value: unknown): PreAggregationTemporality {
  if (value !== 'cumulative' && value !== 'delta') {
    throw invalid(option, value, "'cumulative' or 'delta'");
  }
  return value;
}

/** Validates the options of `createPreAggregator` and applies the defaults. Throws on an invalid option. */
export function resolvePreAggregatorOptions(
  options: PreAggregatorOptions,
): ResolvedPreAggregatorOptions {
  const offset = options.windowOffsetMillis;
  if (
    offset !== undefined &&
    (typeof offset !== 'number' || !Number.isFinite(offset) || offset < 0)
  ) {
    throw invalid('windowOffsetMillis', offset, 'a finite number of milliseconds >= 0');
  }
  if (options.now !== undefined && typeof options.now !== 'function') {
    throw invalid('now', typeof options.now, 'a function returning epoch milliseconds');
  }
  if (
    options.scopeName !== undefined &&
    (typeof options.scopeName !== 'string' || options.scopeName === '')
  ) {
    throw invalid('scopeName', options.scopeName, 'a non-empty string');
  }

  return {
    scopeName: options.scopeName ?? '@mlsysops/telemetry-metrics',
    scopeVersion: options.scopeVersion,
    intervalMillis: checkInterval(
      'intervalMillis',
      options.intervalMillis ?? DEFAULT_PREAGGREGATION_INTERVAL_MILLIS,
    ),
    windowOffsetFraction: offset === undefined ? Math.random() : undefined,
    windowOffsetMillis: offset,
    temporality: checkTemporality('temporality', options.temporality ?? 'cumulative'),
    cardinalityLimit: checkLimit(
      'cardinalityLimit',
      options.cardinalityLimit ?? DEFAULT_PREAGGREGATION_CARDINALITY_LIMIT,
    ),
    // Looked up per call, so fake timers installed later still apply.
    now: options.now ?? (() => Date.now()),
  };
}

function resolveFilter(options: AttributeFilterOptions | undefined): AttributeFilter {
  const toSet = (option: string, keys: readonly string[] | undefined) => {
    if (keys === undefined) return undefined;
    if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string')) {
      throw invalid(option, keys, 'an array of attribute key strings');
    }
    return new Set(keys);
  };
  return {
    keep: toSet('attributes.keep', options?.keep),
    drop: toSet('attributes.drop', options?.drop),
  };
}

function resolveBoundaries(boundaries: readonly number[] | undefined): readonly number[] {
  if (boundaries === undefined) return DEFAULT_HISTOGRAM_BOUNDARIES;

  const accepted = 'an array of finite numbers in strictly increasing order';
  if (!Array.isArray(boundaries)) throw invalid('boundaries', boundaries, accepted);
  for (let i = 0; i < boundaries.length; i++) {
    const boundary = boundaries[i];
    if (typeof boundary !== 'number' || !Number.isFinite(boundary)) {
      throw invalid('boundaries', boundaries, accepted);
    }
    if (i > 0 && boundary <= boundaries[i - 1]!) throw invalid('boundaries', boundaries, accepted);
  }
  return Object.freeze(boundaries.slice());
}

/** Validates the options of one instrument and applies the pre-aggregator defaults. Throws on an invalid option. */
export function resolveInstrumentConfig(
  kind: InstrumentKind,
  name: string,
  options: PreAggregatedInstrumentOptions &
    Partial<Omit<ExplicitHistogramOptions, 'aggregation'>> &
    Partial<Omit<ExponentialHistogramOptions, 'aggregation'>> &
    Partial<PreAggregatedGaugeOptions>,
  defaults: ResolvedPreAggregatorOptions,
  logger: ComponentLogger,
): InstrumentConfig {
  if (typeof name !== 'string' || !INSTRUMENT_NAME.test(name)) {
    throw invalid(
      'name',
      name,
      'an instrument name of 1 to 255 characters that starts with a letter and contains only letters, digits, _ . / -',
    );
  }

  let exponential: InstrumentConfig['exponential'];
  if (kind === 'exponentialHistogram') {
    const maxSize = options.maxSize ?? DEFAULT_EXPONENTIAL_MAX_SIZE;
    const maxScale = options.maxScale ?? MAX_SCALE;
    if (!Number.isInteger(maxSize) || maxSize < 2 || maxSize > 16_384) {
      throw invalid('maxSize', maxSize, 'an integer from 2 to 16384');
    }
    if (!Number.isInteger(maxScale) || maxScale < MIN_SCALE || maxScale > MAX_SCALE) {
      throw invalid('maxScale', maxScale, `an integer from ${MIN_SCALE} to ${MAX_SCALE}`);
    }
    exponential = { maxSize, maxScale };
  }

  const statistics = options.statistics ?? GAUGE_STATISTICS;
  if (!Array.isArray(statistics) || statistics.some((s) => !GAUGE_STATISTICS.includes(s))) {
    throw invalid('statistics', statistics, "an array of 'min', 'max', 'sum', 'count'");
  }

  return {
    name,
    description: typeof options.description === 'string' ? options.description : '',
    unit: typeof options.unit === 'string' ? options.unit : '',
    kind,
    intervalMillis: checkInterval(
      'intervalMillis',
      options.intervalMillis ?? defaults.intervalMillis,
    ),
    temporality: checkTemporality('temporality', options.temporality ?? defaults.temporality),
    cardinalityLimit: checkLimit(
      'cardinalityLimit',
      options.cardinalityLimit ?? defaults.cardinalityLimit,
    ),
    filter: resolveFilter(options.attributes),
    boundaries: kind === 'histogram' ? resolveBoundaries(options.boundaries) : [],
    exponential,
    statistics: Object.freeze([...new Set(statistics)]),
    now: defaults.now,
    logger,
  };
}
