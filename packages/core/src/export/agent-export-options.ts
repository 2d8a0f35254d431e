import type { AgentLocator } from '../discovery/agent-locator.js';
import type { OtlpSignal } from './export-target.js';
import type { OtlpExporterOptions } from './otlp-exporter-base.js';

/**
 * Builds the exporter options that connect one signal's transport to the shared agent
 * locator. The target is read from the locator before every request, so the exporter follows
 * the node-local agent when discovery finds or moves it. Every retryable failure is reported
 * to the locator, which then runs discovery again. The queue caps and the shutdown deadline
 * come from the locator's settings.
 */
export function agentExportOptions(
  locator: AgentLocator,
  signal: OtlpSignal,
): Pick<
  OtlpExporterOptions,
  'target' | 'maxQueueBytes' | 'maxQueueItems' | 'onRetryableFailure' | 'shutdownTimeoutMillis'
> {
  const buffer = locator.settings.buffer[signal];
  return {
    target: () => locator.exportTarget(signal),
    maxQueueBytes: buffer.maxBytes,
    maxQueueItems: buffer.maxItems,
    onRetryableFailure: () => locator.reportExportFailure(signal),
    shutdownTimeoutMillis: locator.settings.shutdownTimeoutMillis,
  };
}
