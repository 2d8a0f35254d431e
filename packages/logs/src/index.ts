export type { FlushResult } from '@mlsysops/telemetry-core';
export { createDefaultLogRecordExporter } from './default-exporter.js';
export {
  createOtlpLogRecordExporter,
  type OtlpLogRecordExporter,
  type OtlpLogRecordExporterOptions,
} from './export/otlp-log-record-exporter.js';
export {
  type LogsHandle,
  type LogsOptions,
  MIN_SEVERITY_NUMBER,
  startLogs,
} from './logger-provider.js';
export {
  createSeverityFilterProcessor,
  type SeverityFilterProcessor,
} from './severity-filter-processor.js';
export {
  type ConsoleMirror,
  createStructuredLogger,
  LOG_LEVEL_SEVERITY,
  type LogLevel,
  type StructuredLogger,
  type StructuredLoggerOptions,
} from './structured-logger.js';
