import { createStandardInstruments, DURATION_BUCKETS_SECONDS } from '@mlsysops/telemetry-metrics';
import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  type UpDownCounter,
  ValueType,
} from '@opentelemetry/api';
import type { Batcher } from './batcher.js';
import type { Prediction } from './model.js';

/** The service's instruments that record through the SDK (not pre-aggregated). */
export interface SdkInstruments {
  /** `mlsysops.inference.errors`, by `error.type`. */
  errors: Counter;
  /** `mlsysops.queue.depth`. */
  queueDepth: UpDownCounter;
  /** `inference.predictions`, by `inference.label`. */
  predictions: Counter;
  /** `inference.batch.size`, requests per batch. */
  batchSize: Histogram;
  /** `inference.batch.duration`, seconds per batch. */
  batchDuration: Histogram;
}

/**
 * Creates the SDK instruments on `meter` and sets `mlsysops.model.in_use` to 1 for the model
 * in `modelAttributes`. It also registers the observable gauges `inference.workers.busy`,
 * `inference.batch.size.limit` and `inference.workers.limit`, which read `batcher` at each
 * collection.
 */
export function createSdkInstruments(
  meter: Meter,
  batcher: Batcher<number[], Prediction>,
  modelAttributes: Attributes,
): SdkInstruments {
  // The standard instruments carry the units and names of docs/metric-names.md, so the
  // Prometheus names match across components (`mlsysops_model_in_use`, not `_ratio`).
  const standard = createStandardInstruments(meter);
  const errors = standard.inferenceErrors;
  const queueDepth = standard.queueDepth;
  standard.modelInUse.record(1, modelAttributes);

  const predictions = meter.createCounter('inference.predictions', {
    description: 'Predictions returned, by predicted link-quality label.',
    unit: '{prediction}',
    valueType: ValueType.INT,
  });
  const batchSize = meter.createHistogram('inference.batch.size', {
    description: 'Requests processed together in one batch.',
    unit: '{request}',
    valueType: ValueType.INT,
    advice: { explicitBucketBoundaries: [1, 2, 4, 8, 16, 32, 64, 128, 256] },
  });
  const batchDuration = meter.createHistogram('inference.batch.duration', {
    description: 'Time to process one batch, including the dispatch cost.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
  });

  const busyWorkers = meter.createObservableGauge('inference.workers.busy', {
    description: 'Workers processing a batch.',
    unit: '{worker}',
    valueType: ValueType.INT,
  });
  const batchLimit = meter.createObservableGauge('inference.batch.size.limit', {
    description: 'Configured maximum batch size.',
    unit: '{request}',
    valueType: ValueType.INT,
  });
  const workersLimit = meter.createObservableGauge('inference.workers.limit', {
    description: 'Configured worker count.',
    unit: '{worker}',
    valueType: ValueType.INT,
  });
  meter.addBatchObservableCallback(
    (result) => {
      const settings = batcher.settings();
      result.observe(busyWorkers, batcher.busyWorkers());
      result.observe(batchLimit, settings.batchSize);
      result.observe(workersLimit, settings.workers);
    },
    [busyWorkers, batchLimit, workersLimit],
  );

  return { errors, queueDepth, predictions, batchSize, batchDuration };
}
