import {
  type Attributes,
  type Counter,
  type Gauge,
  type Histogram,
  type Meter,
  metrics,
  type UpDownCounter,
  ValueType,
} from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_MODEL_NAME,
  ATTR_MODEL_VERSION,
  DURATION_BUCKETS_SECONDS,
  METRIC_AGENT_DECISIONS,
  METRIC_AGENT_ITERATION_DURATION,
  METRIC_INFERENCE_DURATION,
  METRIC_INFERENCE_ERRORS,
  METRIC_INFERENCE_REQUESTS,
  METRIC_MODEL_IN_USE,
  METRIC_QUEUE_DEPTH,
} from './metric-names.js';

/** Name of the meter that {@link createStandardInstruments} uses when none is passed. */
export const STANDARD_METER_NAME = '@mlsysops/telemetry-metrics';

/** The standard instruments of docs/metric-names.md, created with their units and descriptions. */
export interface StandardInstruments {
  /** `mlsysops.inference.duration`, histogram in seconds. */
  inferenceDuration: Histogram;
  /** `mlsysops.inference.requests`, counter. */
  inferenceRequests: Counter;
  /** `mlsysops.inference.errors`, counter. */
  inferenceErrors: Counter;
  /** `mlsysops.queue.depth`, up-down counter. */
  queueDepth: UpDownCounter;
  /** `mlsysops.model.in_use`, gauge (1 in use, 0 replaced). */
  modelInUse: Gauge;
  /** `mlsysops.agent.decisions`, counter. */
  agentDecisions: Counter;
  /** `mlsysops.agent.iteration.duration`, histogram in seconds. */
  agentIterationDuration: Histogram;
  /**
   * Records one inference: adds 1 to `requests`, records `durationSeconds`, and with `error`
   * also adds 1 to `errors` with `error.type` set to the error's name (or `Error`).
   */
  recordInference(durationSeconds: number, attributes?: Attributes, error?: unknown): void;
  /** Sets `model` at `version` to 1 and, when `previousVersion` is given, that version to 0. */
  setModelVersion(model: string, version: string, previousVersion?: string): void;
}

/** Creates the standard instruments on `meter` (default: the global meter `@mlsysops/telemetry-metrics`). */
export function createStandardInstruments(meter?: Meter): StandardInstruments {
  const m = meter ?? metrics.getMeter(STANDARD_METER_NAME);

  const inferenceDuration = m.createHistogram(METRIC_INFERENCE_DURATION, {
    description: 'Time from receiving an inference request to returning its result.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
  });
  const inferenceRequests = m.createCounter(METRIC_INFERENCE_REQUESTS, {
    description: 'Inference requests handled, whatever the outcome.',
    unit: '{request}',
    valueType: ValueType.INT,
  });
  const inferenceErrors = m.createCounter(METRIC_INFERENCE_ERRORS, {
    description: 'Inference requests that failed.',
    unit: '{error}',
    valueType: ValueType.INT,
  });
  const queueDepth = m.createUpDownCounter(METRIC_QUEUE_DEPTH, {
    description: 'Items waiting in the work queue.',
    unit: '{item}',
    valueType: ValueType.INT,
  });
  const modelInUse = m.createGauge(METRIC_MODEL_IN_USE, {
    description: '1 for the model version in use, 0 for a replaced version.',
    // An annotation unit, because the Prometheus exporters would append `_ratio` for `1`.
    unit: '{version}',
    valueType: ValueType.INT,
  });
  const agentDecisions = m.createCounter(METRIC_AGENT_DECISIONS, {
    description: 'Decisions taken by an ML agent.',
    unit: '{decision}',
    valueType: ValueType.INT,
  });
  const agentIterationDuration = m.createHistogram(METRIC_AGENT_ITERATION_DURATION, {
    description: 'Duration of one observe, decide and act iteration of an agent.',
    unit: 's',
    advice: { explicitBucketBoundaries: [...DURATION_BUCKETS_SECONDS] },
  });

  const recordInference = (durationSeconds: number, attributes?: Attributes, error?: unknown) => {
    inferenceRequests.add(1, attributes);
    inferenceDuration.record(durationSeconds, attributes);

    if (error !== undefined) {
      const errorType = error instanceof Error ? error.name : 'Error';
      inferenceErrors.add(1, { ...attributes, [ATTR_ERROR_TYPE]: errorType });
    }
  };

  const setModelVersion = (model: string, version: string, previousVersion?: string) => {
    if (previousVersion !== undefined && previousVersion !== version) {
      modelInUse.record(0, { [ATTR_MODEL_NAME]: model, [ATTR_MODEL_VERSION]: previousVersion });
    }
    modelInUse.record(1, { [ATTR_MODEL_NAME]: model, [ATTR_MODEL_VERSION]: version });
  };

  return {
    inferenceDuration,
    inferenceRequests,
    inferenceErrors,
    queueDepth,
    modelInUse,
    agentDecisions,
    agentIterationDuration,
    recordInference,
    setModelVersion,
  };
}
