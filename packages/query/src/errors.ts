/**
 * Stable error codes of `@mlsysops/telemetry-query`. Each code belongs to exactly one error
 * class, so callers can switch on `error.code` without `instanceof`.
 */
export type QueryErrorCode =
  | 'connection_failed'
  | 'timeout'
  | 'aborted'
  | 'http_error'
  | 'api_error'
  | 'invalid_response'
  | 'response_too_large'
  | 'invalid_exposition';

/** Context attached to a {@link QueryError}. Every field is optional. */
export interface QueryErrorDetails {
  /** HTTP status of the last response, when a response arrived. */
  status?: number;
  /** Prometheus `errorType` from an error response, for example `bad_data` or `execution`. */
  errorType?: string;
  /** Prometheus `error` text from an error response. */
  serverError?: string;
  /** The PromQL expression or series matchers of the request. */
  query?: string;
  /** Request URL without credentials. */
  url?: string;
  /** Number of attempts made, retries included. */
  attempts?: number;
  /** The underlying error, such as a socket error. */
  cause?: unknown;
}

/**
 * Base class of every error that `@mlsysops/telemetry-query` rejects with. Messages and
 * fields never contain a bearer token or any other configured header value.
 */
export class QueryError extends Error {
  /** Stable code for the failure kind. */
  readonly code: QueryErrorCode;
  /** HTTP status of the last response, when a response arrived. */
  readonly status: number | undefined;
  /** Prometheus `errorType`, when the server sent one. */
  readonly errorType: string | undefined;
  /** Prometheus `error` text, when the server sent one. */
  readonly serverError: string | undefined;
  /** The PromQL expression or series matchers of the request. */
  readonly query: string | undefined;
  /** Request URL without credentials. */
  readonly url: string | undefined;
  /** Number of attempts made, retries included. */
  readonly attempts: number | undefined;

  constructor(code: QueryErrorCode, message: string, details: QueryErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = details.status;
    this.errorType = details.errorType;
    this.serverError = details.serverError;
    this.query = details.query;
    this.url = details.url;
    this.attempts = details.attempts;
  }
}

/** The server could not be reached: connection refused or reset, DNS failure, TLS failure. */
export class QueryConnectionError extends QueryError {
  constructor(message: string, details: QueryErrorDetails = {}) {
    super('connection_failed', message, details);
  }
}

/** The request did not complete within `timeoutMillis`, retries included. */
export class QueryTimeoutError extends QueryError {
  constructor(message: string, details: QueryErrorDetails = {}) {
    super('timeout', message, details);
  }
}

/** The caller's `AbortSignal` aborted the request. */
export class QueryAbortedError extends QueryError {
  constructor(message: string, details: QueryErrorDetails = {}) {
    super('aborted', message, details);
  }
}

/**
 * The server responded with a non-2xx status and no Prometheus error body, as proxies and
 * Grafana do for authentication failures.
 */
export class QueryHttpError extends QueryError {
  constructor(message: string, details: QueryErrorDetails = {}) {
    super('http_error', message, details);
  }
}

/**
 * The server answered with a Prometheus error body (`"status": "error"`), for example a PromQL
 * syntax error (`bad_data`, HTTP 400) or an evaluation failure (`execution`, HTTP 422).
 */
export class QueryApiError extends QueryError {
  constructor(message: string, details: QueryErrorDetails = {}) {
    super('api_error', message, details);
  }
}

/** The server responded 2xx with a body that is not a valid Prometheus API response. */
export class QueryResponseError extends QueryError {
  constructor(message: string, details: QueryErrorDetails = {}) {
    super('invalid_response', message, details);
  }
}

/** The response body exceeded the configured byte limit and was not read further. */
export class QueryResponseTooLargeError extends QueryError {
  constructor(message: string, details: QueryErrorDetails = {}) {
    super('response_too_large', message, details);
  }
}

/** Exposition text (Prometheus text format or OpenMetrics) that could not be parsed. */
export class ExpositionParseError extends QueryError {
  /** 1-based line number of the offending line. */
  readonly line: number;

  constructor(message: string, line: number) {
    super('invalid_exposition', `Invalid exposition text at line ${line}: ${message}`);
    this.line = line;
  }
}
