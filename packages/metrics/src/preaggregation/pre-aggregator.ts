import { createComponentLogger } from '@mlsysops/telemetry-core';
import { emptyResource } from '@opentelemetry/resources';
import type { CollectionResult, MetricData, MetricProducer } from '@opentelemetry/sdk-metrics';
import { countDataPoints, toMetricData } from './data-points.js';
import type { InstrumentKind } from './instrument-base.js';
import { type AnyInstrument, createInstrument } from './instruments.js';
import {
  checkIntervalChange,
  type ResolvedPreAggregatorOptions,
  resolveInstrumentConfig,
  resolvePreAggregatorOptions,
} from './options.js';
import type {
  ExponentialHistogramOptions,
  PreAggregatedCounter,
  PreAggregatedGaugeOptions,
  PreAggregatedHistogramOptions,
  PreAggregatedInstrumentInterval,
  PreAggregatedInstrumentOptions,
  PreAggregatedRecorder,
  PreAggregatedUpDownCounter,
  PreAggregatorOptions,
  PreAggregatorStats,
} from './types.js';
import { WindowScheduler } from './window-scheduler.js';

const LOGGER_NAMESPACE = '@mlsysops/telemetry-metrics/preaggregation';

/**
 * An in-process aggregation layer for high-rate measurements. It is a `MetricProducer`: pass
 * it in `metricProducers` of a metric reader, and its results leave in the same exports as the
 * SDK's metrics, with the SDK's resource.
 */
export interface PreAggregator extends MetricProducer {
  /** Returns the monotonic counter `name`, creating it on first use. */
  counter(name: string, options?: PreAggregatedInstrumentOptions): PreAggregatedCounter;
  /** Returns the up-down counter `name`, creating it on first use. */
  upDownCounter(name: string, options?: PreAggregatedInstrumentOptions): PreAggregatedUpDownCounter;
  /** Returns the histogram `name` (explicit buckets unless `aggregation: 'exponential'`), creating it on first use. */
  histogram(name: string, options?: PreAggregatedHistogramOptions): PreAggregatedRecorder;
  /** Returns the gauge `name`, summarised per window as last, min, max, sum and count. */
  gauge(name: string, options?: PreAggregatedGaugeOptions): PreAggregatedRecorder;
  /** Returns the windows closed since the previous call as OTLP metric data. */
  collect(): Promise<CollectionResult>;
  /**
   * Closes the current window of every instrument, so the next `collect()` includes the
   * measurements so far. Call it before the reader's or provider's `forceFlush()`.
   */
  forceFlush(): Promise<void>;
  /**
   * Closes the last windows, stops the window timers and drops (and counts) later
   * measurements. Call it before the reader's or provider's `shutdown()`, whose final
   * collection then exports the last windows.
   */
  shutdown(): Promise<void>;
  /** Returns recorded, dropped, overflowed and exported counts, and the window length of each instrument. */
  stats(): PreAggregatorStats;
  /**
   * Changes the window length of the instrument `name` to `intervalMillis` milliseconds. The
   * window in force still closes at the next boundary of the current interval. From there on,
   * windows close at the aligned boundaries of the new interval (`k * intervalMillis + offset`),
   * so the first window after the change can be shorter than the new interval. No measurement
   * is lost or counted twice, and cumulative totals continue. A second call before that
   * boundary replaces the first, and the interval in force cancels a waiting change. After
   * `shutdown()` the value only updates `intervals()`.
   *
   * Throws a `TypeError` when `intervalMillis` is not a number, and a `RangeError` when it is
   * not an integer from 1 to 2147483647 or when no instrument is named `name`.
   */
  setIntervalMillis(name: string, intervalMillis: number): void;
  /** Returns the window length in force, and a waiting change, of every instrument. */
  intervals(): PreAggregatedInstrumentInterval[];
}

/** Instruments named in the not-found error of `setIntervalMillis`, at most. */
const LISTED_INSTRUMENTS = 20;

class PreAggregatorImpl implements PreAggregator {
  private readonly instruments = new Map<string, AnyInstrument>();
  private readonly scheduler: WindowScheduler;
  private closed = false;
  // One logger per pre-aggregator, so its rate limits do not hold back another one's warnings.
  private readonly logger = createComponentLogger(LOGGER_NAMESPACE);

  constructor(private readonly options: ResolvedPreAggregatorOptions) {
    const logger = this.logger;
    this.scheduler = new WindowScheduler(
      options.now,
      (intervalMillis) => {
        if (options.windowOffsetMillis !== undefined) {
          return options.windowOffsetMillis % intervalMillis;
        }
        return Math.floor((options.windowOffsetFraction ?? 0) * intervalMillis);
      },
      (error) => logger.error('Closing a pre-aggregation window failed.', error),
    );
  }

  counter(name: string, options: PreAggregatedInstrumentOptions = {}): PreAggregatedCounter {
    return this.instrument('counter', name, options) as PreAggregatedCounter;
  }

  upDownCounter(
    name: string,
    options: PreAggregatedInstrumentOptions = {},
  ): PreAggregatedUpDownCounter {
    return this.instrument('upDownCounter', name, options) as PreAggregatedUpDownCounter;
  }

  histogram(name: string, options: PreAggregatedHistogramOptions = {}): PreAggregatedRecorder {
    const aggregation = options.aggregation ?? 'explicit';
    if (aggregation !== 'explicit' && aggregation !== 'exponential') {
      throw new Error(
        `Invalid pre-aggregation option aggregation: ${JSON.stringify(aggregation)}; expected 'explicit' or 'exponential'.`,
      );
    }
    const kind = aggregation === 'exponential' ? 'exponentialHistogram' : 'histogram';
    return this.instrument(kind, name, options) as PreAggregatedRecorder;
  }

  gauge(name: string, options: PreAggregatedGaugeOptions = {}): PreAggregatedRecorder {
    return this.instrument('gauge', name, options) as PreAggregatedRecorder;
  }

  async collect(): Promise<CollectionResult> {
    const metrics: MetricData[] = [];
    const errors: unknown[] = [];

    for (const instrument of this.instruments.values()) {
      const pending = instrument.takePending();
      if (pending === undefined) continue;

      try {
        const data = toMetricData(instrument, pending);
        instrument.exportedPoints += countDataPoints(data);
        for (const metric of data) {
          if (metric.dataPoints.length > 0) metrics.push(metric);
        }
      } catch (error) {
        errors.push(error);
      }
      instrument.release(pending);
    }

    const scope = { name: this.options.scopeName, version: this.options.scopeVersion };
    return {
      resourceMetrics: {
        resource: emptyResource(),
        scopeMetrics: metrics.length > 0 ? [{ scope, metrics }] : [],
      },
      errors,
    };
  }

  async forceFlush(): Promise<void> {
    if (this.closed) return;
    this.scheduler.closeAll();
  }

  async shutdown(): Promise<void> {
    if (this.closed) return;

    this.scheduler.closeAll();
    this.scheduler.stop();
    this.closed = true;
    for (const instrument of this.instruments.values()) instrument.closed = true;
  }

  stats(): PreAggregatorStats {
    const stats: PreAggregatorStats = {
      recorded: 0,
      dropped: { notNumber: 0, nonFinite: 0, negative: 0, afterShutdown: 0 },
      overflowed: 0,
      exportedPoints: 0,
      instruments: [],
    };
    for (const instrument of this.instruments.values()) {
      const item = instrument.stats(this.scheduler.pendingIntervalOf(instrument));
      stats.recorded += item.recorded;
      stats.dropped.notNumber += item.dropped.notNumber;
      stats.dropped.nonFinite += item.dropped.nonFinite;
      stats.dropped.negative += item.dropped.negative;
      stats.dropped.afterShutdown += item.dropped.afterShutdown;
      stats.overflowed += item.overflowed;
      stats.exportedPoints += item.exportedPoints;
      stats.instruments.push(item);
    }
    return stats;
  }

  setIntervalMillis(name: string, intervalMillis: number): void {
    const instrument = this.findInstrument(name);
    const checked = checkIntervalChange(name, intervalMillis);
    this.scheduler.move(instrument, checked);
  }

  intervals(): PreAggregatedInstrumentInterval[] {
    const result: PreAggregatedInstrumentInterval[] = [];
    for (const instrument of this.instruments.values()) {
      result.push({
        name: instrument.config.name,
        intervalMillis: instrument.config.intervalMillis,
        pendingIntervalMillis: this.scheduler.pendingIntervalOf(instrument),
      });
    }
    return result;
  }

  private findInstrument(name: string): AnyInstrument {
    if (typeof name !== 'string') {
      throw new TypeError(
        `Invalid pre-aggregated instrument name ${JSON.stringify(name) ?? String(name)}; expected a string.`,
      );
    }

    const instrument = this.instruments.get(name);
    if (instrument === undefined) {
      const names = [...this.instruments.keys()];
      let listed = names.slice(0, LISTED_INSTRUMENTS).join(', ') || 'none';
      if (names.length > LISTED_INSTRUMENTS) {
        listed += `, and ${names.length - LISTED_INSTRUMENTS} more`;
      }
      throw new RangeError(
        `Pre-aggregated instrument ${JSON.stringify(name)} not found. Create it first, or use one of the existing instruments: ${listed}.`,
      );
    }
    return instrument;
  }

  private instrument(
    kind: InstrumentKind,
    name: string,
    options: PreAggregatedInstrumentOptions | ExponentialHistogramOptions,
  ): AnyInstrument {
    const existing = this.instruments.get(name);
    if (existing !== undefined) {
      if (existing.config.kind !== kind) {
        throw new Error(
          `Invalid pre-aggregated instrument ${name}: it already exists as a ${existing.config.kind}, not a ${kind}. Use another name.`,
        );
      }
      return existing;
    }

    const config = resolveInstrumentConfig(kind, name, options, this.options, this.logger);
    const instrument = createInstrument(config);
    instrument.closed = this.closed;
    this.instruments.set(name, instrument);
    this.scheduler.add(instrument, config.intervalMillis);
    return instrument;
  }
}

/**
 * Creates a pre-aggregator. Throws when an option is invalid, naming the option, the value and
 * what it accepts.
 *
 * @example
 * const preAggregator = createPreAggregator({ intervalMillis: 30_000 });
 * const reader = new PeriodicExportingMetricReader({ exporter, metricProducers: [preAggregator] });
 * const latency = preAggregator.histogram('inference.duration', { unit: 'ms' });
 * latency.record(12.5, { 'model.name': 'resnet' });
 */
export function createPreAggregator(options: PreAggregatorOptions = {}): PreAggregator {
  return new PreAggregatorImpl(resolvePreAggregatorOptions(options));
}
