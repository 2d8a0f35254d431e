import { isIP } from 'node:net';
import type { OtlpProtocol, OtlpSignal } from '../export/export-target.js';
import { OTLP_SIGNALS } from '../settings/defaults.js';
import type { TelemetrySettings } from '../settings/types.js';
import type { AgentCandidate, DiscoverAgentOptions } from './types.js';

/** Loopback addresses tried last, IPv4 first. */
export const DEFAULT_LOCALHOST_ADDRESSES: readonly string[] = ['127.0.0.1', '::1'];

/** Endpoint used when nothing responds: the OTLP/HTTP default of the exporter specification. */
export const DEFAULT_AGENT_ENDPOINT = 'http://localhost:4318';

/** Returns the base URL used when nothing responds, for the preferred protocol. */
export function defaultEndpointOf(
  settings: TelemetrySettings,
  options: DiscoverAgentOptions,
): string {
  if (options.defaultEndpoint !== undefined) return options.defaultEndpoint;
  return preferredProtocol(settings).protocol === 'grpc'
    ? 'http://localhost:4317'
    : DEFAULT_AGENT_ENDPOINT;
}

/** Returns `host:port`, with an IPv6 address in brackets. */
export function formatHostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Returns the protocol discovery prefers, and whether the configuration fixed it. */
export function preferredProtocol(settings: TelemetrySettings): {
  protocol: OtlpProtocol;
  fixed: boolean;
} {
  const metrics = settings.otlp.metrics;
  return { protocol: metrics.protocol, fixed: metrics.protocolSource !== 'default' };
}

/** Returns the base URL (`scheme://host:port`) of an endpoint URL or `host:port`. */
export function baseUrlOf(endpoint: string, protocol: OtlpProtocol, insecure: boolean): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) {
    const url = new URL(endpoint);
    return `${url.protocol}//${url.host}`;
  }
  // host:port without a scheme: only gRPC accepts it, and `insecure` chooses plaintext.
  return `${protocol === 'grpc' && !insecure ? 'https' : 'http'}://${endpoint}`;
}

/**
 * Explicit endpoints: each signal's configured URL (from code or `OTEL_EXPORTER_OTLP_*`),
 * without duplicates, in signal order.
 */
export function explicitCandidates(settings: TelemetrySettings): {
  candidates: AgentCandidate[];
  bySignal: Partial<Record<OtlpSignal, AgentCandidate>>;
} {
  const candidates: AgentCandidate[] = [];
  const bySignal: Partial<Record<OtlpSignal, AgentCandidate>> = {};

  for (const signal of OTLP_SIGNALS) {
    const exporter = settings.otlp[signal];
    if (exporter.url === undefined) continue;

    const existing = candidates.find(
      (candidate) =>
        candidate.endpoint === exporter.url && candidate.protocol === exporter.protocol,
    );
    const candidate = existing ?? {
      endpoint: exporter.url,
      protocol: exporter.protocol,
      source: exporter.urlSource ?? 'option',
      explicit: true,
    };
    if (existing === undefined) candidates.push(candidate);
    bySignal[signal] = candidate;
  }
  return { candidates, bySignal };
}

/**
 * Implicit candidates in the documented order: `TELEMETRY_ENDPOINT` (OTLP/gRPC), the node
 * address, the node-local service host, then localhost over IPv4 and IPv6. On each host the
 * HTTP ports come first unless the configuration fixed the protocol to gRPC; a fixed
 * protocol drops the ports of the other one.
 */
export function implicitCandidates(
  settings: TelemetrySettings,
  options: DiscoverAgentOptions,
): AgentCandidate[] {
  const { protocol, fixed } = preferredProtocol(settings);
  const httpProtocol: OtlpProtocol = protocol === 'grpc' ? 'http/protobuf' : protocol;
  const httpPorts = options.httpPorts ?? settings.discovery.httpPorts;
  const grpcPorts = options.grpcPorts ?? settings.discovery.grpcPorts;
  const useHttp = !fixed || protocol !== 'grpc';
  const useGrpc = !fixed || protocol === 'grpc';
  const candidates: AgentCandidate[] = [];

  const add = (host: string, source: string) => {
    const http = useHttp ? httpPorts.map((port) => ({ port, protocol: httpProtocol })) : [];
    const grpc = useGrpc ? grpcPorts.map((port) => ({ port, protocol: 'grpc' as const })) : [];
    const ordered = protocol === 'grpc' ? [...grpc, ...http] : [...http, ...grpc];
    for (const { port, protocol: candidateProtocol } of ordered) {
      candidates.push({
        endpoint: `http://${formatHostPort(host, port)}`,
        protocol: candidateProtocol,
        source,
        explicit: false,
      });
    }
  };

  const discovery = settings.discovery;
  if (discovery.deploymentEndpoint !== undefined && useGrpc) {
    candidates.push({
      endpoint: `http://${discovery.deploymentEndpoint}`,
      protocol: 'grpc',
      source: 'TELEMETRY_ENDPOINT',
      explicit: false,
    });
  }
  if (discovery.nodeAddress !== undefined)
    add(discovery.nodeAddress.host, discovery.nodeAddress.source);
  if (discovery.serviceHost !== undefined) {
    add(
      discovery.serviceHost,
      settings.sources['discovery.serviceHost'] ?? 'discovery.serviceHost',
    );
  }
  const localhost =
    options.localhostAddresses ?? (discovery.localhost ? DEFAULT_LOCALHOST_ADDRESSES : []);
  for (const address of localhost) add(address, 'localhost');

  return candidates;
}
