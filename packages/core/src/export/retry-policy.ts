/**
 * Retry rules of the OTLP exporter specification (OTLP/HTTP and OTLP/gRPC "Failures" and
 * "Throttling" sections): which responses are retried and how long to wait.
 */

/** Backoff settings for retryable failures without a server-given delay. */
export interface RetryOptions {
  /** Upper bound of the first backoff, in milliseconds. Default 1 000. */
  initialBackoffMillis?: number;
  /** Upper bound of any computed backoff, in milliseconds. Default 5 000, so a node agent that comes back after a restart is reached within seconds. */
  maxBackoffMillis?: number;
  /** Growth factor of the backoff bound per consecutive failure. Default 2. */
  backoffMultiplier?: number;
  /**
   * Upper bound of a delay that the server requests through `Retry-After` or gRPC
   * `RetryInfo`, in milliseconds, so a wrong header cannot stall delivery for hours.
   * Default 300 000 (5 minutes).
   */
  maxServerDelayMillis?: number;
}

/** Retry options with every default applied. */
export type ResolvedRetryOptions = Required<RetryOptions>;

/** Default retry options. */
export const DEFAULT_RETRY_OPTIONS: ResolvedRetryOptions = Object.freeze({
  initialBackoffMillis: 1_000,
  maxBackoffMillis: 5_000,
  backoffMultiplier: 2,
  maxServerDelayMillis: 300_000,
});

/** HTTP status codes that the OTLP/HTTP specification marks retryable. */
const RETRYABLE_HTTP_STATUS = new Set([429, 502, 503, 504]);

/** gRPC status codes, by number, as `grpc-status` carries them. */
export const GrpcStatus = Object.freeze({
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
});

/** gRPC codes that are always retryable under the OTLP/gRPC specification. */
const RETRYABLE_GRPC_STATUS = new Set<number>([
  GrpcStatus.CANCELLED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.OUT_OF_RANGE,
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DATA_LOSS,
]);

/** Returns true when an OTLP/HTTP response with `status` should be retried. */
export function isRetryableHttpStatus(status: number): boolean {
  return RETRYABLE_HTTP_STATUS.has(status);
}

/**
 * Returns true when a gRPC response with `code` should be retried. RESOURCE_EXHAUSTED is
 * retryable only when the server attached `RetryInfo`, because only then does it signal
 * that the exhaustion is temporary.
 */
export function isRetryableGrpcStatus(code: number, hasRetryInfo: boolean): boolean {
  if (code === GrpcStatus.RESOURCE_EXHAUSTED) return hasRetryInfo;
  return RETRYABLE_GRPC_STATUS.has(code);
}

/**
 * Parses an HTTP `Retry-After` value (delay in seconds or an HTTP date) into milliseconds
 * from `nowMillis`. Returns undefined for a missing or invalid value, and 0 for a date in
 * the past.
 */
export function parseRetryAfter(value: string | undefined, nowMillis: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;

  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1_000;
  }

  // An HTTP date always names the day or month, so a bare number such as `-5` is invalid
  // rather than a year for Date.parse.
  const dateMillis = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(dateMillis)) return undefined;
  return Math.max(0, dateMillis - nowMillis);
}

/**
 * Computes the wait before retry number `attempt` (1 for the first retry) with exponential
 * backoff and full jitter: a uniform random value between 0 and
 * `min(maxBackoff, initialBackoff * multiplier^(attempt - 1))`.
 */
export function computeBackoffMillis(
  attempt: number,
  options: ResolvedRetryOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, attempt - 1);
  const bound = Math.min(
    options.maxBackoffMillis,
    options.initialBackoffMillis * options.backoffMultiplier ** exponent,
  );
  return Math.floor(random() * bound);
}

/**
 * Validates retry options passed in code and fills in defaults.
 * @throws {RangeError} naming the option when a value is not a finite number in range.
 */
export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved = { ...DEFAULT_RETRY_OPTIONS };

  for (const key of Object.keys(DEFAULT_RETRY_OPTIONS) as (keyof RetryOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;

    const minimum = key === 'backoffMultiplier' ? 1 : 0;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
      throw new RangeError(
        `Invalid retry option ${key}: ${String(value)}. Expected a finite number >= ${minimum}.`,
      );
    }
    resolved[key] = value;
  }
  return resolved;
}
