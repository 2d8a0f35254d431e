import type { OtlpSignal } from '../export/export-target.js';
import type { BatchProcessorSettings, BufferLimitSettings } from './types.js';

/** Signals in the order the packages handle them. */
export const OTLP_SIGNALS: readonly OtlpSignal[] = ['metrics', 'traces', 'logs'];

/** Time limit of one OTLP request, in milliseconds (OTLP exporter specification default). */
export const DEFAULT_OTLP_TIMEOUT_MILLIS = 10_000;

/** Metric export interval, in milliseconds (`OTEL_METRIC_EXPORT_INTERVAL` default). */
export const DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS = 60_000;

/** Metric export time limit, in milliseconds (`OTEL_METRIC_EXPORT_TIMEOUT` default). */
export const DEFAULT_METRIC_EXPORT_TIMEOUT_MILLIS = 30_000;

/** Total time of the first agent discovery, in milliseconds. */
export const DEFAULT_PROBE_BUDGET_MILLIS = 300;

/** Standard OTLP/HTTP port, then the MLSysOps Collector hostPort. */
export const DEFAULT_HTTP_PORTS: readonly number[] = Object.freeze([4318, 43180]);

/** Standard OTLP/gRPC port, then the MLSysOps Collector hostPort. */
export const DEFAULT_GRPC_PORTS: readonly number[] = Object.freeze([4317, 43170]);

/** Maximum wait between two background discovery attempts, in milliseconds. */
export const DEFAULT_RETRY_MAX_BACKOFF_MILLIS = 30_000;

/** Time limit of shutdown, in milliseconds. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MILLIS = 5_000;

/** `OTEL_ATTRIBUTE_COUNT_LIMIT` default from the OpenTelemetry specification. */
export const DEFAULT_ATTRIBUTE_COUNT_LIMIT = 128;

/** Local Prometheus endpoint of the MLSysOps node agent (`LOCAL_OTEL_ENDPOINT` default). */
export const DEFAULT_LOCAL_ENDPOINT = 'localhost:9999';

/** Path of the Prometheus exporter of the node agent. */
export const DEFAULT_LOCAL_METRICS_PATH = '/metrics';

/** `OTEL_BSP_*` defaults from the OpenTelemetry specification. */
export const DEFAULT_BATCH_SPAN_PROCESSOR: BatchProcessorSettings = Object.freeze({
  scheduledDelayMillis: 5_000,
  exportTimeoutMillis: 30_000,
  maxQueueSize: 2_048,
  maxExportBatchSize: 512,
});

/** `OTEL_BLRP_*` defaults from the OpenTelemetry specification. */
export const DEFAULT_BATCH_LOG_RECORD_PROCESSOR: BatchProcessorSettings = Object.freeze({
  scheduledDelayMillis: 1_000,
  exportTimeoutMillis: 30_000,
  maxQueueSize: 2_048,
  maxExportBatchSize: 512,
});

const MIB = 1024 * 1024;

/**
 * Store-and-forward buffer limits per signal, equal to the transport's own defaults: 4 MiB
 * and 20 000 items (spans, log records or metric data points) per signal, so at most 12 MiB
 * on an edge board when the agent is unreachable.
 */
export const DEFAULT_BUFFER_LIMITS: Readonly<Record<OtlpSignal, BufferLimitSettings>> =
  Object.freeze({
    metrics: Object.freeze({ maxBytes: 4 * MIB, maxItems: 20_000 }),
    traces: Object.freeze({ maxBytes: 4 * MIB, maxItems: 20_000 }),
    logs: Object.freeze({ maxBytes: 4 * MIB, maxItems: 20_000 }),
  });

/** Path of the namespace file that Kubernetes mounts into every pod with a service account. */
export const SERVICE_ACCOUNT_NAMESPACE_FILE =
  '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
