import type { AgentLocator } from '../discovery/agent-locator.js';
import type { ExportTarget, OtlpSignal } from '../export/export-target.js';

/**
 * An agent endpoint that replaces the discovered one for every signal while it is set. The
 * exporters' target functions pass the locator's target through {@link exportTarget} before
 * each request, so a change takes effect at the next export request.
 */
export interface AgentEndpointOverride {
  /** The endpoint in force, or undefined when the discovered agent is used. */
  readonly endpoint: string | undefined;
  /** Sets the endpoint, as `validateReconfiguration` normalizes it; null or undefined clears it. */
  set(endpoint: string | null | undefined): void;
  /**
   * Returns `base` with the URL and protocol of the override for `signal`, keeping its headers,
   * compression, timeout and TLS files, or `base` unchanged when no override is set.
   */
  exportTarget(signal: OtlpSignal, base: ExportTarget): ExportTarget;
}

class EndpointOverride implements AgentEndpointOverride {
  endpoint: string | undefined;

  set(endpoint: string | null | undefined): void {
    this.endpoint = endpoint ?? undefined;
  }

  exportTarget(signal: OtlpSignal, base: ExportTarget): ExportTarget {
    const endpoint = this.endpoint;
    if (endpoint === undefined) return base;

    if (endpoint.includes('://')) {
      // An OTLP/HTTP base URL gets the signal path, as OTEL_EXPORTER_OTLP_ENDPOINT does.
      const protocol = base.protocol === 'grpc' ? 'http/protobuf' : base.protocol;
      return { ...base, url: `${endpoint}/v1/${signal}`, protocol };
    }
    return { ...base, url: endpoint, protocol: 'grpc', insecure: true };
  }
}

/** Creates an empty {@link AgentEndpointOverride}. */
export function createAgentEndpointOverride(): AgentEndpointOverride {
  return new EndpointOverride();
}

/**
 * Returns a locator that behaves as `locator`, except that `exportTarget` passes its result
 * through `override`. Give it to the default exporter factories, so they follow the override
 * while it is set and the discovered agent otherwise.
 */
export function withEndpointOverride(
  locator: AgentLocator,
  override: AgentEndpointOverride,
): AgentLocator {
  return {
    get settings() {
      return locator.settings;
    },
    target: (signal) => locator.target(signal),
    exportTarget: (signal) => override.exportTarget(signal, locator.exportTarget(signal)),
    ready: () => locator.ready(),
    onChange: (listener) => locator.onChange(listener),
    status: () => locator.status(),
    refresh: () => locator.refresh(),
    reportExportFailure: (signal) => {
      // A failure at the override endpoint is no reason to search for the discovered agent again.
      if (override.endpoint === undefined) locator.reportExportFailure(signal);
    },
    close: () => locator.close(),
  };
}
