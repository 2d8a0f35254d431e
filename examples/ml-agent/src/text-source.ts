import type { Exposition, LocalReader, MetricSample } from '@mlsysops/telemetry-query';
import { findSamples } from '@mlsysops/telemetry-query';
import { type HistogramSnapshot, quantileBetween, ratePerSecond } from './histogram-window.js';
import type { Observation } from './policy.js';
import {
  PROMETHEUS_NAMES,
  SDK_PROMETHEUS_NAMES,
  type TelemetrySource,
} from './telemetry-source.js';

interface Snapshot {
  histogram: HistogramSnapshot;
  requests: number;
  errors: number;
}

/** Series of another service are skipped when they carry a different `service_name` label. */
function belongsTo(sample: MetricSample, serviceName: string): boolean {
  const label = sample.labels.service_name;
  return label === undefined || label === serviceName;
}

function sumSamples(exposition: Exposition, names: readonly string[], serviceName: string): number {
  for (const name of names) {
    const samples = findSamples(exposition, name).filter((s) => belongsTo(s, serviceName));
    if (samples.length > 0) return samples.reduce((sum, s) => sum + s.value, 0);
  }
  return 0;
}

/** Sums the cumulative buckets of all matching series by `le`. */
function readHistogram(
  exposition: Exposition,
  serviceName: string,
  atMillis: number,
): HistogramSnapshot {
  const byBound = new Map<number, number>();

  for (const name of [PROMETHEUS_NAMES.durationBucket, SDK_PROMETHEUS_NAMES.durationBucket]) {
    const samples = findSamples(exposition, name).filter((s) => belongsTo(s, serviceName));
    if (samples.length === 0) continue;

    for (const sample of samples) {
      const le = Number(sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : sample.labels.le);
      byBound.set(le, (byBound.get(le) ?? 0) + sample.value);
    }
    break;
  }

  const buckets = [...byBound.entries()]
    .map(([le, count]) => ({ le, count }))
    .sort((a, b) => a.le - b.le);
  return { buckets, count: buckets.at(-1)?.count ?? 0, atMillis };
}

/**
 * Creates a source that scrapes a Prometheus-format endpoint (the node agent's, or the
 * service's own GET /metrics) and derives rates and the p95 from the cumulative series of
 * two scrapes about `windowMillis` apart, as PromQL's `rate` would over that window.
 */
export function createTextSource(
  reader: LocalReader,
  serviceName: string,
  windowMillis: number,
): TelemetrySource {
  // Scrapes of the last window, oldest first; bounded because old entries are dropped.
  const history: Snapshot[] = [];

  return {
    description: `prometheus-text ${reader.url}`,
    read: async () => {
      const exposition = await reader.scrape();
      const now = Date.now();
      const snapshot: Snapshot = {
        histogram: readHistogram(exposition, serviceName, now),
        requests: sumSamples(exposition, [PROMETHEUS_NAMES.requests], serviceName),
        errors: sumSamples(exposition, [PROMETHEUS_NAMES.errors], serviceName),
      };
      const queueSamples = findSamples(exposition, PROMETHEUS_NAMES.queueDepth).filter((s) =>
        belongsTo(s, serviceName),
      );

      while (history.length > 1 && now - history[1]!.histogram.atMillis >= windowMillis) {
        history.shift();
      }
      const earlier = history[0];
      history.push(snapshot);

      const observation: Observation = {
        p95LatencySeconds: undefined,
        requestRate: undefined,
        queueDepth:
          queueSamples.length > 0 ? Math.max(...queueSamples.map((s) => s.value)) : undefined,
        errorRate: undefined,
      };
      if (earlier === undefined) return observation;

      const at = (value: number, atMillis: number) => ({ value, atMillis });
      const from = earlier.histogram.atMillis;
      observation.p95LatencySeconds = quantileBetween(earlier.histogram, snapshot.histogram, 0.95);
      observation.requestRate = ratePerSecond(
        at(earlier.requests, from),
        at(snapshot.requests, now),
      );
      observation.errorRate = ratePerSecond(at(earlier.errors, from), at(snapshot.errors, now));
      return observation;
    },
  };
}
