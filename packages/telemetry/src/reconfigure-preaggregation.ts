import { ReconfigurationError } from '@mlsysops/telemetry-core';
import type { PreAggregatedInstrumentInterval, PreAggregator } from '@mlsysops/telemetry-metrics';

/** The part of a pre-aggregator that reconfiguration uses: its instrument windows. */
export type PreAggregationTarget = Pick<PreAggregator, 'intervals' | 'setIntervalMillis'>;

/** Instrument names listed in the not-found error, at most. */
const LISTED_INSTRUMENTS = 20;

/**
 * Returns the producers among `metricProducers` that can change their window lengths, such as
 * the pre-aggregators of `createPreAggregator`.
 */
export function findPreAggregationTargets(
  metricProducers: readonly unknown[] | undefined,
): PreAggregationTarget[] {
  return (metricProducers ?? []).filter((producer): producer is PreAggregationTarget => {
    const candidate = producer as Partial<PreAggregationTarget> | null;
    return (
      typeof candidate?.setIntervalMillis === 'function' &&
      typeof candidate.intervals === 'function'
    );
  });
}

/**
 * Throws a `ReconfigurationError` when a name in `intervals` is no instrument of any target,
 * so that a call with an unknown name applies nothing.
 */
export function checkPreAggregationNames(
  targets: readonly PreAggregationTarget[],
  intervals: Readonly<Record<string, number>>,
): void {
  const known = new Set(targets.flatMap((target) => target.intervals().map((item) => item.name)));
  for (const name of Object.keys(intervals)) {
    if (known.has(name)) continue;

    const names = [...known];
    let listed = names.slice(0, LISTED_INSTRUMENTS).join(', ') || 'none';
    if (names.length > LISTED_INSTRUMENTS) {
      listed += `, and ${names.length - LISTED_INSTRUMENTS} more`;
    }
    throw new ReconfigurationError(
      `preAggregationIntervals.${name}`,
      `Invalid setting preAggregationIntervals.${name}: pre-aggregated instrument not found; expected one of: ${listed}. Create the instrument before the change.`,
    );
  }
}

/** Sets each named instrument's window length on every target that has the instrument. */
export function applyPreAggregationIntervals(
  targets: readonly PreAggregationTarget[],
  intervals: Readonly<Record<string, number>>,
): void {
  for (const target of targets) {
    const names = new Set(target.intervals().map((item) => item.name));
    for (const [name, intervalMillis] of Object.entries(intervals)) {
      if (names.has(name)) target.setIntervalMillis(name, intervalMillis);
    }
  }
}

/**
 * Returns the window length requested for each instrument: the waiting one when a change waits
 * for its boundary, else the one in force.
 */
export function requestedPreAggregationIntervals(
  targets: readonly PreAggregationTarget[],
): Record<string, number> {
  const result: Record<string, number> = {};
  // NOTE: when two pre-aggregators have an instrument of the same name, the first one's value
  // is shown; a change applies to both.
  for (const item of preAggregationWindows(targets)) {
    if (!Object.hasOwn(result, item.name)) {
      result[item.name] = item.pendingIntervalMillis ?? item.intervalMillis;
    }
  }
  return result;
}

/** Returns the window in force and any waiting change of every instrument of every target. */
export function preAggregationWindows(
  targets: readonly PreAggregationTarget[],
): PreAggregatedInstrumentInterval[] {
  return targets.flatMap((target) => target.intervals());
}

/** Returns `name: before -> after` for every instrument whose requested window changed. */
export function describeIntervalChanges(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): string[] {
  const lines: string[] = [];
  for (const [name, intervalMillis] of Object.entries(after)) {
    const previous = Object.hasOwn(before, name) ? before[name] : undefined;
    if (previous !== intervalMillis)
      lines.push(`${name}: ${previous ?? 'none'} -> ${intervalMillis}`);
  }
  return lines;
}
