import { createComponentLogger } from '../diagnostics/component-logger.js';
import type { ExportTarget, OtlpSignal } from '../export/export-target.js';
import { OTLP_SIGNALS } from '../settings/defaults.js';
import type { TelemetrySettings } from '../settings/types.js';
import {
  baseUrlOf,
  defaultEndpointOf,
  explicitCandidates,
  preferredProtocol,
} from './candidates.js';
import { discoverAgent, fallbackResult } from './discover-agent.js';
import type { AgentTarget, DiscoverAgentOptions, DiscoveryResult } from './types.js';

const logger = createComponentLogger('@mlsysops/telemetry-core/discovery');

const LOCATORS_KEY = Symbol.for('@mlsysops/telemetry-core/agent-locators');

/** First wait before a background discovery retry, in milliseconds; it doubles up to the cap. */
export const DEFAULT_RETRY_INITIAL_BACKOFF_MILLIS = 1_000;

/** Options of {@link getAgentLocator}. */
export interface AgentLocatorOptions extends DiscoverAgentOptions {
  /** First wait before a background retry, in milliseconds. Default 1 000. */
  retryInitialBackoffMillis?: number;
}

/** State of a locator: first run pending, agent found, still looking, or closed. */
export type AgentLocatorState = 'discovering' | 'found' | 'searching' | 'closed';

/** Snapshot returned by {@link AgentLocator.status}. */
export interface AgentLocatorStatus {
  readonly state: AgentLocatorState;
  /** Result of the last completed discovery run. */
  readonly result: DiscoveryResult | undefined;
  /** Completed discovery runs. */
  readonly runs: number;
  /** Wait before the next background run, in milliseconds, when one is scheduled. */
  readonly nextRetryMillis: number | undefined;
}

/** Called when the chosen agent appears, moves or disappears. Errors it throws are logged. */
export type AgentChangeListener = (
  result: DiscoveryResult,
  previous: DiscoveryResult | undefined,
) => void;

/**
 * Long-lived view of the node-local agent, shared by every package in the process. It runs
 * discovery once at creation, keeps retrying in the background with capped exponential
 * backoff while no agent responds (timers are `unref()`ed), and notifies listeners when the
 * chosen agent changes.
 */
export interface AgentLocator {
  /** Settings the locator was created for. */
  readonly settings: TelemetrySettings;
  /**
   * Current target of `signal`. Before the first run completes it is the explicit endpoint
   * or the default `http://localhost:4318`.
   */
  target(signal: OtlpSignal): AgentTarget;
  /** Current target of `signal` with the exporter settings, ready for the OTLP transport. */
  exportTarget(signal: OtlpSignal): ExportTarget;
  /** Resolves with the first discovery result (within the probe budget). Never rejects. */
  ready(): Promise<DiscoveryResult>;
  /** Subscribes to changes of the chosen agent; returns the unsubscribe function. */
  onChange(listener: AgentChangeListener): () => void;
  /** Returns the current state. */
  status(): AgentLocatorStatus;
  /** Runs discovery now (joining a run in progress). Never rejects. */
  refresh(): Promise<DiscoveryResult>;
  /**
   * Reports that an export to the current target failed, so the locator looks for the
   * agent again at the current backoff (at most one pending run).
   */
  reportExportFailure(signal: OtlpSignal): void;
  /** Stops background retries, drops listeners and removes the locator from the registry. */
  close(): void;
}

function sameAgent(a: DiscoveryResult | undefined, b: DiscoveryResult): boolean {
  if (a === undefined) return false;
  if (a.endpoint !== b.endpoint || a.protocol !== b.protocol || a.reachable !== b.reachable) {
    return false;
  }
  return OTLP_SIGNALS.every(
    (signal) =>
      a.targets[signal].url === b.targets[signal].url &&
      a.targets[signal].reachable === b.targets[signal].reachable,
  );
}

class SharedAgentLocator implements AgentLocator {
  private result: DiscoveryResult | undefined;
  private running: Promise<DiscoveryResult> | undefined;
  private readonly first: Promise<DiscoveryResult>;
  private readonly listeners = new Set<AgentChangeListener>();
  private readonly provisional: Record<OtlpSignal, AgentTarget>;
  private timer: NodeJS.Timeout | undefined;
  private backoffMillis: number;
  private nextRetryMillis: number | undefined;
  private runs = 0;
  private closed = false;

  constructor(
    readonly settings: TelemetrySettings,
    private readonly options: AgentLocatorOptions,
    private readonly onClose: () => void,
  ) {
    this.backoffMillis = options.retryInitialBackoffMillis ?? DEFAULT_RETRY_INITIAL_BACKOFF_MILLIS;
    this.provisional = this.provisionalTargets();
    this.first = this.refresh();
  }

  target(signal: OtlpSignal): AgentTarget {
    return this.result?.targets[signal] ?? this.provisional[signal];
  }

  exportTarget(signal: OtlpSignal): ExportTarget {
    const target = this.target(signal);
    const exporter = this.settings.otlp[signal];
    return {
      url: target.url,
      protocol: target.protocol,
      headers: exporter.headers,
      compression: exporter.compression,
      timeoutMillis: exporter.timeoutMillis,
      ...(exporter.certificateFile === undefined
        ? {}
        : { certificateFile: exporter.certificateFile }),
      ...(exporter.clientKeyFile === undefined ? {} : { clientKeyFile: exporter.clientKeyFile }),
      ...(exporter.clientCertificateFile === undefined
        ? {}
        : { clientCertificateFile: exporter.clientCertificateFile }),
      insecure: exporter.insecure,
    };
  }

  ready(): Promise<DiscoveryResult> {
    return this.first;
  }

  onChange(listener: AgentChangeListener): () => void {
    if (this.closed) return () => {};
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  status(): AgentLocatorStatus {
    let state: AgentLocatorState;
    if (this.closed) state = 'closed';
    else if (this.result === undefined) state = 'discovering';
    else state = this.result.reachable ? 'found' : 'searching';

    return { state, result: this.result, runs: this.runs, nextRetryMillis: this.nextRetryMillis };
  }

  refresh(): Promise<DiscoveryResult> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  reportExportFailure(signal: OtlpSignal): void {
    if (this.closed || this.timer !== undefined || this.running !== undefined) return;

    logger.debug(`export of ${signal} to ${this.target(signal).url} failed; discovery runs again`);
    this.schedule();
  }

  close(): void {
    if (this.closed) return;

    this.closed = true;
    this.listeners.clear();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.nextRetryMillis = undefined;
    this.onClose();
  }

  private async run(): Promise<DiscoveryResult> {
    let result: DiscoveryResult;
    try {
      result = await discoverAgent(this.settings, this.options);
    } catch (error) {
      // discoverAgent handles its own failures; this keeps the locator alive if it does not.
      logger.warnRateLimited('discovery-failed', `agent discovery failed: ${String(error)}`);
      return this.result ?? fallbackResult(this.settings, this.options);
    }
    this.runs++;
    if (this.closed) return result;

    const previous = this.result;
    this.result = result;
    if (!sameAgent(previous, result)) this.notify(result, previous);

    if (result.reachable) {
      this.backoffMillis =
        this.options.retryInitialBackoffMillis ?? DEFAULT_RETRY_INITIAL_BACKOFF_MILLIS;
    } else if (this.needsDiscovery()) {
      this.schedule();
    }
    return result;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed) return;

    const delay = this.backoffMillis;
    this.nextRetryMillis = delay;
    this.backoffMillis = Math.min(delay * 2, this.settings.discovery.retryMaxBackoffMillis);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.nextRetryMillis = undefined;
      void this.refresh();
    }, delay);
    // Retries must never keep the process alive.
    this.timer.unref();
  }

  private needsDiscovery(): boolean {
    return (
      this.settings.discovery.enabled &&
      OTLP_SIGNALS.some((signal) => this.settings.otlp[signal].url === undefined)
    );
  }

  private notify(result: DiscoveryResult, previous: DiscoveryResult | undefined): void {
    if (previous !== undefined || result.reachable) {
      logger.info(
        `node agent ${result.reachable ? 'found' : 'not reachable'}: ${result.protocol} ${result.endpoint} (${result.source})`,
      );
    }
    for (const listener of [...this.listeners]) {
      try {
        listener(result, previous);
      } catch (error) {
        logger.warnRateLimited('listener-error', `agent change listener threw: ${String(error)}`);
      }
    }
  }

  private provisionalTargets(): Record<OtlpSignal, AgentTarget> {
    const { protocol } = preferredProtocol(this.settings);
    const endpoint = defaultEndpointOf(this.settings, this.options);
    const explicit = explicitCandidates(this.settings).bySignal;
    const targets = {} as Record<OtlpSignal, AgentTarget>;

    for (const signal of OTLP_SIGNALS) {
      const exporter = this.settings.otlp[signal];
      if (explicit[signal] !== undefined && exporter.url !== undefined) {
        const base = baseUrlOf(exporter.url, exporter.protocol, exporter.insecure);
        targets[signal] = {
          signal,
          url: exporter.protocol === 'grpc' ? base : exporter.url,
          hostPort: new URL(base).host,
          protocol: exporter.protocol,
          source: explicit[signal].source,
          reachable: false,
        };
      } else {
        targets[signal] = {
          signal,
          url: protocol === 'grpc' ? endpoint : `${endpoint}/v1/${signal}`,
          hostPort: new URL(endpoint).host,
          protocol,
          source: 'default',
          reachable: false,
        };
      }
    }
    return targets;
  }
}

/**
 * Returns the process-wide locator for `settings` (one per settings key and options,
 * stored on `globalThis` so every copy of this package shares it), creating it on first use.
 */
export function getAgentLocator(
  settings: TelemetrySettings,
  options: AgentLocatorOptions = {},
): AgentLocator {
  const store = globalThis as { [LOCATORS_KEY]?: Map<string, AgentLocator> };
  store[LOCATORS_KEY] ??= new Map();
  const locators = store[LOCATORS_KEY];
  const key = `${settings.key}|${JSON.stringify(options)}`;

  const existing = locators.get(key);
  if (existing !== undefined) return existing;

  // NOTE: the registry keeps one locator per distinct settings key until `close()`; a
  // process that resolves ever-changing settings grows it, one locator per configuration.
  const locator = new SharedAgentLocator(settings, options, () => {
    if (locators.get(key) === locator) locators.delete(key);
  });
  locators.set(key, locator);
  return locator;
}
