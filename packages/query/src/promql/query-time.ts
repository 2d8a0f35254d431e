/**
 * A point in time for the query API: a `Date`, Unix seconds as a number (fractions allowed),
 * or a string that Prometheus accepts (RFC 3339 such as `2026-01-02T03:04:05Z`, or Unix
 * seconds).
 */
export type QueryTime = Date | number | string;

/**
 * A range query resolution: seconds as a number (fractions allowed) or a Prometheus duration
 * string such as `15s`, `1m` or `1h30m`.
 */
export type QueryStep = number | string;

const DURATION = /^(?:\d+(?:ms|s|m|h|d|w|y))+$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;
const UNIX_SECONDS = /^\d+(?:\.\d+)?$/;

/** Formats `time` as the API parameter; throws `TypeError` naming `option` when invalid. */
export function formatQueryTime(time: QueryTime, option: string): string {
  if (time instanceof Date) {
    const millis = time.getTime();
    if (Number.isNaN(millis)) throw new TypeError(`Invalid option ${option}: the Date is invalid.`);
    return (millis / 1000).toFixed(3);
  }
  if (typeof time === 'number') {
    if (!Number.isFinite(time)) {
      throw new TypeError(`Invalid option ${option} ${time}: expected finite Unix seconds.`);
    }
    return String(time);
  }
  if (typeof time === 'string' && (RFC3339.test(time) || UNIX_SECONDS.test(time))) return time;

  throw new TypeError(
    `Invalid option ${option} ${JSON.stringify(time)}: expected a Date, Unix seconds or an RFC 3339 time.`,
  );
}

/** Formats `step` as the API parameter; throws `TypeError` when it is not a positive duration. */
export function formatQueryStep(step: QueryStep): string {
  if (typeof step === 'number') {
    if (!Number.isFinite(step) || step <= 0) {
      throw new TypeError(`Invalid option step ${step}: expected a positive number of seconds.`);
    }
    return String(step);
  }
  if (
    typeof step === 'string' &&
    (DURATION.test(step) || UNIX_SECONDS.test(step)) &&
    !/^[0.]+$/.test(step)
  ) {
    return step;
  }
  throw new TypeError(
    `Invalid option step ${JSON.stringify(step)}: expected positive seconds or a duration such as 15s or 1m.`,
  );
}
