import type { InstantQueryResult, PromQLClient } from '@mlsysops/telemetry-query';
import type { Observation } from './policy.js';
import { PROMETHEUS_NAMES, type TelemetrySource } from './telemetry-source.js';

/** Returns the first value of an instant-vector or scalar result, or undefined when empty or NaN. */
export function firstValue(result: InstantQueryResult): number | undefined {
  let value: number | undefined;
  if (result.resultType === 'vector') value = result.result[0]?.value?.value;
  else if (result.resultType === 'scalar') value = result.result.value;
  return value === undefined || Number.isNaN(value) ? undefined : value;
}

/**
 * Builds the four PromQL expressions of an observation for the series that match `selector`
 * (label matchers without braces, for example `job="inference-service"`) over a `window`
 * range such as `30s`.
 */
export function observationQueries(
  selector: string,
  window: string,
): Record<keyof Observation, string> {
  const names = PROMETHEUS_NAMES;
  return {
    p95LatencySeconds: `histogram_quantile(0.95, sum by (le) (rate(${names.durationBucket}{${selector}}[${window}])))`,
    requestRate: `sum(rate(${names.requests}{${selector}}[${window}]))`,
    queueDepth: `max(${names.queueDepth}{${selector}})`,
    errorRate: `sum(rate(${names.errors}{${selector}}[${window}]))`,
  };
}

/**
 * Creates a source that evaluates {@link observationQueries} through the PromQL client. A
 * failed query leaves its value undefined, so one missing series does not hide the others.
 */
export function createPromQLSource(
  client: PromQLClient,
  selector: string,
  window: string,
  onError: (query: string, error: unknown) => void,
): TelemetrySource {
  const queries = observationQueries(selector, window);
  const keys = Object.keys(queries) as (keyof Observation)[];

  return {
    description: `promql ${client.apiUrl}`,
    read: async () => {
      const values = await Promise.all(
        keys.map(async (key) => {
          try {
            return firstValue(await client.query(queries[key]));
          } catch (error) {
            onError(queries[key], error);
            return undefined;
          }
        }),
      );
      return Object.fromEntries(keys.map((key, i) => [key, values[i]])) as unknown as Observation;
    },
  };
}
