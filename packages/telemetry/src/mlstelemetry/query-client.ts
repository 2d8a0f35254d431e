import { type ComponentLogger, type EnvSource, readEnvString } from '@mlsysops/telemetry-core';
import {
  createPromQLClient,
  type PromQLClient,
  type PromQLClientOptions,
} from '@mlsysops/telemetry-query';

/**
 * Variables that mlstelemetry reads for its Grafana queries. They apply only where the
 * matching `MLSYSOPS_QUERY_*` variable is unset.
 */
export const MLSTELEMETRY_QUERY_VARIABLES = {
  /** Grafana address as `host:port` or a URL (mlstelemetry default `localhost:3000`). */
  endpoint: 'GRAFANA_ENDPOINT',
  /** Grafana API key or service account token, sent as a bearer token. */
  token: 'GRAFANA_API_KEY',
  /** UID of the Prometheus (or Mimir) data source in Grafana. */
  datasourceUid: 'PROMETHEUS_DATASOURCE_ID',
} as const;

/** Returns whether `value` has the methods of a {@link PromQLClient}. */
export function isPromQLClient(value: unknown): value is PromQLClient {
  const candidate = value as Partial<PromQLClient> | undefined;
  return typeof candidate?.query === 'function' && typeof candidate.queryRange === 'function';
}

/**
 * Builds PromQL client options from the environment: the `MLSYSOPS_QUERY_*` variables (read
 * by the client itself) win, and the mlstelemetry variables fill the gaps. When
 * `GRAFANA_ENDPOINT` or `PROMETHEUS_DATASOURCE_ID` is set and `MLSYSOPS_QUERY_KIND` is not,
 * the client addresses Grafana's data source proxy.
 */
export function queryOptionsFromEnv(env: EnvSource): PromQLClientOptions {
  const options: PromQLClientOptions = { env };
  const grafanaEndpoint = readMlstelemetryValue(env, MLSTELEMETRY_QUERY_VARIABLES.endpoint);
  const token = readMlstelemetryValue(env, MLSTELEMETRY_QUERY_VARIABLES.token);
  const datasourceUid = readMlstelemetryValue(env, MLSTELEMETRY_QUERY_VARIABLES.datasourceUid);

  const grafana = grafanaEndpoint !== undefined || datasourceUid !== undefined;
  if (grafana && readEnvString(env, 'MLSYSOPS_QUERY_KIND') === undefined) options.kind = 'grafana';
  if (grafanaEndpoint !== undefined && readEnvString(env, 'MLSYSOPS_QUERY_URL') === undefined) {
    options.url = /^https?:\/\//i.test(grafanaEndpoint)
      ? grafanaEndpoint
      : `http://${grafanaEndpoint}`;
  }
  if (
    datasourceUid !== undefined &&
    readEnvString(env, 'MLSYSOPS_QUERY_DATASOURCE_UID') === undefined
  ) {
    options.datasourceUid = datasourceUid;
  }
  if (token !== undefined && readEnvString(env, 'MLSYSOPS_QUERY_TOKEN') === undefined) {
    options.bearerToken = token;
  }
  return options;
}

/**
 * Creates the facade's PromQL client. A client or options passed in code are used as given,
 * and invalid options throw. A client configured from the environment that cannot be built
 * (for example the grafana kind without a data source UID) logs one warning and returns
 * `undefined`, so that the queries resolve to `undefined` instead.
 */
export function resolveQueryClient(
  option: PromQLClient | PromQLClientOptions | undefined,
  env: EnvSource,
  log: ComponentLogger,
): { client: PromQLClient | undefined; setupError: string | undefined } {
  if (isPromQLClient(option)) return { client: option, setupError: undefined };
  if (option !== undefined) return { client: createPromQLClient(option), setupError: undefined };

  try {
    return { client: createPromQLClient(queryOptionsFromEnv(env)), setupError: undefined };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.warnOnce(
      'query-setup',
      `prometheusQuery is unavailable: the query settings from the environment are invalid: ${message}`,
    );
    return { client: undefined, setupError: message };
  }
}

// mlstelemetry's defaults for unset variables are the literal string "null".
function readMlstelemetryValue(env: EnvSource, name: string): string | undefined {
  const value = readEnvString(env, name);
  return value === undefined || value === 'null' ? undefined : value;
}
