import {
  type AgentLocator,
  agentExportOptions,
  getAgentLocator,
  type TelemetrySettings,
} from '@mlsysops/telemetry-core';
import {
  createOtlpMetricExporter,
  type OtlpMetricExporter,
} from './export/otlp-metric-exporter.js';

/**
 * Creates the OTLP metrics exporter for the settings. Its target is read from the shared agent
 * locator before every request, so the exporter follows the node-local agent when discovery
 * finds it or it moves. A retryable failure makes the locator run discovery again.
 */
export function createDefaultMetricExporter(
  settings: TelemetrySettings,
  locator: AgentLocator = getAgentLocator(settings),
): OtlpMetricExporter {
  return createOtlpMetricExporter({
    ...agentExportOptions(locator, 'metrics'),
    temporalityPreference: settings.metricTemporalityPreference,
  });
}
