import {
  createAgentEndpointOverride,
  getAgentLocator,
  SETTINGS_FILE_VARIABLE,
  type SettingsFileWatcher,
  type TelemetrySettings,
  watchSettingsFile,
  withEndpointOverride,
} from '@mlsysops/telemetry-core';
import {
  createDefaultLogRecordExporter,
  type LogsHandle,
  type LogsOptions,
  type SeverityFilterProcessor,
} from '@mlsysops/telemetry-logs';
import {
  type AdjustableMetricReader,
  createDefaultMetricExporter,
  type MetricsHandle,
  type MetricsOptions,
} from '@mlsysops/telemetry-metrics';
import {
  type AdjustableSampler,
  createAdjustableSampler,
  createDefaultSpanExporter,
  type TracesOptions,
} from '@mlsysops/telemetry-traces';
import {
  createReconfigurationController,
  type ReconfigurationController,
} from './reconfigure-controller.js';
import { findPreAggregationTargets } from './reconfigure-preaggregation.js';

/** Options of `startTelemetry` for run-time reconfiguration. */
export interface ReconfigurationOptions {
  /**
   * YAML or JSON settings file to watch, such as a key of a mounted ConfigMap; `false` turns
   * watching off. Default: the `MLSYSOPS_SETTINGS_FILE` variable, else none.
   */
  settingsFile?: string | false;
  /** Quiet time after the last file event before the file is read, in milliseconds. Default 200. */
  settingsFileDebounceMillis?: number;
  /** Interval of the periodic re-read of the settings file, in milliseconds. Default 30 000. */
  settingsFileRecheckIntervalMillis?: number;
}

type SignalOptions<T> = T | false | undefined;

/** Signal options of `startTelemetry`, as {@link prepareReconfiguration} reads and returns them. */
export interface ReconfigurableSignalOptions {
  metrics?: SignalOptions<Omit<MetricsOptions, 'settings' | 'resource' | 'env'>>;
  traces?: SignalOptions<Omit<TracesOptions, 'settings' | 'resource' | 'env'>>;
  logs?: SignalOptions<Omit<LogsOptions, 'settings' | 'resource' | 'env'>>;
}

/** Started signal handles, as {@link PreparedReconfiguration.attach} reads them. */
export interface ReconfigurableHandles {
  metrics: MetricsHandle;
  logs: LogsHandle;
}

/** Result of {@link prepareReconfiguration}. */
export interface PreparedReconfiguration<T extends ReconfigurableSignalOptions> {
  /** The signal options with an adjustable sampler and endpoint-aware default exporters. */
  options: T;
  /** Creates the controller over the started handles and starts the settings file watcher. */
  attach(handles: ReconfigurableHandles): AttachedReconfiguration;
}

/** A controller attached to a running pipeline. */
export interface AttachedReconfiguration {
  /** The controller behind `telemetry.reconfigure()`. */
  controller: ReconfigurationController;
  /** Closes the settings file watcher. */
  close(): void;
}

function samplerFor(settings: TelemetrySettings): AdjustableSampler {
  const name = settings.tracesSampler;
  const parentBased = name.startsWith('parentbased_');
  let ratio = settings.tracesSamplerRatio;
  if (name.endsWith('always_on')) ratio = 1;
  if (name.endsWith('always_off')) ratio = 0;
  return createAdjustableSampler({ ratio, parentBased });
}

function settingsFilePath(
  options: ReconfigurationOptions,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const option = options.settingsFile;
  if (option === false) return undefined;
  if (option !== undefined) {
    if (typeof option !== 'string' || option.trim() === '') {
      throw new TypeError(
        `startTelemetry: invalid settingsFile ${JSON.stringify(option)}; expected a file path or false`,
      );
    }
    return option;
  }
  const fromEnv = env[SETTINGS_FILE_VARIABLE]?.trim();
  return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
}

function checkMillis(option: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
    throw new RangeError(
      `startTelemetry: invalid ${option} ${JSON.stringify(value)}; expected an integer number of milliseconds from 0 to 2147483647`,
    );
  }
}

/**
 * Prepares a pipeline for run-time reconfiguration before its signals start. Traces get an
 * adjustable sampler that starts from `tracesSampler` and `tracesSamplerRatio`, unless the
 * application passed a sampler. Each signal gets its default exporter over a locator that
 * applies an endpoint override, unless the application passed an exporter. The metric reader
 * and the log severity filter come from the started handles, and the pre-aggregators from
 * `metrics.metricProducers`.
 */
export function prepareReconfiguration<T extends ReconfigurableSignalOptions>(
  options: T & ReconfigurationOptions,
  settings: TelemetrySettings,
  env: Readonly<Record<string, string | undefined>>,
): PreparedReconfiguration<T> {
  const path = settingsFilePath(options, env);
  checkMillis('settingsFileDebounceMillis', options.settingsFileDebounceMillis);
  checkMillis('settingsFileRecheckIntervalMillis', options.settingsFileRecheckIntervalMillis);
  if (settings.disabled) {
    return {
      options,
      attach: () => ({ controller: createReconfigurationController({}), close: () => {} }),
    };
  }

  const override = createAgentEndpointOverride();
  let overrideUsed = false;
  const locator = () => {
    overrideUsed = true;
    return withEndpointOverride(getAgentLocator(settings), override);
  };

  let sampler: AdjustableSampler | undefined;
  const prepared: T = { ...options };

  if (options.metrics !== false) {
    const metrics = options.metrics ?? {};
    prepared.metrics = {
      ...metrics,
      exporter: metrics.exporter ?? createDefaultMetricExporter(settings, locator()),
    };
  }
  if (options.traces !== false) {
    const traces = options.traces ?? {};
    if (traces.sampler === undefined) sampler = samplerFor(settings);
    prepared.traces = {
      ...traces,
      sampler: traces.sampler ?? sampler,
      exporter: traces.exporter ?? createDefaultSpanExporter(settings, locator()),
    };
  }
  if (options.logs !== false) {
    const logs = options.logs ?? {};
    prepared.logs = {
      ...logs,
      exporter: logs.exporter ?? createDefaultLogRecordExporter(settings, locator()),
    };
  }

  const attach = (handles: ReconfigurableHandles): AttachedReconfiguration => {
    // Read loosely, so a pipeline whose reader or log processor is not adjustable still works.
    const metricReader = (handles.metrics as { reader?: AdjustableMetricReader }).reader;
    const severityFilter = (handles.logs as { severityFilter?: SeverityFilterProcessor })
      .severityFilter;

    // Pre-aggregators reach the pipeline only through metricProducers, so they are found there.
    const metricProducers =
      options.metrics === false ? undefined : options.metrics?.metricProducers;
    const preAggregators = handles.metrics.enabled
      ? findPreAggregationTargets(metricProducers)
      : [];

    let watcher: SettingsFileWatcher | undefined;
    const controller = createReconfigurationController({
      metricReader: handles.metrics.enabled ? metricReader : undefined,
      preAggregators,
      sampler,
      severityFilter: handles.logs.enabled ? severityFilter : undefined,
      endpointOverride: overrideUsed ? override : undefined,
      settingsFileStatus: () => watcher?.status(),
    });

    if (path !== undefined) {
      watcher = watchSettingsFile({
        path,
        apply: (settingsFromFile) => controller.reconfigure(settingsFromFile, 'file'),
        debounceMillis: options.settingsFileDebounceMillis,
        recheckIntervalMillis: options.settingsFileRecheckIntervalMillis,
      });
    }
    return { controller, close: () => watcher?.close() };
  };

  return { options: prepared, attach };
}
