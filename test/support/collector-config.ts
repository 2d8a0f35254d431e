/** File names, inside the Collector work dir, of the file exporters in {@link testCollectorConfig}. */
export const OUTPUT_FILES = {
  traces: 'traces.jsonl',
  logs: 'logs.jsonl',
  metrics: 'metrics.jsonl',
} as const;

/** Options of {@link testCollectorConfig}. */
export interface TestCollectorConfigOptions {
  /**
   * Prometheus remote-write URL (`PrometheusHandle.remoteWriteUrl`). When set, metrics also
   * go to Prometheus through the `prometheus_remote_write` exporter.
   */
  remoteWriteUrl?: string;
  /**
   * Adds the `prometheus` exporter (Prometheus text format, path /metrics) on
   * `{{port:prometheus}}`, as the MLSysOps node agents expose it on hostPort 9999.
   */
  prometheusExporter?: boolean;
  /** Copies resource attributes onto every series as labels in both Prometheus exporters. */
  resourceToTelemetryConversion?: boolean;
  /** Adds the `debug` exporter with detailed verbosity to every pipeline (output in the log). */
  debug?: boolean;
  /** Interval of the file exporters' buffered writes in milliseconds; default 100. */
  fileFlushIntervalMillis?: number;
}

/**
 * Builds the common end-to-end config: an `otlp` receiver (HTTP and gRPC) feeding
 * traces and logs to file exporters and metrics to a file exporter, plus Prometheus remote
 * write and the `prometheus` exporter when asked. The result uses the placeholders of
 * `startCollector`, so pass it as `config`.
 *
 * In these tests Prometheus replaces Mimir, and the file exporters replace Loki and Tempo.
 */
export function testCollectorConfig(
  options: TestCollectorConfigOptions = {},
): Record<string, unknown> {
  const flushInterval = `${options.fileFlushIntervalMillis ?? 100}ms`;
  const convertResource = options.resourceToTelemetryConversion ?? false;
  const debugExporters = options.debug ? ['debug'] : [];

  const exporters: Record<string, unknown> = {
    'file/traces': { path: `{{workDir}}/${OUTPUT_FILES.traces}`, flush_interval: flushInterval },
    'file/logs': { path: `{{workDir}}/${OUTPUT_FILES.logs}`, flush_interval: flushInterval },
    'file/metrics': { path: `{{workDir}}/${OUTPUT_FILES.metrics}`, flush_interval: flushInterval },
  };
  const metricExporters = ['file/metrics'];

  if (options.remoteWriteUrl) {
    exporters.prometheus_remote_write = {
      endpoint: options.remoteWriteUrl,
      resource_to_telemetry_conversion: { enabled: convertResource },
      // Prometheus 2.42 rejects out-of-order samples. One consumer sends the requests one
      // after another, so two requests never race for the same series.
      remote_write_queue: { num_consumers: 1 },
    };
    metricExporters.push('prometheus_remote_write');
  }
  if (options.prometheusExporter) {
    exporters.prometheus = {
      endpoint: '127.0.0.1:{{port:prometheus}}',
      resource_to_telemetry_conversion: { enabled: convertResource },
    };
    metricExporters.push('prometheus');
  }
  if (options.debug) exporters.debug = { verbosity: 'detailed' };

  return {
    receivers: {
      otlp: {
        protocols: {
          http: { endpoint: '127.0.0.1:{{port:otlpHttp}}' },
          grpc: { endpoint: '127.0.0.1:{{port:otlpGrpc}}' },
        },
      },
    },
    processors: {
      batch: { timeout: '100ms' },
    },
    exporters,
    extensions: {
      health_check: { endpoint: '127.0.0.1:{{port:health}}' },
    },
    service: {
      extensions: ['health_check'],
      pipelines: {
        traces: {
          receivers: ['otlp'],
          processors: ['batch'],
          exporters: ['file/traces', ...debugExporters],
        },
        logs: {
          receivers: ['otlp'],
          processors: ['batch'],
          exporters: ['file/logs', ...debugExporters],
        },
        metrics: {
          receivers: ['otlp'],
          processors: ['batch'],
          exporters: [...metricExporters, ...debugExporters],
        },
      },
    },
  };
}
