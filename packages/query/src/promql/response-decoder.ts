import { parseSampleValue } from '../sample-value.js';
import type {
  HistogramPoint,
  MatrixSeries,
  MetricMetadata,
  NativeHistogram,
  NativeHistogramBucket,
  QueryData,
  ResponseNotes,
  SamplePoint,
  SeriesLabels,
  VectorSample,
} from './result-types.js';

/** Thrown by the decoders for a body that does not follow the Prometheus HTTP API. */
export class DecodeError extends Error {}

/** A decoded `{status, data, warnings, infos}` envelope. */
export interface Envelope extends ResponseNotes {
  status: 'success' | 'error';
  data: unknown;
  errorType?: string;
  error?: string;
}

/** Decodes the JSON envelope that every Prometheus API response uses. */
export function decodeEnvelope(body: string): Envelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new DecodeError('body is not JSON');
  }
  if (!isObject(parsed)) throw new DecodeError('body is not a JSON object');

  const status = parsed.status;
  if (status !== 'success' && status !== 'error') {
    throw new DecodeError('missing "status": expected "success" or "error"');
  }

  const envelope: Envelope = {
    status,
    data: parsed.data,
    warnings: stringList(parsed.warnings),
    infos: stringList(parsed.infos),
  };
  if (typeof parsed.errorType === 'string') envelope.errorType = parsed.errorType;
  if (typeof parsed.error === 'string') envelope.error = parsed.error;
  return envelope;
}

/** Decodes `data` of `/api/v1/query` and `/api/v1/query_range`. */
export function decodeQueryData(data: unknown): QueryData {
  if (!isObject(data)) throw new DecodeError('"data" is not an object');
  const { resultType, result } = data;

  switch (resultType) {
    case 'vector':
      return { resultType, result: list(result, 'result').map(decodeVectorSample) };
    case 'matrix':
      return { resultType, result: list(result, 'result').map(decodeMatrixSeries) };
    case 'scalar':
      return { resultType, result: decodePoint(result) };
    case 'string': {
      const pair = list(result, 'result');
      if (pair.length !== 2 || typeof pair[1] !== 'string') {
        throw new DecodeError('string result is not [time, "text"]');
      }
      return { resultType, result: { timestampMillis: decodeTime(pair[0]), value: pair[1] } };
    }
    default:
      throw new DecodeError(`unknown resultType ${JSON.stringify(resultType)}`);
  }
}

/** Decodes a list of label sets (`/api/v1/series`). */
export function decodeLabelSets(data: unknown): SeriesLabels[] {
  // Some Prometheus-compatible servers send null instead of an empty list.
  return list(data ?? [], 'data').map(decodeLabels);
}

/** Decodes a list of strings (`/api/v1/labels`, `/api/v1/label/<name>/values`). */
export function decodeStrings(data: unknown): string[] {
  return list(data ?? [], 'data').map((item) => {
    if (typeof item !== 'string') throw new DecodeError('list item is not a string');
    return item;
  });
}

/** Decodes `/api/v1/metadata`: metric names mapped to one or more metadata entries. */
export function decodeMetadata(data: unknown): Record<string, MetricMetadata[]> {
  if (!isObject(data)) throw new DecodeError('"data" is not an object');
  const out: Record<string, MetricMetadata[]> = {};

  for (const [name, entries] of Object.entries(data)) {
    const decoded = list(entries, name).map((entry) => {
      if (!isObject(entry)) throw new DecodeError(`metadata of "${name}" is not an object`);
      return {
        type: typeof entry.type === 'string' ? entry.type : 'unknown',
        help: typeof entry.help === 'string' ? entry.help : '',
        unit: typeof entry.unit === 'string' ? entry.unit : '',
      };
    });
    Object.defineProperty(out, name, {
      value: decoded,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function decodeVectorSample(item: unknown): VectorSample {
  if (!isObject(item)) throw new DecodeError('vector sample is not an object');
  const sample: VectorSample = { metric: decodeLabels(item.metric ?? {}) };

  if (item.value !== undefined) sample.value = decodePoint(item.value);
  if (item.histogram !== undefined) sample.histogram = decodeHistogramPoint(item.histogram);
  if (sample.value === undefined && sample.histogram === undefined) {
    throw new DecodeError('vector sample has neither "value" nor "histogram"');
  }
  return sample;
}

function decodeMatrixSeries(item: unknown): MatrixSeries {
  if (!isObject(item)) throw new DecodeError('matrix series is not an object');

  return {
    metric: decodeLabels(item.metric ?? {}),
    values: item.values === undefined ? [] : list(item.values, 'values').map(decodePoint),
    histograms:
      item.histograms === undefined
        ? []
        : list(item.histograms, 'histograms').map(decodeHistogramPoint),
  };
}

function decodePoint(pair: unknown): SamplePoint {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') {
    throw new DecodeError('sample is not [time, "value"]');
  }
  return { timestampMillis: decodeTime(pair[0]), value: decodeNumber(pair[1]) };
}

function decodeHistogramPoint(pair: unknown): HistogramPoint {
  if (!Array.isArray(pair) || pair.length !== 2 || !isObject(pair[1])) {
    throw new DecodeError('histogram sample is not [time, {...}]');
  }
  const raw = pair[1];
  const histogram: NativeHistogram = {
    count: decodeNumber(raw.count),
    sum: decodeNumber(raw.sum),
    buckets: raw.buckets === undefined ? [] : list(raw.buckets, 'buckets').map(decodeBucket),
  };
  return { timestampMillis: decodeTime(pair[0]), histogram };
}

function decodeBucket(item: unknown): NativeHistogramBucket {
  if (!Array.isArray(item) || item.length !== 4 || typeof item[0] !== 'number') {
    throw new DecodeError('histogram bucket is not [rule, "lower", "upper", "count"]');
  }
  return {
    boundaryRule: item[0],
    lower: decodeNumber(item[1]),
    upper: decodeNumber(item[2]),
    count: decodeNumber(item[3]),
  };
}

function decodeLabels(value: unknown): SeriesLabels {
  if (!isObject(value)) throw new DecodeError('"metric" is not an object');
  for (const item of Object.values(value)) {
    if (typeof item !== 'string') throw new DecodeError('label value is not a string');
  }
  return value as SeriesLabels;
}

// Prometheus writes times as Unix seconds with up to millisecond precision.
function decodeTime(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new DecodeError('sample time is not a number');
  }
  return Math.round(value * 1000);
}

function decodeNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  const parsed = typeof value === 'string' ? parseSampleValue(value) : undefined;
  if (parsed === undefined) throw new DecodeError(`invalid sample value ${JSON.stringify(value)}`);
  return parsed;
}

function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new DecodeError(`"${field}" is not a list`);
  return value;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
