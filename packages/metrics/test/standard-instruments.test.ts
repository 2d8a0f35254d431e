import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ATTR_ERROR_TYPE,
  ATTR_MODEL_NAME,
  ATTR_MODEL_VERSION,
  METRIC_INFERENCE_DURATION,
  METRIC_INFERENCE_ERRORS,
  METRIC_INFERENCE_REQUESTS,
  METRIC_MODEL_IN_USE,
} from '../src/metric-names.js';
import { createStandardInstruments } from '../src/standard-instruments.js';

let provider: MeterProvider | undefined;

afterEach(async () => {
  await provider?.shutdown();
});

async function collect(
  record: (instruments: ReturnType<typeof createStandardInstruments>) => void,
) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
  provider = new MeterProvider({ readers: [reader] });

  record(createStandardInstruments(provider.getMeter('test')));
  await reader.forceFlush();

  const metrics = exporter.getMetrics()[0]!.scopeMetrics[0]!.metrics;
  return new Map(metrics.map((m) => [m.descriptor.name, m]));
}

describe('createStandardInstruments', () => {
  it('records an inference', async () => {
    const metrics = await collect((m) => {
      m.recordInference(0.042, { route: '/predict' });
      m.recordInference(0.3, { route: '/predict' }, new TypeError('bad tensor'));
    });

    const requests = metrics.get(METRIC_INFERENCE_REQUESTS)!;
    expect(requests.descriptor.unit).toBe('{request}');
    expect(requests.dataPoints[0]!.value).toBe(2);

    const errors = metrics.get(METRIC_INFERENCE_ERRORS)!;
    expect(errors.dataPoints).toHaveLength(1);
    expect(errors.dataPoints[0]!.attributes).toEqual({
      route: '/predict',
      [ATTR_ERROR_TYPE]: 'TypeError',
    });

    const duration = metrics.get(METRIC_INFERENCE_DURATION)!;
    expect(duration.descriptor.unit).toBe('s');
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    const point = duration.dataPoints[0]!.value as {
      count: number;
      sum: number;
      buckets: { boundaries: number[] };
    };
    expect(point.count).toBe(2);
    expect(point.sum).toBeCloseTo(0.342, 10);
    expect(point.buckets.boundaries[0]).toBe(0.001);
    expect(point.buckets.boundaries.at(-1)).toBe(60);
  });

  it('switches the model version', async () => {
    const metrics = await collect((m) => {
      m.setModelVersion('resnet50', '3');
      m.setModelVersion('resnet50', '4', '3');
    });

    const points = metrics
      .get(METRIC_MODEL_IN_USE)!
      .dataPoints.map((p) => [
        p.attributes[ATTR_MODEL_VERSION],
        p.attributes[ATTR_MODEL_NAME],
        p.value,
      ]);
    expect(points.sort()).toEqual([
      ['3', 'resnet50', 0],
      ['4', 'resnet50', 1],
    ]);
  });
});
