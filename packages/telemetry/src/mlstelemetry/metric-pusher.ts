import type { ComponentLogger } from '@mlsysops/telemetry-core';
import type { Attributes, Counter, Gauge, Meter, ObservableResult } from '@opentelemetry/api';
import { type MlsDroppedPushes, type MlsDropReason, zeroDroppedPushes } from './dropped-pushes.js';
import { safeString } from './safe-string.js';

/** Instrument types of `pushMetric`, spelled as mlstelemetry spells them. */
export type MlsMetricType = 'counter' | 'gauge' | 'async_counter';

/** Instrument details that `pushMetric` applies when it creates the instrument for a name. */
export interface MlsMetricDescriptor {
  /** Instrument description. */
  description?: string;
  /** Instrument unit in UCUM, such as `s`, `By` or `{request}`. */
  unit?: string;
}

/** Limits of {@link MetricPusher}. */
export interface MetricPusherLimits {
  /** Distinct metric names kept. */
  maxInstruments: number;
  /** Attribute sets kept per async counter. */
  maxSeriesPerMetric: number;
}

interface CounterEntry {
  type: 'counter';
  counter: Counter;
}

interface GaugeEntry {
  type: 'gauge';
  gauge: Gauge;
}

interface AsyncCounterEntry {
  type: 'async_counter';
  /** Latest cumulative total per attribute set, keyed by {@link attributesKey}. */
  totals: Map<string, { attributes: Attributes; value: number }>;
}

type InstrumentEntry = CounterEntry | GaugeEntry | AsyncCounterEntry;

// OpenTelemetry instrument name syntax, as the SDK checks it.
const INSTRUMENT_NAME = /^[a-z][a-z0-9_.\-/]{0,254}$/i;

const EMPTY_ATTRIBUTES: Attributes = Object.freeze({});

/**
 * Turns `pushMetric(name, type, value, attributes)` calls into OpenTelemetry instruments,
 * one per name, created on first use. Every rejected push is counted by reason and logged as
 * a rate-limited warning; nothing is thrown.
 */
export class MetricPusher {
  private readonly instruments = new Map<string, InstrumentEntry>();
  private readonly dropped = zeroDroppedPushes();
  private readonly removeCallbacks: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly meter: Meter,
    private readonly limits: MetricPusherLimits,
    private readonly log: ComponentLogger,
  ) {}

  /** Records one measurement; see `MlsTelemetry.pushMetric` for the semantics of each type. */
  push(
    name: string,
    type: MlsMetricType,
    value: number,
    attributes: Attributes | undefined,
    descriptor: MlsMetricDescriptor | undefined,
  ): void {
    if (this.closed) {
      this.drop('shut-down', name, 'pushMetric was called after shutdown()');
      return;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.drop('invalid-value', name, `value ${safeString(value)} is not a finite number`);
      return;
    }
    if (attributes !== undefined && !isPlainObject(attributes)) {
      this.drop('invalid-attributes', name, 'attributes must be a plain object');
      return;
    }

    const entry = this.instruments.get(name) ?? this.create(name, type, descriptor);
    if (entry === undefined) return;
    if (entry.type !== type) {
      this.dropped['type-conflict']++;
      this.log.warnOnce(
        `type-conflict:${name}`,
        `pushMetric dropped "${name}" as ${safeString(type)}: the name is a ${entry.type} already; ` +
          'use another name for the other type. Later conflicts of this name are counted, not logged.',
      );
      return;
    }

    const measured = attributes ?? EMPTY_ATTRIBUTES;
    switch (entry.type) {
      case 'counter':
        if (value < 0) {
          this.drop('negative-value', name, `counter increment ${value} is negative`);
          return;
        }
        entry.counter.add(value, measured);
        return;
      case 'gauge':
        entry.gauge.record(value, measured);
        return;
      case 'async_counter':
        this.setTotal(name, entry, value, measured);
        return;
    }
  }

  /** Returns a copy of the drop counters. */
  droppedPushes(): MlsDroppedPushes {
    return { ...this.dropped };
  }

  /** Number of metric names in use. */
  instrumentCount(): number {
    return this.instruments.size;
  }

  /**
   * Drops every later push, counted as `shut-down`, and removes the async counters'
   * callbacks, so a meter that outlives the facade stops reporting their totals.
   */
  close(): void {
    this.closed = true;
    for (const remove of this.removeCallbacks.splice(0)) remove();
  }

  private create(
    name: string,
    type: MlsMetricType,
    descriptor: MlsMetricDescriptor | undefined,
  ): InstrumentEntry | undefined {
    if (typeof name !== 'string' || !INSTRUMENT_NAME.test(name)) {
      this.drop(
        'invalid-name',
        name,
        'expected a letter followed by up to 254 letters, digits, _ . - or /',
      );
      return undefined;
    }
    if (type !== 'counter' && type !== 'gauge' && type !== 'async_counter') {
      this.drop(
        'unknown-type',
        name,
        `type "${safeString(type)}" is not counter, gauge or async_counter`,
      );
      return undefined;
    }
    if (this.instruments.size >= this.limits.maxInstruments) {
      this.drop(
        'instrument-limit',
        name,
        `maxInstruments (${this.limits.maxInstruments}) names are in use`,
      );
      return undefined;
    }

    const options = { description: descriptor?.description, unit: descriptor?.unit };
    let entry: InstrumentEntry;
    if (type === 'counter') {
      entry = { type, counter: this.meter.createCounter(name, options) };
    } else if (type === 'gauge') {
      entry = { type, gauge: this.meter.createGauge(name, options) };
    } else {
      const asyncEntry: AsyncCounterEntry = { type, totals: new Map() };
      const observable = this.meter.createObservableCounter(name, options);

      // Runs at collection time only: reports every attribute set's latest total, so a
      // cumulative exporter keeps each series alive between pushes.
      const callback = (result: ObservableResult) => {
        for (const total of asyncEntry.totals.values()) {
          result.observe(total.value, total.attributes);
        }
      };
      observable.addCallback(callback);
      this.removeCallbacks.push(() => observable.removeCallback(callback));
      entry = asyncEntry;
    }
    this.instruments.set(name, entry);
    return entry;
  }

  private setTotal(name: string, entry: AsyncCounterEntry, value: number, attributes: Attributes) {
    if (value < 0) {
      this.drop('negative-value', name, `async counter total ${value} is negative`);
      return;
    }

    const key = attributesKey(attributes);
    const current = entry.totals.get(key);
    if (current !== undefined) {
      current.value = value;
      return;
    }
    if (entry.totals.size >= this.limits.maxSeriesPerMetric) {
      this.drop(
        'series-limit',
        name,
        `the async counter keeps maxSeriesPerMetric (${this.limits.maxSeriesPerMetric}) attribute sets already`,
      );
      return;
    }
    // A copy, so that later changes to the caller's object do not move the series.
    entry.totals.set(key, { attributes: { ...attributes }, value });
  }

  private drop(reason: MlsDropReason, name: unknown, detail: string): void {
    this.dropped[reason]++;
    this.log.warnRateLimited(
      `drop:${reason}`,
      `pushMetric dropped a measurement of "${safeString(name)}": ${detail} (${this.dropped[reason]} dropped for ${reason} so far).`,
    );
  }
}

function isPlainObject(value: unknown): value is Attributes {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Returns a key that is equal for attribute sets with equal entries, whatever their order. */
function attributesKey(attributes: Attributes): string {
  const keys = Object.keys(attributes).sort();
  return JSON.stringify(keys.map((key) => [key, attributes[key]]));
}
