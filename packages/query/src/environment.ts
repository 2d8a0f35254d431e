import {
  type ComponentLogger,
  type EnvSource,
  parseEnvEnum,
  parseEnvInteger,
  parseEnvKeyValueList,
} from '@mlsysops/telemetry-core';

// Binds core's environment parsers to a component logger: an invalid value logs one
// rate-limited warning per variable and the caller falls back to its default.
function reporter(logger: ComponentLogger, name: string): (message: string) => void {
  return (message) => logger.warnRateLimited(`env:${name}`, `${message}; using the default.`);
}

/** Parses a non-negative integer up to `max` from `name`, or returns `undefined`. */
export function readEnvInteger(
  env: EnvSource,
  name: string,
  logger: ComponentLogger,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  return parseEnvInteger(env, name, reporter(logger, name), { min: 0, max });
}

/** Parses one of `accepted` (compared in lower case) from `name`, or returns `undefined`. */
export function readEnvEnum<T extends string>(
  env: EnvSource,
  name: string,
  accepted: readonly T[],
  logger: ComponentLogger,
): T | undefined {
  return parseEnvEnum(env, name, accepted, reporter(logger, name));
}

/**
 * Parses a `key1=value1,key2=value2` list of HTTP headers with percent-encoded values, as
 * `OTEL_EXPORTER_OTLP_HEADERS` writes it. Warnings name keys but never values.
 */
export function readEnvHeaders(
  env: EnvSource,
  name: string,
  logger: ComponentLogger,
): Record<string, string> | undefined {
  return parseEnvKeyValueList(env, name, reporter(logger, name), true);
}
