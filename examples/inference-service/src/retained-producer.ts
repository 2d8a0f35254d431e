import type {
  CollectionResult,
  MetricCollectOptions,
  MetricData,
  MetricProducer,
  ScopeMetrics,
} from '@opentelemetry/sdk-metrics';

interface RetainedMetric {
  scope: ScopeMetrics['scope'];
  metric: MetricData;
  // Latest data point of each series, by its attribute set serialised as JSON.
  points: Map<string, MetricData['dataPoints'][number]>;
}

/**
 * Wraps a pre-aggregator so that every collection returns the latest window of every series,
 * not only the windows closed since the previous collection. A pull reader such as the
 * Prometheus exporter needs this, because a scrape between two windows would otherwise find
 * the metric missing.
 *
 * NOTE: re-serving the latest point is correct for cumulative temporality only; the service
 * configures its pre-aggregator as cumulative.
 */
export function retainLatestWindows(source: MetricProducer): MetricProducer {
  const retained = new Map<string, RetainedMetric>();

  return {
    async collect(options?: MetricCollectOptions): Promise<CollectionResult> {
      const result = await source.collect(options);

      for (const scopeMetrics of result.resourceMetrics.scopeMetrics) {
        for (const metric of scopeMetrics.metrics) {
          const key = `${scopeMetrics.scope.name}\u0000${metric.descriptor.name}`;
          let entry = retained.get(key);
          if (entry === undefined) {
            entry = { scope: scopeMetrics.scope, metric, points: new Map() };
            retained.set(key, entry);
          }
          entry.metric = metric;
          for (const point of metric.dataPoints) {
            entry.points.set(JSON.stringify(point.attributes), point);
          }
        }
      }

      const byScope = new Map<string, ScopeMetrics>();
      for (const entry of retained.values()) {
        let scopeMetrics = byScope.get(entry.scope.name);
        if (scopeMetrics === undefined) {
          scopeMetrics = { scope: entry.scope, metrics: [] };
          byScope.set(entry.scope.name, scopeMetrics);
        }
        scopeMetrics.metrics.push({
          ...entry.metric,
          dataPoints: [...entry.points.values()],
        } as MetricData);
      }

      return {
        resourceMetrics: {
          resource: result.resourceMetrics.resource,
          scopeMetrics: [...byScope.values()],
        },
        errors: result.errors,
      };
    },
  };
}
