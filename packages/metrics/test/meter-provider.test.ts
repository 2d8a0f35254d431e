import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  InMemoryMetricExporter,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsHandle, startMetrics } from '../src/meter-provider.js';
import { createPreAggregator } from '../src/preaggregation/index.js';

let handle: MetricsHandle | undefined;

afterEach(async () => {
  await handle?.shutdown(1_000);
  handle = undefined;
  metrics.disable();
});

function start(options: Parameters<typeof startMetrics>[0] = {}) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  handle = startMetrics({ env: {}, serviceName: 'metrics-test', exporter, ...options });
  return { handle, exporter };
}

function lastMetrics(exporter: InMemoryMetricExporter) {
  return exporter
    .getMetrics()
    .at(-1)!
    .scopeMetrics.flatMap((scope) => scope.metrics);
}

describe('startMetrics', () => {
  it('exports with the resource', async () => {
    const { handle, exporter } = start({ nodeName: 'n1' });
    handle.getMeter('m').createCounter('requests').add(4, { route: '/a' });

    const result = await handle.forceFlush(2_000);

    expect(result).toEqual({ ok: true, timedOut: false });
    const resourceMetrics = exporter.getMetrics().at(-1)!;
    expect(resourceMetrics.resource.attributes['service.name']).toBe('metrics-test');
    expect(resourceMetrics.resource.attributes['k8s.node.name']).toBe('n1');
    const requests = lastMetrics(exporter).find((m) => m.descriptor.name === 'requests')!;
    expect(requests.dataPoints[0]!.value).toBe(4);
    expect(requests.dataPoints[0]!.attributes).toEqual({ route: '/a' });
  });

  it('uses the interval from env', async () => {
    const { handle, exporter } = start({ env: { OTEL_METRIC_EXPORT_INTERVAL: '100' } });
    handle.getMeter('m').createCounter('ticks').add(1);

    await new Promise((resolve) => setTimeout(resolve, 450));

    expect(exporter.getMetrics().length).toBeGreaterThanOrEqual(3);
    expect(exporter.getMetrics().length).toBeLessThanOrEqual(5);
  });

  it('applies views', async () => {
    const { handle, exporter } = start({
      views: [
        { instrumentName: 'raw.latency', name: 'latency' },
        { instrumentName: 'noise', aggregation: { type: AggregationType.DROP } },
      ],
    });
    handle.getMeter('m').createHistogram('raw.latency').record(1);
    handle.getMeter('m').createCounter('noise').add(1);

    await handle.forceFlush(2_000);

    expect(lastMetrics(exporter).map((m) => m.descriptor.name)).toEqual(['latency']);
  });

  it('caps series per instrument', async () => {
    const { handle, exporter } = start({ cardinalityLimits: { counter: 3 } });
    const counter = handle.getMeter('m').createCounter('per.user');
    for (let user = 0; user < 10; user++) counter.add(1, { user: String(user) });

    await handle.forceFlush(2_000);

    const points = lastMetrics(exporter).find((m) => m.descriptor.name === 'per.user')!.dataPoints;
    expect(points).toHaveLength(3);
    const overflow = points.find((p) => p.attributes['otel.metric.overflow'] === true)!;
    expect(overflow.value).toBe(8);
  });

  it('exports producer data', async () => {
    const producer: MetricProducer = {
      collect: async () => ({
        resourceMetrics: {
          resource: undefined as never,
          scopeMetrics: [
            {
              scope: { name: 'pre-aggregation' },
              metrics: [
                {
                  descriptor: {
                    name: 'fast.counter',
                    description: '',
                    unit: '',
                    type: 'COUNTER' as never,
                    valueType: 0,
                  },
                  aggregationTemporality: AggregationTemporality.CUMULATIVE,
                  dataPointType: DataPointType.SUM,
                  isMonotonic: true,
                  dataPoints: [{ startTime: [0, 0], endTime: [1, 0], attributes: {}, value: 123 }],
                },
              ],
            },
          ],
        },
        errors: [],
      }),
    };
    const { handle, exporter } = start({ metricProducers: [producer] });

    await handle.forceFlush(2_000);

    const scopes = exporter.getMetrics().at(-1)!.scopeMetrics;
    const fast = scopes.find((s) => s.scope.name === 'pre-aggregation')!.metrics[0]!;
    expect(fast.descriptor.name).toBe('fast.counter');
    expect(fast.dataPoints[0]!.value).toBe(123);
  });

  it('flushes pre-aggregator windows', async () => {
    const preAggregator = createPreAggregator({ intervalMillis: 600_000 });
    const requests = preAggregator.counter('fast.requests');
    const { handle, exporter } = start({ metricProducers: [preAggregator] });

    requests.add(7);
    await handle.forceFlush(2_000);

    const fast = lastMetrics(exporter).find((m) => m.descriptor.name === 'fast.requests')!;
    expect(fast.dataPoints[0]!.value).toBe(7);
  });

  it('shutdown closes pre-aggregator', async () => {
    const preAggregator = createPreAggregator({ intervalMillis: 600_000 });
    const requests = preAggregator.counter('fast.requests');
    const { handle, exporter } = start({ metricProducers: [preAggregator] });

    requests.add(3);
    await handle.shutdown(2_000);

    const fast = lastMetrics(exporter).find((m) => m.descriptor.name === 'fast.requests')!;
    expect(fast.dataPoints[0]!.value).toBe(3);
    requests.add(1);
    expect(preAggregator.stats().dropped.afterShutdown).toBe(1);
  });

  it('registers the global provider', () => {
    const { handle } = start();

    expect(handle.registeredGlobal).toBe(true);
    expect(metrics.getMeterProvider()).toBe(handle.meterProvider);
  });

  it('skips the global when asked', () => {
    const { handle } = start({ registerGlobal: false });

    expect(handle.registeredGlobal).toBe(false);
    expect(metrics.getMeterProvider()).not.toBe(handle.meterProvider);
  });

  it('is a no-op when disabled', async () => {
    const { handle, exporter } = start({ env: { OTEL_SDK_DISABLED: 'true' } });
    handle.getMeter('m').createCounter('x').add(1);

    expect(handle.enabled).toBe(false);
    expect(handle.exporter).toBeUndefined();
    expect(await handle.forceFlush()).toEqual({ ok: true, timedOut: false });
    expect(exporter.getMetrics()).toEqual([]);
  });

  it('rejects views that are no array', () => {
    expect(() => startMetrics({ env: {}, views: {} as never })).toThrow(
      'startMetrics: invalid views [object Object]; expected an array',
    );
  });

  it('shutdown is idempotent', async () => {
    const { handle } = start();

    const first = handle.shutdown(1_000);

    expect(handle.shutdown(1_000)).toBe(first);
    expect(await first).toEqual({ ok: true, timedOut: false });
  });
});
