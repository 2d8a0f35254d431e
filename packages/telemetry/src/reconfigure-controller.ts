import {
  type AgentEndpointOverride,
  createComponentLogger,
  type LogSeverityName,
  type MetricViewRule,
  RECONFIGURABLE_FIELDS,
  type ReconfigurableField,
  type ReconfigurableSettings,
  ReconfigurationError,
  type ReconfigurationSource,
  type SettingsFileWatcherStatus,
  validateReconfiguration,
} from '@mlsysops/telemetry-core';
import type { SeverityFilterProcessor } from '@mlsysops/telemetry-logs';
import type {
  AdjustableMetricReader,
  PreAggregatedInstrumentInterval,
} from '@mlsysops/telemetry-metrics';
import type { AdjustableSampler } from '@mlsysops/telemetry-traces';
import {
  applyPreAggregationIntervals,
  checkPreAggregationNames,
  describeIntervalChanges,
  type PreAggregationTarget,
  preAggregationWindows,
  requestedPreAggregationIntervals,
} from './reconfigure-preaggregation.js';

const log = createComponentLogger('@mlsysops/telemetry/reconfigure');

/**
 * The run-time adjustable parts of a telemetry pipeline. A missing part means that setting
 * cannot change: its signal is off, or the application passed its own reader, sampler or
 * exporter.
 */
export interface ReconfigurationTargets {
  /** Periodic reader of the metrics pipeline: export interval and view rules. */
  metricReader?: AdjustableMetricReader;
  /** Pre-aggregators whose instrument windows can change, such as those of `createPreAggregator`. */
  preAggregators?: readonly PreAggregationTarget[];
  /** Root sampler of the traces pipeline. */
  sampler?: AdjustableSampler;
  /** Severity filter in front of the log batch processor. */
  severityFilter?: SeverityFilterProcessor;
  /** Endpoint override read by the default exporters of every signal. */
  endpointOverride?: AgentEndpointOverride;
  /** Returns the status of the watched settings file, when there is one. */
  settingsFileStatus?: () => SettingsFileWatcherStatus | undefined;
}

/** Current values of the reconfigurable settings; undefined where the part is not adjustable. */
export interface EffectiveReconfigurableSettings {
  /** Metric export interval in milliseconds. */
  metricExportIntervalMillis: number | undefined;
  /** Metric view rules in force. */
  metricViews: readonly MetricViewRule[] | undefined;
  /**
   * Window length per pre-aggregated instrument, in milliseconds: the last one requested, which
   * takes effect at the boundary of the window in force.
   */
  preAggregationIntervals: Record<string, number> | undefined;
  /** Ratio of new root traces sampled. */
  tracesSamplerRatio: number | undefined;
  /** Minimum severity of exported log records. */
  logMinSeverity: LogSeverityName | undefined;
  /** Endpoint set through reconfiguration, or null when the discovered agent is used. */
  agentEndpoint: string | null | undefined;
}

/** The last reconfiguration that changed something. */
export interface ReconfigurationChange {
  /** Wall-clock time of the change, in milliseconds since the epoch. */
  timeMillis: number;
  /** Origin of the change. */
  source: ReconfigurationSource;
  /** Fields whose value changed. */
  fields: ReconfigurableField[];
}

/** Snapshot returned by {@link ReconfigurationController.status}. */
export interface ReconfigurationStatus {
  /** Current values. */
  settings: EffectiveReconfigurableSettings;
  /** Fields that can change in this pipeline. */
  adjustable: ReconfigurableField[];
  /**
   * Window length in force and any change waiting for its boundary, per pre-aggregated
   * instrument; undefined when no pre-aggregator is adjustable.
   */
  preAggregationWindows: PreAggregatedInstrumentInterval[] | undefined;
  /** The last change, or undefined before the first one. */
  lastChange: ReconfigurationChange | undefined;
  /** Number of calls and file reads that changed at least one field. */
  changes: number;
  /** Status of the watched settings file, or undefined when none is watched. */
  settingsFile: SettingsFileWatcherStatus | undefined;
}

/** Outcome of one {@link ReconfigurationController.reconfigure} call. */
export interface ReconfigureResult {
  /** Fields whose value changed; empty when every value was already in force. */
  changed: ReconfigurableField[];
}

/** Applies partial settings to a running pipeline. */
export interface ReconfigurationController {
  /**
   * Validates `partialSettings` and applies all of it, or throws a `ReconfigurationError`
   * naming the field, the value and what is accepted and applies nothing.
   */
  reconfigure(
    partialSettings: ReconfigurableSettings,
    source?: ReconfigurationSource,
  ): ReconfigureResult;
  /** Returns the current values and the time and source of the last change. */
  status(): ReconfigurationStatus;
}

function describe(value: unknown): string {
  return value === undefined || value === null ? 'discovered agent' : JSON.stringify(value);
}

class Controller implements ReconfigurationController {
  private lastChange: ReconfigurationChange | undefined;
  private changes = 0;

  constructor(private readonly targets: ReconfigurationTargets) {}

  reconfigure(
    partialSettings: ReconfigurableSettings,
    source: ReconfigurationSource = 'code',
  ): ReconfigureResult {
    const settings = validateReconfiguration(partialSettings);
    const adjustable = this.adjustable();

    // Every field is checked before any is applied, so a rejected call changes nothing.
    for (const field of Object.keys(settings) as ReconfigurableField[]) {
      if (!adjustable.includes(field)) {
        const reason =
          field === 'preAggregationIntervals'
            ? 'no pre-aggregator is in metricProducers of the metrics signal'
            : 'its signal is off or uses an application-provided component';
        throw new ReconfigurationError(
          field,
          `Cannot reconfigure ${field}: ${reason}. Adjustable fields here: ${adjustable.join(', ') || 'none'}.`,
        );
      }
    }
    if (settings.preAggregationIntervals !== undefined) {
      checkPreAggregationNames(this.targets.preAggregators ?? [], settings.preAggregationIntervals);
    }

    const before = this.effective();
    this.apply(settings);
    const after = this.effective();

    const changed = RECONFIGURABLE_FIELDS.filter(
      (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
    );
    for (const field of changed) {
      if (field === 'preAggregationIntervals') {
        // One line per instrument, because each one changes at its own window boundary.
        const lines = describeIntervalChanges(
          before.preAggregationIntervals ?? {},
          after.preAggregationIntervals ?? {},
        );
        for (const line of lines) {
          log.info(
            `reconfigured preAggregationIntervals.${line} (source: ${source}; from the next window boundary)`,
          );
        }
        continue;
      }
      log.info(
        `reconfigured ${field}: ${describe(before[field])} -> ${describe(after[field])} (source: ${source})`,
      );
    }
    if (changed.length > 0) {
      this.changes++;
      this.lastChange = { timeMillis: Date.now(), source, fields: changed };
    }
    return { changed };
  }

  status(): ReconfigurationStatus {
    return {
      settings: this.effective(),
      adjustable: this.adjustable(),
      preAggregationWindows: this.hasPreAggregators()
        ? preAggregationWindows(this.targets.preAggregators ?? [])
        : undefined,
      lastChange: this.lastChange === undefined ? undefined : { ...this.lastChange },
      changes: this.changes,
      settingsFile: this.targets.settingsFileStatus?.(),
    };
  }

  private apply(settings: ReconfigurableSettings): void {
    const { metricReader, sampler, severityFilter, endpointOverride } = this.targets;

    if (settings.metricExportIntervalMillis !== undefined) {
      metricReader?.setExportIntervalMillis(settings.metricExportIntervalMillis);
    }
    if (settings.metricViews !== undefined) metricReader?.setViewRules(settings.metricViews);
    if (settings.preAggregationIntervals !== undefined) {
      applyPreAggregationIntervals(
        this.targets.preAggregators ?? [],
        settings.preAggregationIntervals,
      );
    }
    if (settings.tracesSamplerRatio !== undefined) sampler?.setRatio(settings.tracesSamplerRatio);
    if (settings.logMinSeverity !== undefined) {
      severityFilter?.setMinSeverity(settings.logMinSeverity);
    }
    if (settings.agentEndpoint !== undefined) endpointOverride?.set(settings.agentEndpoint);
  }

  private adjustable(): ReconfigurableField[] {
    const { metricReader, sampler, severityFilter, endpointOverride } = this.targets;
    const fields: ReconfigurableField[] = [];
    if (metricReader !== undefined) fields.push('metricExportIntervalMillis', 'metricViews');
    if (this.hasPreAggregators()) fields.push('preAggregationIntervals');
    if (sampler !== undefined) fields.push('tracesSamplerRatio');
    if (severityFilter !== undefined) fields.push('logMinSeverity');
    if (endpointOverride !== undefined) fields.push('agentEndpoint');
    return fields;
  }

  private hasPreAggregators(): boolean {
    return (this.targets.preAggregators?.length ?? 0) > 0;
  }

  private effective(): EffectiveReconfigurableSettings {
    const { metricReader, sampler, severityFilter, endpointOverride } = this.targets;
    return {
      metricExportIntervalMillis: metricReader?.exportIntervalMillis,
      metricViews: metricReader?.viewRules,
      preAggregationIntervals: this.hasPreAggregators()
        ? requestedPreAggregationIntervals(this.targets.preAggregators ?? [])
        : undefined,
      tracesSamplerRatio: sampler?.ratio,
      logMinSeverity: severityFilter?.minSeverity,
      agentEndpoint:
        endpointOverride === undefined ? undefined : (endpointOverride.endpoint ?? null),
    };
  }
}

/** Creates a controller over `targets`; see {@link ReconfigurationController}. */
export function createReconfigurationController(
  targets: ReconfigurationTargets,
): ReconfigurationController {
  return new Controller(targets);
}
