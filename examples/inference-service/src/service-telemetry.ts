import { ATTR_ERROR_TYPE, ATTR_MODEL_NAME, ATTR_MODEL_VERSION } from '@mlsysops/telemetry-metrics';
import {
  type Attributes,
  type Meter,
  SpanKind,
  SpanStatusCode,
  type Tracer,
} from '@opentelemetry/api';
import type { Batcher, BatchSettings } from './batcher.js';
import type { Label } from './dataset.js';
import type { Model, Prediction } from './model.js';
import type { RequestMetrics } from './pre-aggregation.js';
import { createSdkInstruments } from './sdk-instruments.js';

/** The subset of the structured logger of @mlsysops/telemetry that the service uses. */
export interface ServiceLogger {
  /** Emits an INFO record correlated with the active span. */
  info(message: string, attributes?: Attributes): void;
  /** Emits a WARN record correlated with the active span. */
  warn(message: string, attributes?: Attributes, error?: unknown): void;
  /** Emits an ERROR record correlated with the active span. */
  error(message: string, attributes?: Attributes, error?: unknown): void;
}

/** Result of one request handler, as {@link ServiceTelemetry.handleRequest} records it. */
export interface RequestOutcome {
  /** HTTP response status code. */
  status: number;
  /** `error.type` attribute value when the request failed. */
  errorType?: string;
  /** The caught error, logged for 5xx responses. */
  error?: unknown;
}

/** Totals since start, printed in the service's closing line for the demo summary. */
export interface ServiceCounters {
  /** Requests handled on every route, by HTTP status code. */
  requestsByStatus: Record<string, number>;
  /** POST /predict requests, whatever the outcome: the count `mlsysops.inference.requests` exports. */
  inferenceRequests: number;
  /** Predictions returned, by label. */
  predictionsByLabel: Record<string, number>;
  /** Batches processed. */
  batches: number;
}

/** Spans, metrics and logs of the inference service. */
export interface ServiceTelemetry {
  /** Returns the totals since start. */
  counters(): ServiceCounters;
  /** Runs one request in a SERVER span and records its duration and outcome. */
  handleRequest(
    route: string,
    method: string,
    handler: () => Promise<RequestOutcome>,
  ): Promise<void>;
  /** Counts one prediction by its label. */
  recordPrediction(label: Label): void;
  /** Records the size and processing time of one batch. */
  recordBatch(size: number, durationMillis: number): void;
  /** Adds `delta` to the queue depth. */
  recordQueueChange(delta: number): void;
  /** Logs a settings change made through /control. */
  recordSettings(before: BatchSettings, after: BatchSettings): void;
}

/** Shortest time between two failure log records with the same route, status and error type. */
const FAILURE_LOG_INTERVAL_MILLIS = 1000;

/** Inputs of {@link createServiceTelemetry}. */
export interface ServiceTelemetryOptions {
  /** Meter for the service's SDK instruments. */
  meter: Meter;
  /** Tracer for the request spans. */
  tracer: Tracer;
  /** Structured logger whose records carry the active trace and span ids. */
  logger: ServiceLogger;
  /** Pre-aggregated per-request duration and count of /predict. */
  requestMetrics: Pick<RequestMetrics, 'duration' | 'requests'>;
  /** Trained model, reported through `mlsysops.model.in_use`. */
  model: Model;
  /** Batcher whose busy workers and settings are observed. */
  batcher: Batcher<number[], Prediction>;
}

/** Model name reported in `mlsysops.model.name`. */
export const MODEL_NAME = 'link-quality';

/** Route whose requests are inferences; the other routes only get spans. */
const PREDICT_ROUTE = '/predict';

/**
 * Creates the service's spans, logs and instruments. Metric names, units and the Prometheus
 * name after the Collector's prometheus exporter:
 * - `mlsysops.inference.duration`, s, pre-aggregated histogram
 *   (`mlsysops_inference_duration_seconds_bucket`);
 * - `mlsysops.inference.requests`, pre-aggregated counter (`mlsysops_inference_requests_total`);
 * - `mlsysops.inference.errors`, counter by `error.type` (`mlsysops_inference_errors_total`);
 * - `mlsysops.queue.depth`, up-down counter (`mlsysops_queue_depth`);
 * - `mlsysops.model.in_use`, gauge, 1 for the served version (`mlsysops_model_in_use`);
 * - `inference.predictions`, counter by `inference.label` (`inference_predictions_total`);
 * - `inference.batch.size`, histogram of requests per batch (`inference_batch_size_bucket`);
 * - `inference.batch.duration`, s, histogram (`inference_batch_duration_seconds_bucket`);
 * - `inference.workers.busy`, `inference.batch.size.limit`, `inference.workers.limit`,
 *   observable gauges.
 */
export function createServiceTelemetry(options: ServiceTelemetryOptions): ServiceTelemetry {
  const { meter, tracer, logger, model, batcher, requestMetrics } = options;

  const modelAttributes: Attributes = {
    [ATTR_MODEL_NAME]: MODEL_NAME,
    [ATTR_MODEL_VERSION]: model.version,
  };

  const { errors, queueDepth, predictions, batchSize, batchDuration } = createSdkInstruments(
    meter,
    batcher,
    modelAttributes,
  );

  // Bound series of the pre-aggregated instruments: recording skips the attribute lookup.
  const requestCount = requestMetrics.requests.bind(modelAttributes);
  const requestDuration = requestMetrics.duration.bind(modelAttributes);

  // One attribute object per label, built once, so counting a prediction allocates nothing.
  const labelAttributes = new Map<string, Attributes>();
  const attributesFor = (label: string): Attributes => {
    let attributes = labelAttributes.get(label);
    if (attributes === undefined) {
      attributes = { 'inference.label': label };
      labelAttributes.set(label, attributes);
    }
    return attributes;
  };

  // Under overload every rejected request fails the same way, so failure logs are limited
  // to one record per route, status and error type per second. The next record carries the
  // number left out in `inference.suppressed_log_records`.
  const suppressed = new Map<string, { lastMillis: number; count: number }>();
  const logFailure = (route: string, method: string, outcome: RequestOutcome): void => {
    const key = `${route} ${outcome.status} ${outcome.errorType}`;
    const now = Date.now();
    const state = suppressed.get(key);

    if (state !== undefined && now - state.lastMillis < FAILURE_LOG_INTERVAL_MILLIS) {
      state.count++;
      return;
    }
    suppressed.set(key, { lastMillis: now, count: 0 });

    const attributes: Attributes = {
      'error.type': outcome.errorType ?? 'unknown',
      'http.route': route,
      'http.response.status_code': outcome.status,
      'inference.suppressed_log_records': state?.count ?? 0,
    };
    const message = `${method} ${route} failed with status ${outcome.status}`;
    if (outcome.status >= 500) logger.error(message, attributes, outcome.error);
    else logger.warn(message, attributes);
  };

  const counters: ServiceCounters = {
    requestsByStatus: {},
    inferenceRequests: 0,
    predictionsByLabel: {},
    batches: 0,
  };

  const handleRequest = (
    route: string,
    method: string,
    handler: () => Promise<RequestOutcome>,
  ): Promise<void> =>
    tracer.startActiveSpan(
      `${method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'http.route': route },
      },
      async (span) => {
        const started = performance.now();
        let outcome: RequestOutcome;

        try {
          outcome = await handler();
        } catch (error) {
          outcome = { status: 500, errorType: 'unhandled', error };
        }

        if (route === PREDICT_ROUTE) {
          counters.inferenceRequests++;
          requestCount.add(1);
          requestDuration.record((performance.now() - started) / 1000);
        }
        span.setAttribute('http.response.status_code', outcome.status);
        const statusKey = String(outcome.status);
        counters.requestsByStatus[statusKey] = (counters.requestsByStatus[statusKey] ?? 0) + 1;

        if (outcome.errorType !== undefined && route === PREDICT_ROUTE) {
          errors.add(1, {
            ...modelAttributes,
            [ATTR_ERROR_TYPE]: outcome.errorType,
            'http.route': route,
          });
        }
        if (outcome.errorType !== undefined) span.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
        // Client errors (4xx) leave a server span's status unset, following the HTTP
        // semantic conventions for server spans.
        if (outcome.status >= 500) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorType });
        }

        if (outcome.status >= 400) {
          logFailure(route, method, outcome);
        }

        span.end();
      },
    );

  return {
    counters: () => structuredClone(counters),
    handleRequest,
    recordPrediction: (label) => {
      predictions.add(1, attributesFor(label));
      counters.predictionsByLabel[label] = (counters.predictionsByLabel[label] ?? 0) + 1;
    },
    recordBatch: (size, durationMillis) => {
      counters.batches++;
      batchSize.record(size);
      batchDuration.record(durationMillis / 1000);
    },
    recordQueueChange: (delta) => queueDepth.add(delta),
    recordSettings: (before, after) => {
      logger.info(
        `settings changed: batchSize ${before.batchSize} -> ${after.batchSize}, workers ${before.workers} -> ${after.workers}`,
        {
          'inference.batch.size.limit': after.batchSize,
          'inference.workers.limit': after.workers,
        },
      );
    },
  };
}
