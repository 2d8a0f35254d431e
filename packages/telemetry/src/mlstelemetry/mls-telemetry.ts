import { createComponentLogger } from '@mlsysops/telemetry-core';
import { createLocalReader, type LocalReader } from '@mlsysops/telemetry-query';
import type { Attributes, ObservableResult } from '@opentelemetry/api';
import { ATTR_TELEMETRY_DROP_REASON, SELF_TELEMETRY_METER_NAME } from '../self-telemetry.js';
import { startTelemetry, type Telemetry, type TelemetryFlushReport } from '../start-telemetry.js';
import { MLS_DROP_REASONS } from './dropped-pushes.js';
import { MetricPusher } from './metric-pusher.js';
import type {
  MlsTelemetry,
  MlsTelemetryOptions,
  MlsTelemetryStats,
} from './mls-telemetry-types.js';
import { resolveQueryClient } from './query-client.js';
import { safeString } from './safe-string.js';
import { TelemetryReader } from './telemetry-reader.js';

/** Counter, `{measurement}`: measurements `pushMetric` dropped, by `mlsysops.telemetry.drop_reason`. */
export const METRIC_MLSTELEMETRY_DROPPED = 'mlsysops.telemetry.mlstelemetry.dropped';

const DEFAULT_LOCAL_CACHE_MILLIS = 1_000;
const DEFAULT_MAX_INSTRUMENTS = 1_000;
const DEFAULT_MAX_SERIES_PER_METRIC = 2_000;
const DEFAULT_NODE_LABEL = 'k8s_node_name';

/**
 * Creates the mlstelemetry-style facade for agents that move from the Python `mlstelemetry`
 * library: `pushMetric`, `pushLog*`, `getMetricValueWithLabel`, `prometheusQuery` and
 * `prometheusQueryRange` on top of `startTelemetry`, the node agent's local reader and the
 * PromQL client. Invalid options throw here with a message that names the option; after
 * construction no method throws or rejects.
 */
export function createMlsTelemetry(options: MlsTelemetryOptions = {}): MlsTelemetry {
  const log = createComponentLogger('@mlsysops/telemetry/mlstelemetry');
  const env = options.env ?? process.env;
  const limits = {
    localCacheMillis: checkInteger('localCacheMillis', options.localCacheMillis, 0),
    maxInstruments: checkInteger('maxInstruments', options.maxInstruments, 1),
    maxSeriesPerMetric: checkInteger('maxSeriesPerMetric', options.maxSeriesPerMetric, 1),
  };
  const nodeLabel = options.nodeLabel ?? DEFAULT_NODE_LABEL;
  if (typeof nodeLabel !== 'string' || nodeLabel === '') {
    throw new TypeError(
      `Invalid option nodeLabel ${JSON.stringify(nodeLabel)}: expected a non-empty label name.`,
    );
  }

  if (options.telemetry !== undefined) {
    const ignored = (['applicationName', 'componentName', 'start'] as const).filter(
      (name) => options[name] !== undefined,
    );
    if (ignored.length > 0) {
      throw new TypeError(
        `Invalid option ${ignored.join(', ')}: it applies only when no telemetry handle is ` +
          'given; set it in the startTelemetry() call of that handle instead.',
      );
    }
  }

  const query = resolveQueryClient(options.query, env, log);
  const owned = options.telemetry === undefined;
  const telemetry = options.telemetry ?? startOwnedTelemetry(options);

  let localReader: LocalReader;
  try {
    localReader = isLocalReader(options.localReader)
      ? options.localReader
      : createLocalReader({
          endpoint: telemetry.settings.localEndpoint.url,
          env,
          ...options.localReader,
        });
  } catch (error) {
    // A failed start must not leave the owned providers registered.
    if (owned) void telemetry.shutdown(0);
    throw error;
  }

  const pusher = new MetricPusher(
    telemetry.meter,
    {
      maxInstruments: limits.maxInstruments ?? DEFAULT_MAX_INSTRUMENTS,
      maxSeriesPerMetric: limits.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC,
    },
    log,
  );
  const removeDropCounter =
    telemetry.metrics.enabled && telemetry.settings.selfTelemetry
      ? registerDropCounter(telemetry, pusher)
      : undefined;

  const reader = new TelemetryReader(
    localReader,
    query,
    nodeLabel,
    limits.localCacheMillis ?? DEFAULT_LOCAL_CACHE_MILLIS,
    log,
  );
  const logger = telemetry.logger;

  const emitLog = (
    level: 'debug' | 'info' | 'error',
    message: unknown,
    attributes: unknown,
    error?: unknown,
  ): void => {
    try {
      logger[level](asMessage(message), asAttributes(attributes), error);
    } catch (emitError) {
      // The logger catches SDK errors itself; this catches a message whose toString throws.
      log.warnRateLimited('log-error', `pushLog failed: ${safeString(emitError)}`);
    }
  };

  let shutdownReport: Promise<TelemetryFlushReport> | undefined;

  return {
    telemetry,

    pushMetric: (name, type, value, attributes, descriptor) => {
      try {
        pusher.push(name, type, value, attributes, descriptor);
      } catch (error) {
        // The SDK validates instrument options and attributes; none of that may reach the caller.
        log.warnRateLimited(
          'push-error',
          `pushMetric failed for "${safeString(name)}": ${safeString(error)}`,
        );
      }
    },

    pushLogInfo: (message, attributes) => emitLog('info', message, attributes),
    pushLogDebug: (message, attributes) => emitLog('debug', message, attributes),
    pushLogError: (message, attributes, error) => emitLog('error', message, attributes, error),

    getMetricValueWithLabel: (metricName, labelName, labelValue, readOptions) =>
      reader.getMetricValueWithLabel(metricName, labelName, labelValue, readOptions),

    prometheusQuery: (promql, queryOptions) => reader.prometheusQuery(promql, queryOptions),

    prometheusQueryRange: (promql, start, end, step) =>
      reader.prometheusQueryRange(promql, start, end, step),

    stats: (): MlsTelemetryStats => {
      const droppedPushes = pusher.droppedPushes();
      return {
        droppedPushes,
        droppedPushesTotal: MLS_DROP_REASONS.reduce(
          (sum, reason) => sum + droppedPushes[reason],
          0,
        ),
        instruments: pusher.instrumentCount(),
        ...reader.readFailures(),
      };
    },

    forceFlush: (timeoutMillis) => telemetry.forceFlush(timeoutMillis),

    shutdown: (timeoutMillis) => {
      if (shutdownReport === undefined) {
        pusher.close();
        removeDropCounter?.();
        reader.close();
        shutdownReport = owned
          ? telemetry.shutdown(timeoutMillis)
          : telemetry.forceFlush(timeoutMillis);
      }
      return shutdownReport;
    },
  };
}

function startOwnedTelemetry(options: MlsTelemetryOptions): Telemetry {
  const start = { ...options.start };
  if (options.applicationName !== undefined) start.serviceName = options.applicationName;
  if (options.componentName !== undefined) start.componentName = options.componentName;
  if (start.env === undefined && options.env !== undefined) start.env = options.env;
  return startTelemetry(start);
}

/**
 * Reports the drop counters at collection time only, so drops cost nothing between exports.
 * Returns a function that removes the callback.
 */
function registerDropCounter(telemetry: Telemetry, pusher: MetricPusher): () => void {
  const meter = telemetry.metrics.getMeter(SELF_TELEMETRY_METER_NAME);
  const dropped = meter.createObservableCounter(METRIC_MLSTELEMETRY_DROPPED, {
    description: 'Measurements that the mlstelemetry-style pushMetric dropped.',
    unit: '{measurement}',
  });

  const callback = (result: ObservableResult) => {
    const counts = pusher.droppedPushes();
    for (const reason of MLS_DROP_REASONS) {
      if (counts[reason] > 0) {
        result.observe(counts[reason], { [ATTR_TELEMETRY_DROP_REASON]: reason });
      }
    }
  };
  dropped.addCallback(callback);
  return () => dropped.removeCallback(callback);
}

function isLocalReader(value: unknown): value is LocalReader {
  const candidate = value as Partial<LocalReader> | undefined;
  return typeof candidate?.scrape === 'function' && typeof candidate.getSamples === 'function';
}

// JavaScript callers may pass anything; the log record body must be a string.
function asMessage(message: unknown): string {
  return typeof message === 'string' ? message : safeString(message);
}

function asAttributes(attributes: unknown): Attributes | undefined {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    return undefined;
  }
  return attributes as Attributes;
}

function checkInteger(name: string, value: number | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(
      `Invalid option ${name} ${String(value)}: expected an integer of at least ${min}.`,
    );
  }
  return value;
}
