import {
  type AgentLocator,
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
 * finds it or it moves. The buffer limit and shutdown deadline come from the settings.
 */
export function createDefaultMetricExporter(
  settings: TelemetrySettings,
  locator: AgentLocator = getAgentLocator(settings),
): OtlpMetricExporter {
  return createOtlpMetricExporter({
    target: () => locator.exportTarget('metrics'),
    maxQueueBytes: settings.buffer.metrics.maxBytes,
    temporalityPreference: settings.metricTemporalityPreference,
    shutdownTimeoutMillis: settings.shutdownTimeoutMillis,
  });
}
