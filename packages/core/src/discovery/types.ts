import type { OtlpProtocol, OtlpSignal } from '../export/export-target.js';

/**
 * Result of probing one candidate agent.
 * - `otlp`: an OTLP receiver accepted an empty export request.
 * - `not-otlp`: something responded, but not as an OTLP receiver (HTTP error status, no
 *   HTTP/2 response, a gRPC error status).
 * - `refused`: the connection was refused; nothing listens there.
 * - `timeout`: no response within the probe budget.
 * - `error`: another failure, such as an unknown host or a TLS error; see `detail`.
 * - `cancelled`: stopped because a candidate earlier in the order already responded.
 */
export type ProbeOutcome = 'otlp' | 'not-otlp' | 'refused' | 'timeout' | 'error' | 'cancelled';

/** One endpoint that discovery considered. */
export interface AgentCandidate {
  /** Base URL (`http://127.0.0.1:4318`), or the configured signal URL for explicit endpoints. */
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  /** Option or variable that produced the candidate, or `localhost` / `default`. */
  readonly source: string;
  /** True when the endpoint was configured and is used as given whatever the probe shows. */
  readonly explicit: boolean;
}

/** A candidate with the outcome of its probe. */
export interface ProbedCandidate extends AgentCandidate {
  readonly outcome: ProbeOutcome;
  /** Time from the start of the probe to its outcome, in milliseconds. */
  readonly millis: number;
  /** HTTP status, gRPC status or error code behind the outcome. */
  readonly detail?: string;
}

/** Export destination of one signal. */
export interface AgentTarget {
  readonly signal: OtlpSignal;
  /**
   * Full URL: for HTTP protocols including `/v1/<signal>`; for gRPC `http://host:port` or
   * `https://host:port` (the transport uses only scheme, host and port).
   */
  readonly url: string;
  /** `host:port` of the receiver. */
  readonly hostPort: string;
  readonly protocol: OtlpProtocol;
  readonly source: string;
  /** True when the last probe of this endpoint found an OTLP receiver. */
  readonly reachable: boolean;
}

/** Outcome of one discovery run. */
export interface DiscoveryResult {
  /** Base URL of the chosen agent, such as `http://127.0.0.1:4318`. */
  readonly endpoint: string;
  readonly protocol: OtlpProtocol;
  /** Option or variable that named the chosen agent, `localhost`, or `default`. */
  readonly source: string;
  /** True when the chosen agent responded as an OTLP receiver. */
  readonly reachable: boolean;
  /** Target of each signal; signals with an explicit endpoint keep it. */
  readonly targets: Readonly<Record<OtlpSignal, AgentTarget>>;
  /** Every candidate in the documented order, with its outcome. */
  readonly candidates: readonly ProbedCandidate[];
  /** Wall time of the whole run, in milliseconds. */
  readonly millis: number;
}

/** Options of {@link discoverAgent} beyond the settings. */
export interface DiscoverAgentOptions {
  /** Total probe time, in milliseconds. Default `settings.discovery.probeBudgetMillis`. */
  probeBudgetMillis?: number;
  /** OTLP/HTTP ports tried on node, service and localhost addresses. Default `settings.discovery.httpPorts`. */
  httpPorts?: readonly number[];
  /** OTLP/gRPC ports tried on node, service and localhost addresses. Default `settings.discovery.grpcPorts`. */
  grpcPorts?: readonly number[];
  /**
   * Loopback addresses tried last. Default `['127.0.0.1', '::1']`, or none when
   * `settings.discovery.localhost` is false.
   */
  localhostAddresses?: readonly string[];
  /**
   * Base URL used when no candidate responds. Default `http://localhost:4318`, or
   * `http://localhost:4317` when the configured protocol is gRPC.
   */
  defaultEndpoint?: string;
}
