import {
  type ComponentLogger,
  DEFAULT_LOCAL_ENDPOINT,
  type EnvSource,
  normalizeLocalEndpoint,
  readEnvString,
} from '@mlsysops/telemetry-core';

/** Variables naming the local endpoint, first wins, as core's `localEndpoint` setting reads them. */
const ENDPOINT_VARIABLES = ['MLSYSOPS_LOCAL_ENDPOINT', 'LOCAL_OTEL_ENDPOINT'] as const;

/**
 * Resolves the scrape URL from the `endpoint` option, then `MLSYSOPS_LOCAL_ENDPOINT`, then
 * `LOCAL_OTEL_ENDPOINT`, then `localhost:9999` (the node agent's Prometheus exporter).
 * `host:port` becomes `http://host:port/metrics`, and a URL without a path gets `/metrics`.
 * Throws `TypeError` for an invalid option. An invalid variable logs a warning, and the next
 * source applies.
 */
export function resolveLocalEndpoint(
  option: string | undefined,
  env: EnvSource,
  logger: ComponentLogger,
): URL {
  if (option !== undefined) {
    const url = normalizeLocalEndpoint(option.trim());
    if (url === undefined) {
      throw new TypeError(
        `Invalid option endpoint ${JSON.stringify(option)}: expected host:port or an http(s) URL.`,
      );
    }
    return new URL(url);
  }

  for (const name of ENDPOINT_VARIABLES) {
    const text = readEnvString(env, name);
    if (text === undefined) continue;

    const url = normalizeLocalEndpoint(text);
    if (url !== undefined) return new URL(url);
    logger.warnRateLimited(
      `env:${name}`,
      `${name}="${text}" is invalid: expected host:port or an http(s) URL; ignoring it.`,
    );
  }
  return new URL(normalizeLocalEndpoint(DEFAULT_LOCAL_ENDPOINT)!);
}
