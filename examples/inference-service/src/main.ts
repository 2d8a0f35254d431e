#!/usr/bin/env node
// Entry of the inference service: trains the model, starts telemetry, serves HTTP, and on
// SIGTERM or SIGINT drains the queue, flushes telemetry and prints a closing JSON line.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startTelemetry } from '@mlsysops/telemetry';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { createBatcher } from './batcher.js';
import { readServiceConfig } from './config.js';
import { loadDataset, splitDataset } from './dataset.js';
import { type Prediction, trainModel } from './model.js';
import { createRequestMetrics } from './pre-aggregation.js';
import { createInferenceServer } from './server.js';
import { createServiceTelemetry } from './service-telemetry.js';

/** Maximum time the service waits for in-flight batches and the telemetry flush on stop. */
const STOP_TIMEOUT_MILLIS = 10_000;

const printEvent = (event: string, fields: Record<string, unknown>): void => {
  console.log(JSON.stringify({ event, ...fields }));
};

const config = readServiceConfig(process.env, (message) =>
  console.warn(`inference-service: ${message}`),
);

// Training first, so the model version is known before the first metric is exported.
const { train, test } = splitDataset(loadDataset());
const model = trainModel(train, test);

const requestMetrics = createRequestMetrics(config.preAggregationIntervalMillis);

// With GET /metrics, the OpenTelemetry Prometheus exporter (its own HTTP server off) reads
// the pre-aggregator next to the OTLP reader. Both get the same cumulative totals.
const preAggregationProducer = requestMetrics.producer;
const prometheus = config.exposeMetrics
  ? new PrometheusExporter({
      preventServerStart: true,
      metricProducers: [preAggregationProducer],
    })
  : undefined;

// OTEL_SERVICE_NAME and the MLSYSOPS_* variables override these defaults.
const telemetry = startTelemetry({
  serviceName: process.env.OTEL_SERVICE_NAME ?? 'inference-service',
  serviceVersion: model.version,
  componentName: 'inference-service',
  // The service stops its server and batcher before telemetry, so it handles signals itself.
  handleSignals: false,
  metrics: {
    metricProducers: [preAggregationProducer],
    readers: prometheus ? [prometheus] : [],
  },
});
const logger = telemetry.logger;

// The batcher and its telemetry refer to each other. The callbacks below run only once
// requests arrive, after `serviceTelemetry` is initialized.
const batcher = createBatcher<number[], Prediction>({
  batchSize: config.batchSize,
  workers: config.workers,
  maxWaitMillis: config.maxWaitMillis,
  maxQueueLength: config.maxQueueLength,
  dispatchMillis: config.dispatchMillis,
  perItemMillis: config.perItemMillis,
  process: (inputs) => inputs.map((vector) => model.predict(vector)),
  onBatch: (size, durationMillis) => serviceTelemetry.recordBatch(size, durationMillis),
  onQueueChange: (delta) => serviceTelemetry.recordQueueChange(delta),
});

const serviceTelemetry = createServiceTelemetry({
  meter: telemetry.meter,
  tracer: telemetry.tracer,
  logger,
  requestMetrics,
  model,
  batcher,
});

const server = createInferenceServer({
  model,
  batcher,
  telemetry: serviceTelemetry,
  metricsHandler: prometheus
    ? (request, response) => prometheus.getMetricsRequestHandler(request, response)
    : undefined,
});

server.listen(config.port, config.host);
await once(server, 'listening');

const address = server.address() as AddressInfo;
const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
logger.info(`inference service listening on ${url}`, {
  'inference.model.version': model.version,
  'inference.model.test_accuracy': model.testAccuracy,
});
printEvent('listening', {
  url,
  modelVersion: model.version,
  trainAccuracy: model.trainAccuracy,
  testAccuracy: model.testAccuracy,
  batchSize: config.batchSize,
  workers: config.workers,
  metricsEndpoint: config.exposeMetrics ? `${url}/metrics` : undefined,
});

let stopping = false;
const stop = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  logger.info(`inference service stopping on ${signal}`);

  // This timer also keeps the event loop alive while the flush waits on unreferenced timers.
  const timer = setTimeout(() => {
    console.error(`inference-service: stop took longer than ${STOP_TIMEOUT_MILLIS} ms; exiting`);
    process.exit(1);
  }, STOP_TIMEOUT_MILLIS);

  server.close();
  server.closeIdleConnections();
  await batcher.close();

  // The pre-aggregator closes its last windows first, so the telemetry shutdown exports them.
  await requestMetrics.shutdown();
  const flush = await telemetry.shutdown();

  printEvent('stopped', {
    signal,
    counters: serviceTelemetry.counters(),
    preAggregation: requestMetrics.stats(),
    telemetry: telemetry.status(),
    flush,
  });
  clearTimeout(timer);
};

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void stop(signal));
}
