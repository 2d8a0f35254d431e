import { type DiagLogger, diag } from '@opentelemetry/api';

/** Minimum time between two warnings with the same key, in milliseconds. */
export const DEFAULT_WARNING_INTERVAL_MILLIS = 60_000;

/**
 * A namespaced `diag` logger with rate-limited warnings. Every component of the
 * mlsysops-telemetry packages logs through one of these, so `diag.setLogger` is the single
 * place where an application receives what the packages report.
 */
export interface ComponentLogger extends DiagLogger {
  /**
   * Logs `message` at warn level at most once per `intervalMillis` for the same `key`, and
   * counts the warnings that were held back. The next warning that passes reports that
   * count. The counts of one logger are reset when it has seen more than 1,000 distinct keys.
   */
  warnRateLimited(key: string, message: string, ...args: unknown[]): void;
  /** Logs `message` at warn level the first time `key` is seen, and never again. */
  warnOnce(key: string, message: string, ...args: unknown[]): void;
}

interface WarningState {
  lastMillis: number;
  suppressed: number;
}

/** Options for {@link createComponentLogger}. */
export interface ComponentLoggerOptions {
  /** Minimum time between two warnings with the same key. Default 60 000 ms. */
  warningIntervalMillis?: number;
  /** Clock used for rate limiting; tests replace it. Default `Date.now`. */
  now?: () => number;
}

/** Upper bound on distinct warning keys kept per logger, so odd keys cannot grow memory. */
const MAX_WARNING_KEYS = 1_000;

/**
 * Creates a logger whose messages carry `namespace` (for example
 * `@mlsysops/telemetry-core/discovery`) through `diag.createComponentLogger`.
 */
export function createComponentLogger(
  namespace: string,
  options: ComponentLoggerOptions = {},
): ComponentLogger {
  const base = diag.createComponentLogger({ namespace });
  const intervalMillis = options.warningIntervalMillis ?? DEFAULT_WARNING_INTERVAL_MILLIS;
  const now = options.now ?? Date.now;
  const warnings = new Map<string, WarningState>();
  const warnedOnce = new Set<string>();

  const warnRateLimited = (key: string, message: string, ...args: unknown[]): void => {
    const state = warnings.get(key);
    const time = now();

    if (state !== undefined && time - state.lastMillis < intervalMillis) {
      state.suppressed++;
      return;
    }

    if (state === undefined && warnings.size >= MAX_WARNING_KEYS) {
      warnings.clear();
    }

    const suppressed = state?.suppressed ?? 0;
    warnings.set(key, { lastMillis: time, suppressed: 0 });
    const suffix = suppressed > 0 ? ` (${suppressed} similar warnings suppressed)` : '';
    base.warn(message + suffix, ...args);
  };

  const warnOnce = (key: string, message: string, ...args: unknown[]): void => {
    if (warnedOnce.has(key)) return;
    if (warnedOnce.size >= MAX_WARNING_KEYS) return;
    warnedOnce.add(key);
    base.warn(message, ...args);
  };

  return {
    error: (message, ...args) => base.error(message, ...args),
    warn: (message, ...args) => base.warn(message, ...args),
    info: (message, ...args) => base.info(message, ...args),
    debug: (message, ...args) => base.debug(message, ...args),
    verbose: (message, ...args) => base.verbose(message, ...args),
    warnRateLimited,
    warnOnce,
  };
}
