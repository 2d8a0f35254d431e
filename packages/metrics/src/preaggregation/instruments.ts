import type { Attributes } from '@opentelemetry/api';
import { BucketSearch } from './bucket-search.js';
import { InstrumentBase, type InstrumentConfig } from './instrument-base.js';
import { OVERFLOW_SLOT } from './series-index.js';
import type {
  BoundAdder,
  BoundRecorder,
  PreAggregatedCounter,
  PreAggregatedRecorder,
  PreAggregatedUpDownCounter,
} from './types.js';

// The record paths below check a value with `value - value !== 0`, which is true exactly for
// NaN, Infinity and -Infinity, so one comparison covers every non-finite number.

class SumInstrument
  extends InstrumentBase
  implements PreAggregatedCounter, PreAggregatedUpDownCounter
{
  /** True for a counter, which accepts no negative values. */
  readonly monotonic: boolean;

  constructor(config: InstrumentConfig) {
    super(config, { minMax: false, last: false, bucketsPerSeries: 0, exponential: undefined });
    this.monotonic = config.kind === 'counter';
  }

  get name(): string {
    return this.config.name;
  }

  add(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || value - value !== 0 || this.closed) {
      this.reject(value);
      return;
    }
    if (value < 0 && this.monotonic) {
      this.reject(value);
      return;
    }

    this.addAt(this.index.slotFor(attributes), value);
  }

  /** Adds an already validated value to `slot`. */
  addAt(slot: number, value: number): void {
    const cells = this.cells;
    cells.count[slot]! += 1;
    cells.sum[slot]! += value;
    this.countAccepted(slot);
  }

  bind(attributes?: Attributes): BoundAdder {
    return new BoundSum(this, this.index.slotFor(attributes));
  }
}

class BoundSum implements BoundAdder {
  constructor(
    private readonly instrument: SumInstrument,
    private readonly slot: number,
  ) {}

  add(value: number): void {
    const instrument = this.instrument;
    if (typeof value !== 'number' || value - value !== 0 || instrument.closed) {
      instrument.add(value, undefined);
      return;
    }
    if (value < 0 && instrument.monotonic) {
      instrument.add(value, undefined);
      return;
    }
    instrument.addAt(this.slot, value);
  }
}

class HistogramInstrument extends InstrumentBase implements PreAggregatedRecorder {
  private readonly search: BucketSearch;
  private readonly stride: number;

  constructor(config: InstrumentConfig) {
    super(config, {
      minMax: true,
      last: false,
      bucketsPerSeries: config.boundaries.length + 1,
      exponential: undefined,
    });
    this.search = new BucketSearch(Float64Array.from(config.boundaries));
    this.stride = config.boundaries.length + 1;
  }

  get name(): string {
    return this.config.name;
  }

  record(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || value - value !== 0 || this.closed) {
      this.reject(value);
      return;
    }
    this.recordAt(this.index.slotFor(attributes), value);
  }

  /** Records an already validated value on `slot`. */
  recordAt(slot: number, value: number): void {
    const cells = this.cells;
    cells.count[slot]! += 1;
    cells.sum[slot]! += value;
    if (value < cells.min[slot]!) cells.min[slot] = value;
    if (value > cells.max[slot]!) cells.max[slot] = value;
    cells.buckets[slot * this.stride + this.search.indexOf(value)]! += 1;
    this.recorded++;
    if (slot === OVERFLOW_SLOT) this.countOverflow();
  }

  bind(attributes?: Attributes): BoundRecorder {
    return new BoundHistogram(this, this.index.slotFor(attributes));
  }
}

class BoundHistogram implements BoundRecorder {
  constructor(
    private readonly instrument: HistogramInstrument,
    private readonly slot: number,
  ) {}

  record(value: number): void {
    const instrument = this.instrument;
    if (typeof value !== 'number' || value - value !== 0 || instrument.closed) {
      instrument.record(value, undefined);
      return;
    }
    instrument.recordAt(this.slot, value);
  }
}

class ExponentialHistogramInstrument extends InstrumentBase implements PreAggregatedRecorder {
  constructor(config: InstrumentConfig) {
    super(config, {
      minMax: true,
      last: false,
      bucketsPerSeries: 0,
      exponential: config.exponential,
    });
  }

  get name(): string {
    return this.config.name;
  }

  record(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || value - value !== 0 || this.closed) {
      this.reject(value);
      return;
    }
    this.recordAt(this.index.slotFor(attributes), value);
  }

  /** Records an already validated value on `slot`. */
  recordAt(slot: number, value: number): void {
    const cells = this.cells;
    cells.count[slot]! += 1;
    cells.sum[slot]! += value;
    if (value < cells.min[slot]!) cells.min[slot] = value;
    if (value > cells.max[slot]!) cells.max[slot] = value;
    cells.exponential[slot]!.record(value);
    this.countAccepted(slot);
  }

  bind(attributes?: Attributes): BoundRecorder {
    return new BoundRecorderHandle(this, this.index.slotFor(attributes));
  }
}

class GaugeInstrument extends InstrumentBase implements PreAggregatedRecorder {
  constructor(config: InstrumentConfig) {
    super(config, { minMax: true, last: true, bucketsPerSeries: 0, exponential: undefined });
  }

  get name(): string {
    return this.config.name;
  }

  record(value: number, attributes?: Attributes): void {
    if (typeof value !== 'number' || value - value !== 0 || this.closed) {
      this.reject(value);
      return;
    }
    this.recordAt(this.index.slotFor(attributes), value);
  }

  /** Records an already validated value on `slot`. */
  recordAt(slot: number, value: number): void {
    const cells = this.cells;
    cells.count[slot]! += 1;
    cells.sum[slot]! += value;
    if (value < cells.min[slot]!) cells.min[slot] = value;
    if (value > cells.max[slot]!) cells.max[slot] = value;
    cells.last[slot] = value;
    this.countAccepted(slot);
  }

  bind(attributes?: Attributes): BoundRecorder {
    return new BoundRecorderHandle(this, this.index.slotFor(attributes));
  }
}

class BoundRecorderHandle implements BoundRecorder {
  constructor(
    private readonly instrument: ExponentialHistogramInstrument | GaugeInstrument,
    private readonly slot: number,
  ) {}

  record(value: number): void {
    const instrument = this.instrument;
    if (typeof value !== 'number' || value - value !== 0 || instrument.closed) {
      instrument.record(value, undefined);
      return;
    }
    instrument.recordAt(this.slot, value);
  }
}

/** Any pre-aggregated instrument, as the pre-aggregator keeps them. */
export type AnyInstrument =
  | SumInstrument
  | HistogramInstrument
  | ExponentialHistogramInstrument
  | GaugeInstrument;

/** Creates the instrument of `config.kind`. */
export function createInstrument(config: InstrumentConfig): AnyInstrument {
  switch (config.kind) {
    case 'counter':
    case 'upDownCounter':
      return new SumInstrument(config);
    case 'histogram':
      return new HistogramInstrument(config);
    case 'exponentialHistogram':
      return new ExponentialHistogramInstrument(config);
    case 'gauge':
      return new GaugeInstrument(config);
  }
}
