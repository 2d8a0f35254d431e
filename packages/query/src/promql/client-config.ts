import { type ComponentLogger, type EnvSource, readEnvString } from '@mlsysops/telemetry-core';
import { readEnvEnum, readEnvHeaders, readEnvInteger } from '../environment.js';

/** Server kinds the PromQL client can address. */
export type QueryServerKind = 'prometheus' | 'mimir' | 'grafana';

/** Accepted values of `kind` and `MLSYSOPS_QUERY_KIND`. */
export const QUERY_SERVER_KINDS: readonly QueryServerKind[] = ['prometheus', 'mimir', 'grafana'];

/**
 * Options of {@link createPromQLClient}. Each option falls back to its environment variable
 * and then to its default.
 */
export interface PromQLClientOptions {
  /**
   * Base URL of the server, for example `http://prometheus:9090`, `http://mimir:8080` or
   * `http://grafana:3000`. A path in the URL is kept in front of every API path. User
   * information in the URL (`http://user:pass@host`) is sent as HTTP basic authentication.
   * Env `MLSYSOPS_QUERY_URL`. Default by kind: `http://localhost:9090` (prometheus),
   * `http://localhost:8080` (mimir), `http://localhost:3000` (grafana).
   */
  url?: string;
  /**
   * Server kind: `prometheus` (default), `mimir` (tenant header, `/prometheus` prefix) or
   * `grafana` (datasource proxy). Env `MLSYSOPS_QUERY_KIND`.
   */
  kind?: QueryServerKind;
  /**
   * Path between the base URL and `/api/v1`. Default `/prometheus` for mimir, empty otherwise.
   * Env `MLSYSOPS_QUERY_PATH_PREFIX`.
   */
  pathPrefix?: string;
  /**
   * UID of the Prometheus or Mimir data source in Grafana; required for the grafana kind.
   * Requests go to `/api/datasources/proxy/uid/<uid>/api/v1/...`. Env
   * `MLSYSOPS_QUERY_DATASOURCE_UID`.
   */
  datasourceUid?: string;
  /**
   * Bearer token sent as `Authorization: Bearer <token>`, for example a Grafana service account
   * token. Never logged. Env `MLSYSOPS_QUERY_TOKEN`.
   */
  bearerToken?: string;
  /** Tenant ID sent as `X-Scope-OrgID` (Mimir, Cortex, Loki). Env `MLSYSOPS_QUERY_TENANT`. */
  tenantId?: string;
  /**
   * Extra HTTP headers. Values are never logged. Env `MLSYSOPS_QUERY_HEADERS` as
   * `key1=value1,key2=value2` with percent-encoded values.
   */
  headers?: Readonly<Record<string, string>>;
  /**
   * Time limit for one API call including retries, in milliseconds. Default 30 000. Env
   * `MLSYSOPS_QUERY_TIMEOUT_MILLIS`.
   */
  timeoutMillis?: number;
  /**
   * Retries after a connection error or HTTP 429, 502, 503 or 504. Default 2. Env
   * `MLSYSOPS_QUERY_MAX_RETRIES`.
   */
  maxRetries?: number;
  /** Delay before the first retry, doubled for each further retry, in milliseconds. Default 250. */
  retryDelayMillis?: number;
  /** Upper bound of the computed retry delay, in milliseconds. Default 5 000. */
  maxRetryDelayMillis?: number;
  /** Largest response body read, in bytes; larger responses fail. Default 64 MiB. */
  maxResponseBytes?: number;
  /**
   * HTTP method for queries: `GET`, `POST` (form-encoded) or `auto` (default), which posts when
   * the encoded parameters exceed 2 048 bytes. Metadata and label value calls always use GET.
   */
  method?: 'auto' | 'GET' | 'POST';
  /** Environment to read the variables from. Default `process.env`. */
  env?: EnvSource;
}

/** Client settings after options, environment and defaults were merged. */
export interface ResolvedClientConfig {
  kind: QueryServerKind;
  /** URL of `/api/v1` without a trailing slash and without credentials. */
  apiBase: string;
  headers: Record<string, string>;
  /** Values that must never appear in a message: tokens, passwords and header values. */
  secrets: string[];
  timeoutMillis: number;
  maxRetries: number;
  retryDelayMillis: number;
  maxRetryDelayMillis: number;
  maxResponseBytes: number;
  method: 'auto' | 'GET' | 'POST';
}

const DEFAULT_URLS: Record<QueryServerKind, string> = {
  prometheus: 'http://localhost:9090',
  mimir: 'http://localhost:8080',
  grafana: 'http://localhost:3000',
};

/**
 * Merges options, `MLSYSOPS_QUERY_*` variables and defaults. Throws `TypeError` or `RangeError`
 * naming the option for an invalid option; an invalid variable logs a warning and is ignored.
 */
export function resolveClientConfig(
  options: PromQLClientOptions,
  logger: ComponentLogger,
): ResolvedClientConfig {
  const env = options.env ?? process.env;

  const kind = options.kind ?? readEnvEnum(env, 'MLSYSOPS_QUERY_KIND', QUERY_SERVER_KINDS, logger);
  if (kind !== undefined && !QUERY_SERVER_KINDS.includes(kind)) {
    throw new TypeError(
      `Invalid option kind ${JSON.stringify(kind)}: expected one of ${QUERY_SERVER_KINDS.join(', ')}.`,
    );
  }
  const serverKind = kind ?? 'prometheus';

  const url = resolveUrl(options.url, env, serverKind, logger);
  const secrets: string[] = [];
  const headers: Record<string, string> = {};

  const envHeaders = readEnvHeaders(env, 'MLSYSOPS_QUERY_HEADERS', logger);
  for (const [name, value] of Object.entries(options.headers ?? envHeaders ?? {})) {
    headers[name.toLowerCase()] = value;
    secrets.push(value);
  }

  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    secrets.push(password, headers.authorization);
    url.username = '';
    url.password = '';
  }

  const token = options.bearerToken ?? readEnvString(env, 'MLSYSOPS_QUERY_TOKEN');
  if (token !== undefined && token !== '') {
    headers.authorization = `Bearer ${token}`;
    secrets.push(token);
  }

  const tenant = options.tenantId ?? readEnvString(env, 'MLSYSOPS_QUERY_TENANT');
  if (tenant !== undefined && tenant !== '') headers['x-scope-orgid'] = tenant;

  const apiBase = buildApiBase(url, serverKind, options, env);

  const envTimeout = readEnvInteger(env, 'MLSYSOPS_QUERY_TIMEOUT_MILLIS', logger);
  const envRetries = readEnvInteger(env, 'MLSYSOPS_QUERY_MAX_RETRIES', logger, 10);
  const method = options.method ?? 'auto';
  if (method !== 'auto' && method !== 'GET' && method !== 'POST') {
    throw new TypeError(
      `Invalid option method ${JSON.stringify(method)}: expected auto, GET or POST.`,
    );
  }

  return {
    kind: serverKind,
    apiBase,
    headers,
    secrets: secrets.filter((secret) => secret.length > 0),
    timeoutMillis: checkInteger('timeoutMillis', options.timeoutMillis, 1) ?? envTimeout ?? 30_000,
    maxRetries: checkInteger('maxRetries', options.maxRetries, 0, 10) ?? envRetries ?? 2,
    retryDelayMillis: checkInteger('retryDelayMillis', options.retryDelayMillis, 0) ?? 250,
    maxRetryDelayMillis:
      checkInteger('maxRetryDelayMillis', options.maxRetryDelayMillis, 0) ?? 5_000,
    maxResponseBytes:
      checkInteger('maxResponseBytes', options.maxResponseBytes, 1) ?? 64 * 1024 * 1024,
    method,
  };
}

function resolveUrl(
  option: string | undefined,
  env: EnvSource,
  kind: QueryServerKind,
  logger: ComponentLogger,
): URL {
  if (option !== undefined) {
    const url = parseHttpUrl(option);
    if (url === undefined) {
      throw new TypeError(
        `Invalid option url ${JSON.stringify(option)}: expected an http or https URL.`,
      );
    }
    return url;
  }

  const text = readEnvString(env, 'MLSYSOPS_QUERY_URL');
  if (text !== undefined) {
    const url = parseHttpUrl(text);
    if (url !== undefined) return url;
    logger.warnRateLimited(
      'env:MLSYSOPS_QUERY_URL',
      `MLSYSOPS_QUERY_URL is invalid: expected an http or https URL; using ${DEFAULT_URLS[kind]}.`,
    );
  }
  return new URL(DEFAULT_URLS[kind]);
}

function parseHttpUrl(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

function buildApiBase(
  url: URL,
  kind: QueryServerKind,
  options: PromQLClientOptions,
  env: EnvSource,
): string {
  const prefix =
    options.pathPrefix ??
    readEnvString(env, 'MLSYSOPS_QUERY_PATH_PREFIX') ??
    (kind === 'mimir' ? '/prometheus' : '');
  let path = trimSlashes(url.pathname);

  if (kind === 'grafana') {
    const uid = options.datasourceUid ?? readEnvString(env, 'MLSYSOPS_QUERY_DATASOURCE_UID');
    if (uid === undefined || uid === '') {
      throw new TypeError(
        'Missing option datasourceUid: the grafana kind needs the data source UID ' +
          '(or set MLSYSOPS_QUERY_DATASOURCE_UID).',
      );
    }
    path += `/api/datasources/proxy/uid/${encodeURIComponent(uid)}`;
  }

  const trimmedPrefix = trimSlashes(prefix);
  if (trimmedPrefix !== '') path += trimmedPrefix;
  return `${url.origin}${path}/api/v1`;
}

// Returns the path with one leading slash and no trailing slash, or '' for the root.
function trimSlashes(path: string): string {
  let start = 0;
  let end = path.length;
  while (start < end && path[start] === '/') start++;
  while (end > start && path[end - 1] === '/') end--;
  return start === end ? '' : `/${path.slice(start, end)}`;
}

function checkInteger(
  name: string,
  value: number | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Invalid option ${name} ${String(value)}: expected an integer from ${min} to ${max}.`,
    );
  }
  return value;
}
