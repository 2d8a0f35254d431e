import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { createComponentLogger } from '../diagnostics/component-logger.js';
import type { OtlpSignal } from '../export/export-target.js';
import {
  DEFAULT_ATTRIBUTE_COUNT_LIMIT,
  DEFAULT_BATCH_LOG_RECORD_PROCESSOR,
  DEFAULT_BATCH_SPAN_PROCESSOR,
  DEFAULT_BUFFER_LIMITS,
  DEFAULT_GRPC_PORTS,
  DEFAULT_HTTP_PORTS,
  DEFAULT_LOCAL_ENDPOINT,
  DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS,
  DEFAULT_METRIC_EXPORT_TIMEOUT_MILLIS,
  DEFAULT_PROBE_BUDGET_MILLIS,
  DEFAULT_RETRY_MAX_BACKOFF_MILLIS,
  DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
  OTLP_SIGNALS,
  SERVICE_ACCOUNT_NAMESPACE_FILE,
} from './defaults.js';
import {
  type EnvSource,
  parseEnvBoolean,
  parseEnvInteger,
  parseEnvList,
  parseEnvNumber,
  readEnvString,
} from './env-parsers.js';
import { normalizeLocalEndpoint } from './local-endpoint.js';
import {
  ACCEPTED,
  hasScheme,
  isHostPort,
  isHttpUrl,
  validateTelemetryOptions,
} from './option-checks.js';
import { resolveOtlpSignal } from './otlp-settings.js';
import { ResolveContext } from './resolve-context.js';
import { resolveResourceSettings } from './resource-settings.js';
import type {
  BatchProcessorOptions,
  BatchProcessorSettings,
  BufferLimitSettings,
  DiscoverySettings,
  LocalEndpointSettings,
  LogSeverityName,
  MetricTemporalityPreference,
  OtlpSignalSettings,
  TelemetryOptions,
  TelemetrySettings,
  TracesSamplerName,
} from './types.js';

const logger = createComponentLogger('@mlsysops/telemetry-core/settings');

/** Inputs of {@link resolveSettings} that tests replace. */
export interface ResolveSettingsContext {
  /** Path of the service-account namespace file. Default: the path Kubernetes mounts. */
  serviceAccountNamespaceFile?: string;
}

/** Variables that carry the node address, in the order discovery reads them. */
export const NODE_ADDRESS_VARIABLES = [
  'OTEL_NODE_IP',
  'NODE_IP',
  'HOST_IP',
  'K8S_NODE_IP',
] as const;

function isHostName(text: string): boolean {
  return /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i.test(
    text,
  );
}

function resolveDiscovery(options: TelemetryOptions, context: ResolveContext): DiscoverySettings {
  const env = context.env;
  const own = options.discovery;

  let nodeAddress: DiscoverySettings['nodeAddress'];
  for (const name of NODE_ADDRESS_VARIABLES) {
    const value = readEnvString(env, name);
    if (value === undefined) continue;

    const host = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
    if (isIP(host) !== 0 || isHostName(host)) {
      nodeAddress = { host, source: name };
      context.sources['discovery.nodeAddress'] = name;
      break;
    }
    context.report(`${name}="${value}" is invalid: expected an IP address or host name`);
  }

  let deploymentEndpoint: string | undefined;
  const telemetryEndpoint = readEnvString(env, 'TELEMETRY_ENDPOINT');
  if (telemetryEndpoint !== undefined) {
    if (!hasScheme(telemetryEndpoint) && isHostPort(telemetryEndpoint)) {
      deploymentEndpoint = telemetryEndpoint;
    } else if (isHttpUrl(telemetryEndpoint) && new URL(telemetryEndpoint).port !== '') {
      deploymentEndpoint = new URL(telemetryEndpoint).host;
    } else {
      context.report(`TELEMETRY_ENDPOINT="${telemetryEndpoint}" is invalid: expected host:port`);
    }
    if (deploymentEndpoint !== undefined) {
      context.sources['discovery.deploymentEndpoint'] = 'TELEMETRY_ENDPOINT';
    }
  }

  let envServiceHost = readEnvString(env, 'MLSYSOPS_DISCOVERY_SERVICE_HOST');
  if (envServiceHost !== undefined && !isHostName(envServiceHost) && isIP(envServiceHost) === 0) {
    context.report(
      `MLSYSOPS_DISCOVERY_SERVICE_HOST="${envServiceHost}" is invalid: expected a host name`,
    );
    envServiceHost = undefined;
  }

  return {
    enabled: context.pick(
      'discovery.enabled',
      [
        ['discovery.enabled', own?.enabled],
        [
          'MLSYSOPS_DISCOVERY_ENABLED',
          parseEnvBoolean(env, 'MLSYSOPS_DISCOVERY_ENABLED', context.report),
        ],
      ],
      true,
    ),
    probeBudgetMillis: context.pick(
      'discovery.probeBudgetMillis',
      [
        ['discovery.probeBudgetMillis', own?.probeBudgetMillis],
        [
          'MLSYSOPS_DISCOVERY_PROBE_BUDGET_MILLIS',
          parseEnvInteger(env, 'MLSYSOPS_DISCOVERY_PROBE_BUDGET_MILLIS', context.report, {
            min: 1,
          }),
        ],
      ],
      DEFAULT_PROBE_BUDGET_MILLIS,
    ),
    serviceHost: context.pickOptional('discovery.serviceHost', [
      ['discovery.serviceHost', own?.serviceHost],
      ['MLSYSOPS_DISCOVERY_SERVICE_HOST', envServiceHost],
    ]),
    retryMaxBackoffMillis: context.pick(
      'discovery.retryMaxBackoffMillis',
      [
        ['discovery.retryMaxBackoffMillis', own?.retryMaxBackoffMillis],
        [
          'MLSYSOPS_DISCOVERY_RETRY_MAX_BACKOFF_MILLIS',
          parseEnvInteger(env, 'MLSYSOPS_DISCOVERY_RETRY_MAX_BACKOFF_MILLIS', context.report, {
            min: 100,
          }),
        ],
      ],
      DEFAULT_RETRY_MAX_BACKOFF_MILLIS,
    ),
    httpPorts: context.pick(
      'discovery.httpPorts',
      [
        ['discovery.httpPorts', own?.httpPorts],
        ['MLSYSOPS_DISCOVERY_HTTP_PORTS', parsePorts(context, 'MLSYSOPS_DISCOVERY_HTTP_PORTS')],
      ],
      DEFAULT_HTTP_PORTS,
    ),
    grpcPorts: context.pick(
      'discovery.grpcPorts',
      [
        ['discovery.grpcPorts', own?.grpcPorts],
        ['MLSYSOPS_DISCOVERY_GRPC_PORTS', parsePorts(context, 'MLSYSOPS_DISCOVERY_GRPC_PORTS')],
      ],
      DEFAULT_GRPC_PORTS,
    ),
    localhost: context.pick(
      'discovery.localhost',
      [
        ['discovery.localhost', own?.localhost],
        [
          'MLSYSOPS_DISCOVERY_LOCALHOST',
          parseEnvBoolean(env, 'MLSYSOPS_DISCOVERY_LOCALHOST', context.report),
        ],
      ],
      true,
    ),
    deploymentEndpoint,
    nodeAddress,
  };
}

/** Parses a comma-separated port list; an empty list is valid and turns those probes off. */
function parsePorts(context: ResolveContext, name: string): number[] | undefined {
  const value = context.env[name];
  if (value === undefined) return undefined;

  const entries = parseEnvList(context.env, name) ?? [];
  const ports = entries.map((entry) => (/^\d{1,5}$/.test(entry) ? Number(entry) : Number.NaN));
  if (ports.some((port) => !(port >= 1 && port <= 65_535))) {
    context.report(`${name}="${value}" is invalid: expected comma-separated ports from 1 to 65535`);
    return undefined;
  }
  return ports;
}

function resolveBatch(
  name: 'batchSpanProcessor' | 'batchLogRecordProcessor',
  prefix: 'OTEL_BSP' | 'OTEL_BLRP',
  own: BatchProcessorOptions | undefined,
  defaults: BatchProcessorSettings,
  context: ResolveContext,
): BatchProcessorSettings {
  const read = (suffix: string, min: number) =>
    parseEnvInteger(context.env, `${prefix}_${suffix}`, context.report, { min });

  const settings = {
    scheduledDelayMillis: context.pick(
      `${name}.scheduledDelayMillis`,
      [
        [`${name}.scheduledDelayMillis`, own?.scheduledDelayMillis],
        [`${prefix}_SCHEDULE_DELAY`, read('SCHEDULE_DELAY', 0)],
      ],
      defaults.scheduledDelayMillis,
    ),
    exportTimeoutMillis: context.pick(
      `${name}.exportTimeoutMillis`,
      [
        [`${name}.exportTimeoutMillis`, own?.exportTimeoutMillis],
        [`${prefix}_EXPORT_TIMEOUT`, read('EXPORT_TIMEOUT', 1)],
      ],
      defaults.exportTimeoutMillis,
    ),
    maxQueueSize: context.pick(
      `${name}.maxQueueSize`,
      [
        [`${name}.maxQueueSize`, own?.maxQueueSize],
        [`${prefix}_MAX_QUEUE_SIZE`, read('MAX_QUEUE_SIZE', 1)],
      ],
      defaults.maxQueueSize,
    ),
    maxExportBatchSize: context.pick(
      `${name}.maxExportBatchSize`,
      [
        [`${name}.maxExportBatchSize`, own?.maxExportBatchSize],
        [`${prefix}_MAX_EXPORT_BATCH_SIZE`, read('MAX_EXPORT_BATCH_SIZE', 1)],
      ],
      defaults.maxExportBatchSize,
    ),
  };

  // The SDK batch processors require a batch to fit in the queue.
  if (settings.maxExportBatchSize > settings.maxQueueSize) {
    const batchSource = context.sources[`${name}.maxExportBatchSize`];
    const queueSource = context.sources[`${name}.maxQueueSize`];
    if (batchSource === `${name}.maxExportBatchSize` && queueSource === `${name}.maxQueueSize`) {
      throw new RangeError(
        `Option ${name}.maxExportBatchSize is invalid: ${settings.maxExportBatchSize}; expected at most maxQueueSize (${settings.maxQueueSize})`,
      );
    }
    context.report(
      `${batchSource}=${settings.maxExportBatchSize} is invalid: expected at most the queue size ${settings.maxQueueSize} from ${queueSource}; using ${settings.maxQueueSize}`,
    );
    settings.maxExportBatchSize = settings.maxQueueSize;
  }
  return settings;
}

function resolveBuffer(
  options: TelemetryOptions,
  context: ResolveContext,
): Record<OtlpSignal, BufferLimitSettings> {
  const env = context.env;
  const read = (name: string) => parseEnvInteger(env, name, context.report, { min: 0 });
  const allBytes = read('MLSYSOPS_BUFFER_MAX_BYTES');
  const allItems = read('MLSYSOPS_BUFFER_MAX_ITEMS');
  const result = {} as Record<OtlpSignal, BufferLimitSettings>;

  for (const signal of OTLP_SIGNALS) {
    const upper = signal.toUpperCase();
    const own = options.buffer?.[signal];
    result[signal] = {
      maxBytes: context.pick(
        `buffer.${signal}.maxBytes`,
        [
          [`buffer.${signal}.maxBytes`, own?.maxBytes],
          [`MLSYSOPS_${upper}_BUFFER_MAX_BYTES`, read(`MLSYSOPS_${upper}_BUFFER_MAX_BYTES`)],
          ['MLSYSOPS_BUFFER_MAX_BYTES', allBytes],
        ],
        DEFAULT_BUFFER_LIMITS[signal].maxBytes,
      ),
      maxItems: context.pick(
        `buffer.${signal}.maxItems`,
        [
          [`buffer.${signal}.maxItems`, own?.maxItems],
          [`MLSYSOPS_${upper}_BUFFER_MAX_ITEMS`, read(`MLSYSOPS_${upper}_BUFFER_MAX_ITEMS`)],
          ['MLSYSOPS_BUFFER_MAX_ITEMS', allItems],
        ],
        DEFAULT_BUFFER_LIMITS[signal].maxItems,
      ),
    };
  }
  return result;
}

function resolveLocalEndpoint(
  options: TelemetryOptions,
  context: ResolveContext,
): LocalEndpointSettings {
  const candidates: [string, string | undefined][] = [
    ['localEndpoint', options.localEndpoint],
    ['MLSYSOPS_LOCAL_ENDPOINT', readEnvString(context.env, 'MLSYSOPS_LOCAL_ENDPOINT')],
    ['LOCAL_OTEL_ENDPOINT', readEnvString(context.env, 'LOCAL_OTEL_ENDPOINT')],
  ];

  for (const [source, value] of candidates) {
    if (value === undefined) continue;

    const url = normalizeLocalEndpoint(value);
    if (url !== undefined) {
      context.sources.localEndpoint = source;
      return { url, source };
    }
    context.report(`${source}="${value}" is invalid: expected host:port or an http:// URL`);
  }

  context.sources.localEndpoint = 'default';
  return { url: normalizeLocalEndpoint(DEFAULT_LOCAL_ENDPOINT)!, source: 'default' };
}

function resolveMetricTimes(
  options: TelemetryOptions,
  context: ResolveContext,
): { interval: number; timeout: number } {
  const env = context.env;
  const interval = context.pick(
    'metricExportIntervalMillis',
    [
      ['metricExportIntervalMillis', options.metricExportIntervalMillis],
      [
        'OTEL_METRIC_EXPORT_INTERVAL',
        parseEnvInteger(env, 'OTEL_METRIC_EXPORT_INTERVAL', context.report, { min: 1 }),
      ],
    ],
    DEFAULT_METRIC_EXPORT_INTERVAL_MILLIS,
  );
  let timeout = context.pick(
    'metricExportTimeoutMillis',
    [
      ['metricExportTimeoutMillis', options.metricExportTimeoutMillis],
      [
        'OTEL_METRIC_EXPORT_TIMEOUT',
        parseEnvInteger(env, 'OTEL_METRIC_EXPORT_TIMEOUT', context.report, { min: 1 }),
      ],
    ],
    DEFAULT_METRIC_EXPORT_TIMEOUT_MILLIS,
  );

  // The SDK's periodic reader rejects a timeout longer than the interval.
  if (timeout > interval) {
    const timeoutSource = context.sources.metricExportTimeoutMillis;
    if (timeoutSource === 'metricExportTimeoutMillis') {
      throw new RangeError(
        `Option metricExportTimeoutMillis is invalid: ${timeout}; expected at most metricExportIntervalMillis (${interval})`,
      );
    }
    if (timeoutSource !== 'default') {
      context.report(
        `${timeoutSource}=${timeout} is invalid: expected at most the export interval ${interval} ms; using ${interval}`,
      );
    }
    timeout = interval;
  }
  return { interval, timeout };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * Resolves telemetry settings from options in code and the environment. Precedence, first
 * wins: options in code, `MLSYSOPS_*` variables, standard `OTEL_*` variables, MLSysOps
 * deployment variables (`TELEMETRY_ENDPOINT`, `NODE_IP`, `NODE_HOSTNAME`,
 * `LOCAL_OTEL_ENDPOINT`), defaults. docs/configuration.md lists every option and variable.
 *
 * @throws TypeError or RangeError when an option in code is invalid; the message names the
 *   option, the value and what is accepted. Invalid environment values never throw: each
 *   logs one warning, is listed in `warnings` and falls back to the next source.
 */
export function resolveSettings(
  options: TelemetryOptions = {},
  env: EnvSource = process.env,
  resolveContext: ResolveSettingsContext = {},
): TelemetrySettings {
  validateTelemetryOptions(options);
  const context = new ResolveContext(env, logger);

  const resource = resolveResourceSettings(
    options,
    context,
    resolveContext.serviceAccountNamespaceFile ?? SERVICE_ACCOUNT_NAMESPACE_FILE,
  );

  const disabled = context.pick(
    'disabled',
    [
      ['disabled', options.disabled],
      ['OTEL_SDK_DISABLED', parseEnvBoolean(env, 'OTEL_SDK_DISABLED', context.report)],
    ],
    false,
  );

  const otlp = {} as Record<OtlpSignal, OtlpSignalSettings>;
  for (const signal of OTLP_SIGNALS)
    otlp[signal] = resolveOtlpSignal(signal, options.otlp, context);

  const discovery = resolveDiscovery(options, context);
  const metricTimes = resolveMetricTimes(options, context);

  const metricTemporalityPreference =
    context.pickEnum<MetricTemporalityPreference>(
      'metricTemporalityPreference',
      [
        ['metricTemporalityPreference', options.metricTemporalityPreference],
        [
          'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE',
          readEnvString(env, 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE'),
        ],
      ],
      ACCEPTED.temporality,
    ) ?? 'cumulative';

  const tracesSampler =
    context.pickEnum<TracesSamplerName>(
      'tracesSampler',
      [
        ['tracesSampler', options.tracesSampler],
        ['OTEL_TRACES_SAMPLER', readEnvString(env, 'OTEL_TRACES_SAMPLER')],
      ],
      ACCEPTED.sampler,
    ) ?? 'parentbased_always_on';

  // OTEL_TRACES_SAMPLER_ARG only means a ratio for the ratio samplers.
  const usesRatio = tracesSampler.endsWith('traceidratio');
  const tracesSamplerRatio = context.pick(
    'tracesSamplerRatio',
    [
      ['tracesSamplerRatio', options.tracesSamplerRatio],
      [
        'OTEL_TRACES_SAMPLER_ARG',
        usesRatio
          ? parseEnvNumber(env, 'OTEL_TRACES_SAMPLER_ARG', context.report, 0, 1)
          : undefined,
      ],
    ],
    1,
  );

  const logMinSeverity =
    context.pickEnum<LogSeverityName>(
      'logMinSeverity',
      [
        ['logMinSeverity', options.logMinSeverity],
        ['MLSYSOPS_LOG_LEVEL', readEnvString(env, 'MLSYSOPS_LOG_LEVEL')],
      ],
      ACCEPTED.severity,
    ) ?? 'info';

  const bool = (path: string, option: boolean | undefined, name: string, fallback: boolean) =>
    context.pick(
      path,
      [
        [path, option],
        [name, parseEnvBoolean(env, name, context.report)],
      ],
      fallback,
    );

  const settings: Omit<TelemetrySettings, 'key'> = {
    resource,
    disabled,
    otlp,
    discovery,
    metricExportIntervalMillis: metricTimes.interval,
    metricExportTimeoutMillis: metricTimes.timeout,
    metricTemporalityPreference,
    tracesSampler,
    tracesSamplerRatio,
    batchSpanProcessor: resolveBatch(
      'batchSpanProcessor',
      'OTEL_BSP',
      options.batchSpanProcessor,
      DEFAULT_BATCH_SPAN_PROCESSOR,
      context,
    ),
    batchLogRecordProcessor: resolveBatch(
      'batchLogRecordProcessor',
      'OTEL_BLRP',
      options.batchLogRecordProcessor,
      DEFAULT_BATCH_LOG_RECORD_PROCESSOR,
      context,
    ),
    attributeValueLengthLimit: context.pickOptional('attributeValueLengthLimit', [
      ['attributeValueLengthLimit', options.attributeValueLengthLimit],
      [
        'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
        parseEnvInteger(env, 'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', context.report),
      ],
    ]),
    attributeCountLimit: context.pick(
      'attributeCountLimit',
      [
        ['attributeCountLimit', options.attributeCountLimit],
        [
          'OTEL_ATTRIBUTE_COUNT_LIMIT',
          parseEnvInteger(env, 'OTEL_ATTRIBUTE_COUNT_LIMIT', context.report),
        ],
      ],
      DEFAULT_ATTRIBUTE_COUNT_LIMIT,
    ),
    logMinSeverity,
    logConsole: bool('logConsole', options.logConsole, 'MLSYSOPS_LOG_CONSOLE', false),
    buffer: resolveBuffer(options, context),
    handleSignals: bool('handleSignals', options.handleSignals, 'MLSYSOPS_HANDLE_SIGNALS', true),
    shutdownTimeoutMillis: context.pick(
      'shutdownTimeoutMillis',
      [
        ['shutdownTimeoutMillis', options.shutdownTimeoutMillis],
        [
          'MLSYSOPS_SHUTDOWN_TIMEOUT_MILLIS',
          parseEnvInteger(env, 'MLSYSOPS_SHUTDOWN_TIMEOUT_MILLIS', context.report),
        ],
      ],
      DEFAULT_SHUTDOWN_TIMEOUT_MILLIS,
    ),
    selfTelemetry: bool('selfTelemetry', options.selfTelemetry, 'MLSYSOPS_SELF_TELEMETRY', true),
    localEndpoint: resolveLocalEndpoint(options, context),
    sources: context.sources,
    warnings: context.warnings,
  };

  // The key covers values only, so the same configuration from different sources shares it.
  const { sources: _sources, warnings: _warnings, ...values } = settings;
  const key = createHash('sha256').update(JSON.stringify(values)).digest('hex').slice(0, 32);

  return deepFreeze({ key, ...settings });
}
