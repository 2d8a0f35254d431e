import { createComponentLogger, type MetricViewRule } from '@mlsysops/telemetry-core';
import { ExportResultCode, internal } from '@opentelemetry/core';
import {
  MetricReader,
  type PeriodicExportingMetricReaderOptions,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import {
  type AdjustableMetricFilter,
  createAdjustableMetricFilter,
  type MetricFilterStats,
} from './adjustable-metric-filter.js';

const log = createComponentLogger('@mlsysops/telemetry-metrics/adjustable-metric-reader');

/** Default export interval, in milliseconds, as the OpenTelemetry SDK sets it. */
const DEFAULT_INTERVAL_MILLIS = 60_000;

/** Default export timeout, in milliseconds, as the OpenTelemetry SDK sets it. */
const DEFAULT_TIMEOUT_MILLIS = 30_000;

/** Largest delay `setTimeout` accepts, in milliseconds. */
const MAX_TIMER_MILLIS = 2_147_483_647;

/**
 * Options of {@link createAdjustableMetricReader}: those of the SDK's
 * `PeriodicExportingMetricReader` without `maxExportBatchSize`, plus the initial view rules.
 */
export interface AdjustableMetricReaderOptions
  extends Omit<PeriodicExportingMetricReaderOptions, 'maxExportBatchSize'> {
  /** View rules applied to each collection before export. Default: none. */
  viewRules?: readonly MetricViewRule[];
}

function checkInterval(option: string, value: unknown): number {
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value <= 0 ||
    value > MAX_TIMER_MILLIS
  ) {
    throw new RangeError(
      `Invalid ${option}: ${JSON.stringify(value)}; expected an integer number of milliseconds from 1 to ${MAX_TIMER_MILLIS}.`,
    );
  }
  return value;
}

/**
 * A push metric reader like the SDK's `PeriodicExportingMetricReader`, whose export interval
 * and view rules can change at run time. The SDK reader keeps its interval in a private
 * `setInterval` with no setter (sdk-metrics 3.1.1), which is why this reader exists.
 */
export class AdjustableMetricReader extends MetricReader {
  private readonly exporter: PushMetricExporter;
  private readonly configuredTimeoutMillis: number;
  private readonly filter: AdjustableMetricFilter;
  private intervalMillis: number;
  private timer: NodeJS.Timeout | undefined;
  private nextExportMillis = 0;
  private ongoing: Promise<void> | undefined;
  private started = false;
  private stopped = false;

  constructor(options: AdjustableMetricReaderOptions) {
    const { exporter, metricProducers, cardinalityLimits } = options;
    const limits = { default: 2_000, ...cardinalityLimits };
    super({
      aggregationSelector: exporter.selectAggregation?.bind(exporter),
      aggregationTemporalitySelector: exporter.selectAggregationTemporality?.bind(exporter),
      otelComponentType: 'periodic_metric_reader',
      metricProducers,
      cardinalitySelector: (instrumentType) => {
        const key = instrumentType
          .toLowerCase()
          .replace(/_(\w)/g, (_, letter: string) => letter.toUpperCase()) as keyof typeof limits;
        return limits[key] ?? limits.default;
      },
    });

    this.exporter = exporter;
    this.intervalMillis = checkInterval(
      'exportIntervalMillis',
      options.exportIntervalMillis ?? DEFAULT_INTERVAL_MILLIS,
    );
    this.configuredTimeoutMillis = checkInterval(
      'exportTimeoutMillis',
      options.exportTimeoutMillis ?? DEFAULT_TIMEOUT_MILLIS,
    );
    this.filter = createAdjustableMetricFilter(options.viewRules ?? []);
  }

  /** The export interval in force, in milliseconds. */
  get exportIntervalMillis(): number {
    return this.intervalMillis;
  }

  /** Time limit of one export: the configured timeout, at most the interval, in milliseconds. */
  get exportTimeoutMillis(): number {
    return Math.min(this.configuredTimeoutMillis, this.intervalMillis);
  }

  /** The view rules in force. */
  get viewRules(): readonly MetricViewRule[] {
    return this.filter.rules;
  }

  /**
   * Sets the export interval. The export already scheduled still runs at its time unless
   * `now + intervalMillis` comes first; later exports follow the new interval. Collection
   * is cumulative or delta as before, so no recorded measurement is lost. Throws a
   * `RangeError` for a value that is not a positive integer.
   */
  setExportIntervalMillis(intervalMillis: number): void {
    this.intervalMillis = checkInterval('exportIntervalMillis', intervalMillis);
    if (!this.started || this.stopped) return;

    this.schedule(Math.min(this.nextExportMillis, Date.now() + this.intervalMillis));
  }

  /** Replaces the view rules; the next export applies them. */
  setViewRules(rules: readonly MetricViewRule[]): void {
    this.filter.setRules(rules);
  }

  /** Returns the data points dropped and merged by the view rules since start. */
  viewStats(): MetricFilterStats {
    return this.filter.stats();
  }

  protected override onInitialized(): void {
    this.started = true;
    this.schedule(Date.now() + this.intervalMillis);
  }

  protected override async onForceFlush(): Promise<void> {
    await this.ongoing;
    await this.exportOnce();
    await this.exporter.forceFlush();
  }

  protected override async onShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;

    await this.onForceFlush();
    await this.exporter.shutdown();
  }

  private schedule(atMillis: number): void {
    clearTimeout(this.timer);
    this.nextExportMillis = atMillis;
    this.timer = setTimeout(() => this.tick(), Math.max(0, atMillis - Date.now()));
    // Export timers must never keep the process alive.
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped) return;

    // Fixed rate: the next export is one interval after this one was due, not after it ended.
    this.schedule(Math.max(this.nextExportMillis + this.intervalMillis, Date.now()));
    if (this.ongoing !== undefined) {
      log.debug('an export is still running; this interval is skipped');
      return;
    }
    void this.exportOnce();
  }

  private exportOnce(): Promise<void> {
    const run = this.collectAndExport()
      .catch((error: unknown) => {
        log.warnRateLimited('export', `metric export failed: ${String(error)}`);
      })
      .finally(() => {
        if (this.ongoing === run) this.ongoing = undefined;
      });
    this.ongoing = run;
    return run;
  }

  private async collectAndExport(): Promise<void> {
    const timeoutMillis = this.exportTimeoutMillis;
    const { resourceMetrics, errors } = await this.collect({ timeoutMillis });
    if (errors.length > 0) {
      log.warnRateLimited(
        'collect',
        `metric collection reported ${errors.length} error(s): ${String(errors[0])}`,
      );
    }
    if (resourceMetrics.resource.asyncAttributesPending) {
      await resourceMetrics.resource.waitForAsyncAttributes?.();
    }

    const filtered = this.filter.apply(resourceMetrics);
    if (filtered.scopeMetrics.length === 0) return;

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMillis} ms`)),
        timeoutMillis,
      );
      timer.unref();
    });
    try {
      const result = await Promise.race([internal._export(this.exporter, filtered), timeout]);
      if (result.code !== ExportResultCode.SUCCESS) {
        throw new Error(result.error?.message ?? 'the exporter reported a failure');
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Creates an {@link AdjustableMetricReader}. Throws a `RangeError` naming the option when
 * `exportIntervalMillis` or `exportTimeoutMillis` is not a positive integer.
 */
export function createAdjustableMetricReader(
  options: AdjustableMetricReaderOptions,
): AdjustableMetricReader {
  return new AdjustableMetricReader(options);
}
