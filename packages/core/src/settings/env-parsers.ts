/**
 * Parsers for environment variable values. Each parser returns the parsed value, or
 * `undefined` when the variable is unset or empty, and reports an invalid value through
 * `report` instead of throwing, so callers can fall back to the next source.
 */

/** Receives one message per invalid value; the message names the variable, the value and what is accepted. */
export type EnvWarningReporter = (message: string) => void;

/** Environment variables as `process.env` stores them. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Returns the trimmed value of `name`, or `undefined` when it is unset or blank. */
export function readEnvString(env: EnvSource, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;

  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Parses `true` or `false` (any letter case, surrounding spaces ignored). The OpenTelemetry
 * configuration specification accepts only these two words for booleans.
 */
export function parseEnvBoolean(
  env: EnvSource,
  name: string,
  report: EnvWarningReporter,
): boolean | undefined {
  const value = readEnvString(env, name);
  if (value === undefined) return undefined;

  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;

  report(`${name}="${value}" is invalid: expected true or false`);
  return undefined;
}

/** Limits for {@link parseEnvInteger}. */
export interface IntegerRange {
  /** Smallest accepted value. Default 0. */
  min?: number;
  /** Largest accepted value. Default `Number.MAX_SAFE_INTEGER`. */
  max?: number;
}

/**
 * Parses a base-10 integer within `range` (default: zero or more). Used for durations in
 * milliseconds, sizes in bytes and counts.
 */
export function parseEnvInteger(
  env: EnvSource,
  name: string,
  report: EnvWarningReporter,
  range: IntegerRange = {},
): number | undefined {
  const value = readEnvString(env, name);
  if (value === undefined) return undefined;

  const min = range.min ?? 0;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  const parsed = /^[-+]?\d+$/.test(value) ? Number(value) : Number.NaN;

  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    report(`${name}="${value}" is invalid: expected an integer from ${min} to ${max}`);
    return undefined;
  }
  return parsed;
}

/** Parses a duration in milliseconds: a non-negative integer. */
export function parseEnvMillis(
  env: EnvSource,
  name: string,
  report: EnvWarningReporter,
): number | undefined {
  return parseEnvInteger(env, name, report, { min: 0 });
}

/** Parses a finite number within `[min, max]`. */
export function parseEnvNumber(
  env: EnvSource,
  name: string,
  report: EnvWarningReporter,
  min: number,
  max: number,
): number | undefined {
  const value = readEnvString(env, name);
  if (value === undefined) return undefined;

  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    report(`${name}="${value}" is invalid: expected a number from ${min} to ${max}`);
    return undefined;
  }
  return parsed;
}

/**
 * Parses one of `accepted` (compared in lower case, as the OpenTelemetry specification
 * compares enum values).
 */
export function parseEnvEnum<T extends string>(
  env: EnvSource,
  name: string,
  accepted: readonly T[],
  report: EnvWarningReporter,
): T | undefined {
  const value = readEnvString(env, name);
  if (value === undefined) return undefined;

  const lower = value.toLowerCase();
  const match = accepted.find((candidate) => candidate === lower);
  if (match === undefined) {
    report(`${name}="${value}" is invalid: expected one of ${accepted.join(', ')}`);
  }
  return match;
}

/** Parses a comma-separated list; entries are trimmed and empty entries dropped. */
export function parseEnvList(env: EnvSource, name: string): string[] | undefined {
  const value = readEnvString(env, name);
  if (value === undefined) return undefined;

  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/**
 * Parses a `key1=value1,key2=value2` list as `OTEL_RESOURCE_ATTRIBUTES` and
 * `OTEL_EXPORTER_OTLP_HEADERS` use it: keys and values are trimmed and percent-decoded, and
 * a value may contain `=`. An entry without `=`, with an empty key or with a malformed
 * percent escape is reported and skipped. When `secret` is true the report names the key
 * but never the value.
 */
export function parseEnvKeyValueList(
  env: EnvSource,
  name: string,
  report: EnvWarningReporter,
  secret = false,
): Record<string, string> | undefined {
  const value = readEnvString(env, name);
  if (value === undefined) return undefined;

  return parseKeyValueList(value, name, report, secret);
}

/** Parses the text of a `key=value` list; see {@link parseEnvKeyValueList}. */
export function parseKeyValueList(
  text: string,
  name: string,
  report: EnvWarningReporter,
  secret = false,
): Record<string, string> {
  const result: Record<string, string> = {};

  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue;

    const separator = entry.indexOf('=');
    const entryText = secret ? '<redacted>' : `"${entry.trim()}"`;
    if (separator <= 0) {
      report(`${name} entry ${entryText} is invalid: expected key=value`);
      continue;
    }

    const key = decodePercent(entry.slice(0, separator).trim());
    const item = decodePercent(entry.slice(separator + 1).trim());
    if (key === undefined || key === '' || item === undefined) {
      const keyText = secret ? `"${entry.slice(0, separator).trim()}"` : entryText;
      report(
        `${name} entry ${keyText} is invalid: expected a non-empty key and valid percent escapes`,
      );
      continue;
    }
    result[key] = item;
  }
  return result;
}

function decodePercent(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
