import { createComponentLogger } from '../diagnostics/component-logger.js';
import type { OtlpProtocol, OtlpSignal } from '../export/export-target.js';
import { OTLP_SIGNALS } from '../settings/defaults.js';
import type { TelemetrySettings } from '../settings/types.js';
import {
  baseUrlOf,
  defaultEndpointOf,
  explicitCandidates,
  implicitCandidates,
  preferredProtocol,
} from './candidates.js';
import { probeOtlpGrpc } from './probe-grpc.js';
import { ABORT_CANCELLED, ABORT_TIMEOUT, type ProbeReport, probeOtlpHttp } from './probe-http.js';
import type {
  AgentCandidate,
  AgentTarget,
  DiscoverAgentOptions,
  DiscoveryResult,
  ProbedCandidate,
} from './types.js';

const logger = createComponentLogger('@mlsysops/telemetry-core/discovery');

function isHttp(protocol: OtlpProtocol): protocol is 'http/protobuf' | 'http/json' {
  return protocol !== 'grpc';
}

/** Probes one candidate. Explicit HTTP endpoints are full signal URLs and are probed as given. */
async function probeCandidate(
  candidate: AgentCandidate,
  settings: TelemetrySettings,
  signal: AbortSignal,
): Promise<ProbeReport> {
  // An explicit endpoint is probed with the settings of the first signal configured with it.
  const owner = OTLP_SIGNALS.find((name) => settings.otlp[name].url === candidate.endpoint);
  const exporter = settings.otlp[owner ?? 'metrics'];
  // Headers may carry credentials, so they go only to endpoints the user configured.
  const headers = candidate.explicit ? exporter.headers : {};
  const tls = candidate.explicit ? exporter : {};

  if (isHttp(candidate.protocol)) {
    const url = candidate.explicit ? candidate.endpoint : `${candidate.endpoint}/v1/metrics`;
    return probeOtlpHttp(url, candidate.protocol, headers, tls, signal);
  }
  return probeOtlpGrpc(
    baseUrlOf(candidate.endpoint, 'grpc', exporter.insecure),
    headers,
    tls,
    signal,
  );
}

function hostPortOf(baseUrl: string): string {
  return new URL(baseUrl).host;
}

function targetsOf(
  settings: TelemetrySettings,
  chosen: { endpoint: string; protocol: OtlpProtocol; source: string; reachable: boolean },
  explicitBySignal: Partial<Record<OtlpSignal, ProbedCandidate>>,
): Record<OtlpSignal, AgentTarget> {
  const targets = {} as Record<OtlpSignal, AgentTarget>;

  for (const signal of OTLP_SIGNALS) {
    const exporter = settings.otlp[signal];
    const explicit = explicitBySignal[signal];
    if (explicit !== undefined && exporter.url !== undefined) {
      const base = baseUrlOf(exporter.url, exporter.protocol, exporter.insecure);
      targets[signal] = {
        signal,
        url: exporter.protocol === 'grpc' ? base : exporter.url,
        hostPort: hostPortOf(base),
        protocol: exporter.protocol,
        source: explicit.source,
        reachable: explicit.outcome === 'otlp',
      };
      continue;
    }

    // A signal whose HTTP encoding was configured keeps it on a discovered HTTP agent.
    const protocol =
      isHttp(chosen.protocol) && isHttp(exporter.protocol) && exporter.protocolSource !== 'default'
        ? exporter.protocol
        : chosen.protocol;
    // NOTE: a signal fixed to gRPC while discovery chose an HTTP agent (or the reverse)
    // follows the chosen agent's protocol, not its own setting.
    targets[signal] = {
      signal,
      url: isHttp(protocol) ? `${chosen.endpoint}/v1/${signal}` : chosen.endpoint,
      hostPort: hostPortOf(chosen.endpoint),
      protocol,
      source: chosen.source,
      reachable: chosen.reachable,
    };
  }
  return targets;
}

/**
 * Finds the node-local OTLP agent. Explicitly configured endpoints are probed and reported
 * but never replaced. For signals without one, implicit candidates (docs/discovery.md lists
 * the order) are probed concurrently within the probe budget, and the first candidate in
 * the order that responds as an OTLP receiver wins. When none responds the result is the
 * default `http://localhost:4318` (or `:4317` when gRPC is configured) with `reachable`
 * false. Never rejects, and settles within the budget plus a few milliseconds.
 */
export async function discoverAgent(
  settings: TelemetrySettings,
  options: DiscoverAgentOptions = {},
): Promise<DiscoveryResult> {
  try {
    return await runDiscovery(settings, options);
  } catch (error) {
    logger.warnRateLimited('discovery-failed', `agent discovery failed: ${String(error)}`);
    return fallbackResult(settings, options);
  }
}

/** Result used when discovery itself fails: the default endpoint, not reachable, no candidates. */
export function fallbackResult(
  settings: TelemetrySettings,
  options: DiscoverAgentOptions = {},
): DiscoveryResult {
  const { protocol } = preferredProtocol(settings);
  const endpoint = defaultEndpointOf(settings, options);
  const chosen = { endpoint, protocol, source: 'default', reachable: false };
  return { ...chosen, targets: targetsOf(settings, chosen, {}), candidates: [], millis: 0 };
}

async function runDiscovery(
  settings: TelemetrySettings,
  options: DiscoverAgentOptions,
): Promise<DiscoveryResult> {
  const started = performance.now();
  const budgetMillis = options.probeBudgetMillis ?? settings.discovery.probeBudgetMillis;
  const { protocol: preferred } = preferredProtocol(settings);
  const defaultEndpoint = defaultEndpointOf(settings, options);

  const explicit = explicitCandidates(settings);
  const needsDiscovery = OTLP_SIGNALS.some((signal) => explicit.bySignal[signal] === undefined);
  const implicit =
    needsDiscovery && settings.discovery.enabled ? implicitCandidates(settings, options) : [];
  // With discovery off, the default endpoint is used as given and only probed for `reachable`.
  const fallback: AgentCandidate[] =
    needsDiscovery && !settings.discovery.enabled
      ? [{ endpoint: defaultEndpoint, protocol: preferred, source: 'default', explicit: false }]
      : [];
  const all = [...explicit.candidates, ...implicit, ...fallback];
  const firstImplicit = explicit.candidates.length;

  const controllers = all.map(() => new AbortController());
  const results: (ProbedCandidate | undefined)[] = all.map(() => undefined);
  const budgetTimer = setTimeout(() => {
    for (const controller of controllers) controller.abort(ABORT_TIMEOUT);
  }, budgetMillis);

  // Index of the winning implicit candidate, -1 when none responded, undefined while an
  // earlier candidate is still pending.
  const winner = (): number | undefined => {
    for (let index = firstImplicit; index < firstImplicit + implicit.length; index++) {
      const result = results[index];
      if (result === undefined) return undefined;
      if (result.outcome === 'otlp') return index;
    }
    return -1;
  };

  await Promise.all(
    all.map(async (candidate, index) => {
      const probeStarted = performance.now();
      let report: ProbeReport;
      try {
        report = await probeCandidate(candidate, settings, controllers[index]!.signal);
      } catch (error) {
        report = { outcome: 'error', detail: String(error) };
      }

      const millis = Math.round(performance.now() - probeStarted);
      results[index] = { ...candidate, ...report, millis };
      logger.debug(
        `probe ${candidate.protocol} ${candidate.endpoint} (${candidate.source}): ${report.outcome}` +
          (report.detail === undefined ? '' : ` (${report.detail})`) +
          ` after ${millis} ms`,
      );

      const won = winner();
      if (won !== undefined && won >= 0) {
        for (let later = won + 1; later < firstImplicit + implicit.length; later++) {
          controllers[later]!.abort(ABORT_CANCELLED);
        }
      }
    }),
  );
  clearTimeout(budgetTimer);

  const candidates = results as ProbedCandidate[];
  const explicitBySignal: Partial<Record<OtlpSignal, ProbedCandidate>> = {};
  for (const signal of OTLP_SIGNALS) {
    const candidate = explicit.bySignal[signal];
    if (candidate !== undefined) explicitBySignal[signal] = candidates[all.indexOf(candidate)];
  }

  const won = winner() ?? -1;
  let chosen: { endpoint: string; protocol: OtlpProtocol; source: string; reachable: boolean };
  if (!needsDiscovery) {
    const metrics = explicitBySignal.metrics!;
    chosen = {
      endpoint: baseUrlOf(metrics.endpoint, metrics.protocol, settings.otlp.metrics.insecure),
      protocol: metrics.protocol,
      source: metrics.source,
      reachable: metrics.outcome === 'otlp',
    };
  } else if (won >= 0) {
    const found = candidates[won]!;
    chosen = {
      endpoint: found.endpoint,
      protocol: found.protocol,
      source: found.source,
      reachable: true,
    };
  } else {
    const probedDefault = fallback.length > 0 ? candidates[candidates.length - 1] : undefined;
    chosen = {
      endpoint: defaultEndpoint,
      protocol: preferred,
      source: 'default',
      reachable: probedDefault?.outcome === 'otlp',
    };
  }

  const result: DiscoveryResult = {
    ...chosen,
    targets: targetsOf(settings, chosen, explicitBySignal),
    candidates,
    millis: Math.round(performance.now() - started),
  };
  logger.debug(
    `chose ${result.protocol} ${result.endpoint} from ${result.source}; reachable: ${result.reachable}`,
  );
  return result;
}
