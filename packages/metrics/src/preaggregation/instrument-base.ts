import type { ComponentLogger } from '@mlsysops/telemetry-core';
import type { HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { type CellLayout, Cells } from './cells.js';
import { type AttributeFilter, OVERFLOW_SLOT, SeriesIndex } from './series-index.js';
import type {
  GaugeStatistic,
  PreAggregatedInstrumentStats,
  PreAggregationTemporality,
} from './types.js';

/** Kinds of pre-aggregated instruments. */
export type InstrumentKind =
  | 'counter'
  | 'upDownCounter'
  | 'histogram'
  | 'exponentialHistogram'
  | 'gauge';

/** Resolved, validated configuration of one instrument. */
export interface InstrumentConfig {
  name: string;
  description: string;
  unit: string;
  kind: InstrumentKind;
  /** Window length in force, in milliseconds. A `setIntervalMillis` change updates it at the boundary. */
  intervalMillis: number;
  temporality: PreAggregationTemporality;
  cardinalityLimit: number;
  filter: AttributeFilter;
  boundaries: readonly number[];
  exponential: { maxSize: number; maxScale: number } | undefined;
  statistics: readonly GaugeStatistic[];
  now: () => number;
  logger: ComponentLogger;
}

/** One closed, not yet exported aggregation result. */
export interface PendingWindow {
  cells: Cells;
  /** Slots in use when the window closed. */
  length: number;
  /** Start of the first merged window, in epoch milliseconds. */
  startMillis: number;
  /** End of the last merged window, in epoch milliseconds. */
  endMillis: number;
}

/** First capacity of the per-series arrays, which double up to the cardinality limit. */
const INITIAL_CAPACITY = 16;

/**
 * Series index, per-window cells and counters shared by every instrument kind. Subclasses add
 * the record path that writes `cells` for their aggregation.
 */
export abstract class InstrumentBase {
  readonly index: SeriesIndex;
  cells: Cells;
  closed = false;

  recorded = 0;
  overflowed = 0;
  notNumber = 0;
  nonFinite = 0;
  negative = 0;
  afterShutdown = 0;
  exportedPoints = 0;

  /** Start time of each series, which is its first measurement or `bind()`. */
  readonly seriesStartTimes: HrTime[] = [];

  private pending: PendingWindow | undefined;
  private spare: Cells | undefined;
  private windowStartMillis: number;
  private recordedAtClose = 0;
  private readonly resetsEachWindow: boolean;
  private readonly warningKey: string;

  constructor(
    readonly config: InstrumentConfig,
    layout: CellLayout,
  ) {
    const limit = config.cardinalityLimit;
    this.cells = new Cells(layout, Math.min(INITIAL_CAPACITY, limit + 1));
    this.index = new SeriesIndex(limit, config.filter, (slot) => this.onSeriesCreated(slot));
    this.windowStartMillis = config.now();
    this.seriesStartTimes.push(millisToHrTime(this.windowStartMillis));
    this.resetsEachWindow = config.temporality === 'delta' || config.kind === 'gauge';
    this.warningKey = `invalid-value:${config.name}`;
  }

  /** Counts an accepted measurement, and an overflow when it went to the overflow slot. */
  protected countAccepted(slot: number): void {
    this.recorded++;
    if (slot === OVERFLOW_SLOT) this.countOverflow();
  }

  /** Counts a measurement that went to the overflow series. */
  protected countOverflow(): void {
    this.overflowed++;
    this.warnOverflow();
  }

  /** Counts a rejected measurement by reason and logs one rate-limited warning. */
  protected reject(value: unknown): void {
    let reason: string;
    if (this.closed) {
      this.afterShutdown++;
      reason = 'the pre-aggregator is shut down';
    } else if (typeof value !== 'number') {
      this.notNumber++;
      reason = `the value is of type ${typeof value}, not number`;
    } else if (value - value !== 0) {
      this.nonFinite++;
      reason = `the value ${value} is not finite`;
    } else {
      this.negative++;
      reason = `the value ${value} is negative, which a monotonic counter does not accept`;
    }
    this.config.logger.warnRateLimited(
      this.warningKey,
      `Dropped a measurement of ${this.config.name}: ${reason}. Dropped measurements are counted in stats().dropped.`,
    );
  }

  /**
   * Ends the current window at `nowMillis`. Cumulative sums and histograms keep accumulating
   * and hand over a copy. Delta sums and histograms, and gauges, hand over the window itself
   * and start again from zero. Windows that no reader collected yet are merged.
   */
  closeWindow(nowMillis: number): void {
    const length = this.index.size;
    const hasData = this.recorded !== this.recordedAtClose;
    this.recordedAtClose = this.recorded;

    if (!this.resetsEachWindow) {
      if (hasData || this.pending === undefined) {
        this.pending = {
          cells: this.cells.clone(length),
          length,
          startMillis: this.windowStartMillis,
          endMillis: nowMillis,
        };
      } else {
        this.pending.endMillis = nowMillis;
      }
      this.windowStartMillis = nowMillis;
      return;
    }

    if (!hasData) {
      if (this.pending !== undefined) this.pending.endMillis = nowMillis;
      else this.windowStartMillis = nowMillis;
      return;
    }

    if (this.pending === undefined) {
      const window = this.cells;
      const next = this.spare ?? new Cells(window.layout, window.capacity);
      next.grow(window.capacity);
      this.spare = undefined;
      this.cells = next;
      this.pending = {
        cells: window,
        length,
        startMillis: this.windowStartMillis,
        endMillis: nowMillis,
      };
    } else {
      this.pending.cells.merge(this.cells, length);
      this.pending.length = length;
      this.pending.endMillis = nowMillis;
      this.cells.reset(length);
    }
    this.windowStartMillis = nowMillis;
  }

  /**
   * Returns the closed windows to export, or undefined when there are none. A cumulative
   * snapshot stays in place until the next window closes, so every reader that collects (an
   * OTLP reader and a Prometheus pull reader, say) gets the same totals. Delta windows and
   * gauge windows are removed: they go to the first reader that collects.
   */
  takePending(): PendingWindow | undefined {
    const pending = this.pending;
    if (this.resetsEachWindow) this.pending = undefined;
    return pending;
  }

  /** Takes back the cells of an exported window once its data points are built, for reuse. */
  release(pending: PendingWindow): void {
    if (!this.resetsEachWindow || this.spare !== undefined) return;

    pending.cells.reset(pending.length);
    this.spare = pending.cells;
  }

  /** Starts the windows of `intervalMillis`, called by the scheduler when a move takes effect. */
  onIntervalMoved(intervalMillis: number): void {
    this.config.intervalMillis = intervalMillis;
  }

  /** Returns the statistics of this instrument, with the interval a move waits to start. */
  stats(pendingIntervalMillis: number | undefined): PreAggregatedInstrumentStats {
    return {
      name: this.config.name,
      intervalMillis: this.config.intervalMillis,
      pendingIntervalMillis,
      recorded: this.recorded,
      dropped: {
        notNumber: this.notNumber,
        nonFinite: this.nonFinite,
        negative: this.negative,
        afterShutdown: this.afterShutdown,
      },
      overflowed: this.overflowed,
      series: this.index.seriesCount,
      exportedPoints: this.exportedPoints,
    };
  }

  /** Warns once when the cardinality limit is first reached. */
  private warnOverflow(): void {
    if (this.overflowed > 1) return;

    this.config.logger.warnOnce(
      `overflow:${this.config.name}`,
      `${this.config.name} reached its cardinality limit of ${this.config.cardinalityLimit} attribute sets; further attribute sets are aggregated into the series otel.metric.overflow=true. Raise cardinalityLimit or drop attribute keys to avoid this.`,
    );
  }

  private onSeriesCreated(slot: number): void {
    if (slot >= this.cells.capacity) {
      const capacity = Math.min(this.cells.capacity * 2, this.config.cardinalityLimit + 1);
      this.cells.grow(Math.max(capacity, slot + 1));
    }
    this.seriesStartTimes[slot] = millisToHrTime(this.config.now());
  }
}
