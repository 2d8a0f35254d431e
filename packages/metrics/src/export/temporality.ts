import {
  AggregationTemporality,
  type AggregationTemporalitySelector,
  InstrumentType,
} from '@opentelemetry/sdk-metrics';

/**
 * Temporality preference, as `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE` spells it.
 */
export type TemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';

const TEMPORALITY_PREFERENCES: readonly TemporalityPreference[] = [
  'cumulative',
  'delta',
  'lowmemory',
];

/**
 * Returns the temporality selector of a preference, with the instrument mapping of the OTLP
 * metrics exporter specification. `delta` selects delta for counters, observable counters
 * and histograms. `lowmemory` selects delta for synchronous counters and histograms only.
 * Every other instrument is cumulative.
 * @throws {RangeError} for a preference other than the three accepted ones.
 */
export function selectorForPreference(
  preference: TemporalityPreference,
): AggregationTemporalitySelector {
  if (!TEMPORALITY_PREFERENCES.includes(preference)) {
    throw new RangeError(
      `Invalid temporalityPreference: ${String(preference)}. ` +
        `Expected one of ${TEMPORALITY_PREFERENCES.join(', ')}.`,
    );
  }

  if (preference === 'cumulative') {
    return () => AggregationTemporality.CUMULATIVE;
  }

  const deltaInstruments = new Set<InstrumentType>([
    InstrumentType.COUNTER,
    InstrumentType.HISTOGRAM,
  ]);
  if (preference === 'delta') deltaInstruments.add(InstrumentType.OBSERVABLE_COUNTER);
  return (instrumentType) =>
    deltaInstruments.has(instrumentType)
      ? AggregationTemporality.DELTA
      : AggregationTemporality.CUMULATIVE;
}
