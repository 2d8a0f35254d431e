import type { LogSeverityName } from '../settings/types.js';
import type { MetricViewRule, ReconfigurableField, ReconfigurableSettings } from './types.js';

/** Smallest accepted metric export interval, in milliseconds. */
export const MIN_RECONFIGURED_EXPORT_INTERVAL_MILLIS = 1_000;

/** Largest accepted metric export interval, in milliseconds (one day). */
export const MAX_RECONFIGURED_EXPORT_INTERVAL_MILLIS = 86_400_000;

/** Largest accepted pre-aggregation window, in milliseconds: the longest `setTimeout` delay. */
export const MAX_RECONFIGURED_PREAGGREGATION_INTERVAL_MILLIS = 2_147_483_647;

/** Field names accepted by {@link validateReconfiguration}, in documentation order. */
export const RECONFIGURABLE_FIELDS: readonly ReconfigurableField[] = [
  'metricExportIntervalMillis',
  'metricViews',
  'preAggregationIntervals',
  'tracesSamplerRatio',
  'logMinSeverity',
  'agentEndpoint',
];

const SEVERITY_NAMES: readonly LogSeverityName[] = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
];

const RULE_FIELDS = ['instrument', 'drop', 'attributeKeys', 'excludeAttributeKeys'];

/** Error thrown for an invalid partial settings document; `field` names the offending field. */
export class ReconfigurationError extends TypeError {
  /** Dotted path of the invalid field, such as `metricViews[0].instrument`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'ReconfigurationError';
    this.field = field;
  }
}

function invalid(field: string, value: unknown, accepted: string): ReconfigurationError {
  return new ReconfigurationError(
    field,
    `Invalid setting ${field}: ${describe(value)}; expected ${accepted}.`,
  );
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeyList(field: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.some((key) => typeof key !== 'string' || key === '')) {
    throw invalid(field, value, 'an array of non-empty attribute key strings');
  }
  return [...value];
}

function checkRule(field: string, value: unknown): MetricViewRule {
  if (!isPlainObject(value)) {
    throw invalid(
      field,
      value,
      'an object with instrument and drop, attributeKeys or excludeAttributeKeys',
    );
  }
  for (const key of Object.keys(value)) {
    if (!RULE_FIELDS.includes(key)) {
      throw invalid(
        `${field}.${key}`,
        value[key],
        `no such field; accepted fields are ${RULE_FIELDS.join(', ')}`,
      );
    }
  }

  const instrument = value.instrument;
  if (typeof instrument !== 'string' || instrument.trim() === '') {
    throw invalid(
      `${field}.instrument`,
      instrument,
      'an instrument name or a pattern with * wildcards',
    );
  }
  const rule: MetricViewRule = { instrument: instrument.trim() };

  if (value.drop !== undefined) {
    if (typeof value.drop !== 'boolean')
      throw invalid(`${field}.drop`, value.drop, 'true or false');
    rule.drop = value.drop;
  }
  if (value.attributeKeys !== undefined) {
    rule.attributeKeys = checkKeyList(`${field}.attributeKeys`, value.attributeKeys);
  }
  if (value.excludeAttributeKeys !== undefined) {
    rule.excludeAttributeKeys = checkKeyList(
      `${field}.excludeAttributeKeys`,
      value.excludeAttributeKeys,
    );
  }
  if (
    rule.drop === undefined &&
    rule.attributeKeys === undefined &&
    rule.excludeAttributeKeys === undefined
  ) {
    throw invalid(field, value, 'drop, attributeKeys or excludeAttributeKeys next to instrument');
  }
  return rule;
}

function checkPreAggregationIntervals(value: unknown): Record<string, number> {
  const field = 'preAggregationIntervals';
  if (!isPlainObject(value)) {
    throw invalid(
      field,
      value,
      'an object that maps pre-aggregated instrument names to window lengths in milliseconds',
    );
  }

  const entries = Object.entries(value);
  for (const [name, interval] of entries) {
    if (name.trim() === '') throw invalid(field, value, 'instrument names that are not empty');
    if (
      typeof interval !== 'number' ||
      !Number.isInteger(interval) ||
      interval < 1 ||
      interval > MAX_RECONFIGURED_PREAGGREGATION_INTERVAL_MILLIS
    ) {
      throw invalid(
        `${field}.${name}`,
        interval,
        `an integer number of milliseconds from 1 to ${MAX_RECONFIGURED_PREAGGREGATION_INTERVAL_MILLIS}`,
      );
    }
  }
  // fromEntries defines own properties, so a key such as __proto__ stays a plain key.
  return Object.fromEntries(entries) as Record<string, number>;
}

function checkEndpoint(value: unknown): string | null {
  if (value === null) return null;

  const accepted = 'host:port (OTLP/gRPC), an http:// or https:// URL (OTLP/HTTP), or null';
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid('agentEndpoint', value, accepted);
  }
  const endpoint = value.trim();

  if (endpoint.includes('://')) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw invalid('agentEndpoint', value, accepted);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw invalid('agentEndpoint', value, accepted);
    }
    if (url.username !== '' || url.password !== '') {
      throw invalid('agentEndpoint', '<URL with credentials>', `${accepted}, without credentials`);
    }
    return endpoint.replace(/\/+$/, '');
  }

  const match = /^(\[[0-9a-fA-F:.]+\]|[^:/\s]+):(\d{1,5})$/.exec(endpoint);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || port < 1 || port > 65_535) {
    throw invalid('agentEndpoint', value, accepted);
  }
  return endpoint;
}

/**
 * Validates a partial settings document, from code or from a settings file, and returns a
 * normalized copy. Throws a {@link ReconfigurationError} on the first invalid or unknown field,
 * naming the field, the value and what is accepted, so a caller can apply all or nothing.
 */
export function validateReconfiguration(input: unknown): ReconfigurableSettings {
  if (!isPlainObject(input)) {
    throw invalid('settings', input, `an object with some of ${RECONFIGURABLE_FIELDS.join(', ')}`);
  }
  for (const key of Object.keys(input)) {
    if (!(RECONFIGURABLE_FIELDS as readonly string[]).includes(key)) {
      throw invalid(
        key,
        input[key],
        `no such field; accepted fields are ${RECONFIGURABLE_FIELDS.join(', ')}`,
      );
    }
  }

  const result: ReconfigurableSettings = {};

  const interval = input.metricExportIntervalMillis;
  if (interval !== undefined) {
    if (
      typeof interval !== 'number' ||
      !Number.isInteger(interval) ||
      interval < MIN_RECONFIGURED_EXPORT_INTERVAL_MILLIS ||
      interval > MAX_RECONFIGURED_EXPORT_INTERVAL_MILLIS
    ) {
      throw invalid(
        'metricExportIntervalMillis',
        interval,
        `an integer number of milliseconds from ${MIN_RECONFIGURED_EXPORT_INTERVAL_MILLIS} to ${MAX_RECONFIGURED_EXPORT_INTERVAL_MILLIS}`,
      );
    }
    result.metricExportIntervalMillis = interval;
  }

  const views = input.metricViews;
  if (views !== undefined) {
    if (!Array.isArray(views)) throw invalid('metricViews', views, 'an array of view rules');
    result.metricViews = views.map((rule, index) => checkRule(`metricViews[${index}]`, rule));
  }

  if (input.preAggregationIntervals !== undefined) {
    result.preAggregationIntervals = checkPreAggregationIntervals(input.preAggregationIntervals);
  }

  const ratio = input.tracesSamplerRatio;
  if (ratio !== undefined) {
    if (typeof ratio !== 'number' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
      throw invalid('tracesSamplerRatio', ratio, 'a number from 0 to 1');
    }
    result.tracesSamplerRatio = ratio;
  }

  const severity = input.logMinSeverity;
  if (severity !== undefined) {
    const name = typeof severity === 'string' ? severity.trim().toLowerCase() : severity;
    if (!SEVERITY_NAMES.includes(name as LogSeverityName)) {
      throw invalid('logMinSeverity', severity, `one of ${SEVERITY_NAMES.join(', ')}`);
    }
    result.logMinSeverity = name as LogSeverityName;
  }

  if (input.agentEndpoint !== undefined) result.agentEndpoint = checkEndpoint(input.agentEndpoint);

  return result;
}
