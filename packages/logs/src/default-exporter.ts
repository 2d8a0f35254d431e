import {
  type AgentLocator,
  agentExportOptions,
  getAgentLocator,
  type TelemetrySettings,
} from '@mlsysops/telemetry-core';
import {
  createOtlpLogRecordExporter,
  type OtlpLogRecordExporter,
} from './export/otlp-log-record-exporter.js';

/**
 * Creates the OTLP logs exporter for the settings. Its target is read from the shared agent
 * locator before every request, so the exporter follows the node-local agent when discovery
 * finds it or it moves. A retryable failure makes the locator run discovery again.
 */
export function createDefaultLogRecordExporter(
  settings: TelemetrySettings,
  locator: AgentLocator = getAgentLocator(settings),
): OtlpLogRecordExporter {
  return createOtlpLogRecordExporter({
    ...agentExportOptions(locator, 'logs'),
  });
}
