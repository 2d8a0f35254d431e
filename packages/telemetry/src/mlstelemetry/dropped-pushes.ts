/**
 * Reasons why {@link MlsTelemetry.pushMetric} dropped a measurement:
 * - `invalid-name`: the name is not a valid OpenTelemetry instrument name.
 * - `unknown-type`: the type is not `counter`, `gauge` or `async_counter`.
 * - `type-conflict`: the name was first pushed with another type.
 * - `invalid-value`: the value is not a finite number.
 * - `negative-value`: a counter increment or an async counter total below zero.
 * - `invalid-attributes`: the attributes are not a plain object.
 * - `series-limit`: an async counter already keeps `maxSeriesPerMetric` attribute sets.
 * - `instrument-limit`: `maxInstruments` names are in use already.
 * - `shut-down`: the push came after `shutdown()`.
 */
export type MlsDropReason =
  | 'invalid-name'
  | 'unknown-type'
  | 'type-conflict'
  | 'invalid-value'
  | 'negative-value'
  | 'invalid-attributes'
  | 'series-limit'
  | 'instrument-limit'
  | 'shut-down';

/** Every {@link MlsDropReason}, in the order of its documentation. */
export const MLS_DROP_REASONS: readonly MlsDropReason[] = [
  'invalid-name',
  'unknown-type',
  'type-conflict',
  'invalid-value',
  'negative-value',
  'invalid-attributes',
  'series-limit',
  'instrument-limit',
  'shut-down',
];

/** Dropped measurements by reason. */
export type MlsDroppedPushes = Record<MlsDropReason, number>;

/** Returns a counter record with every reason at zero. */
export function zeroDroppedPushes(): MlsDroppedPushes {
  const counts = {} as MlsDroppedPushes;
  for (const reason of MLS_DROP_REASONS) counts[reason] = 0;
  return counts;
}
