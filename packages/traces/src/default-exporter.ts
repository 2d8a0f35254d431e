import {
  type AgentLocator,
  agentExportOptions,
  getAgentLocator,
  type TelemetrySettings,
} from '@mlsysops/telemetry-core';
import { createOtlpSpanExporter, type OtlpSpanExporter } from './export/otlp-span-exporter.js';

/**
 * Creates the OTLP traces exporter for the settings. Its target is read from the shared agent
 * locator before every request, so the exporter follows the node-local agent when discovery
 * finds it or it moves. A retryable failure makes the locator run discovery again.
 */
export function createDefaultSpanExporter(
  settings: TelemetrySettings,
  locator: AgentLocator = getAgentLocator(settings),
): OtlpSpanExporter {
  return createOtlpSpanExporter({
    ...agentExportOptions(locator, 'traces'),
  });
}
