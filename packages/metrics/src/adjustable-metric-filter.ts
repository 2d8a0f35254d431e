import type { MetricViewRule } from '@mlsysops/telemetry-core';
import type { Attributes } from '@opentelemetry/api';
import {
  type DataPoint,
  DataPointType,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
  type ScopeMetrics,
} from '@opentelemetry/sdk-metrics';

/** Counts of data points changed by an {@link AdjustableMetricFilter} since it was created. */
export interface MetricFilterStats {
  /** Data points removed because a rule drops their instrument. */
  droppedPoints: number;
  /** Data points merged into another one after attribute keys were removed. */
  mergedPoints: number;
}

/**
 * A view filter applied to collected metrics before export, whose rules can change at run
 * time. The first rule whose pattern matches an instrument name applies to it.
 */
export interface AdjustableMetricFilter {
  /** The rules in force. */
  readonly rules: readonly MetricViewRule[];
  /** Replaces the rules; the next collection uses them. */
  setRules(rules: readonly MetricViewRule[]): void;
  /** Returns `metrics` with the rules applied, or `metrics` itself when there are no rules. */
  apply(metrics: ResourceMetrics): ResourceMetrics;
  /** Returns the dropped and merged data point counts. */
  stats(): MetricFilterStats;
}

interface CompiledRule {
  pattern: RegExp;
  rule: MetricViewRule;
  keep: ReadonlySet<string> | undefined;
  exclude: ReadonlySet<string>;
}

function compile(rule: MetricViewRule): CompiledRule {
  const source = rule.instrument
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return {
    pattern: new RegExp(`^${source}$`),
    rule,
    keep: rule.attributeKeys === undefined ? undefined : new Set(rule.attributeKeys),
    exclude: new Set(rule.excludeAttributeKeys ?? []),
  };
}

function filterAttributes(attributes: Attributes, rule: CompiledRule): Attributes {
  const result: Attributes = {};
  for (const key of Object.keys(attributes)) {
    if (rule.keep !== undefined && !rule.keep.has(key)) continue;
    if (rule.exclude.has(key)) continue;
    result[key] = attributes[key];
  }
  return result;
}

function attributesKey(attributes: Attributes): string {
  return JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((key) => [key, attributes[key]]),
  );
}

function earlier(a: [number, number], b: [number, number]): [number, number] {
  return a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]) ? a : b;
}

function later(a: [number, number], b: [number, number]): [number, number] {
  return earlier(a, b) === a ? b : a;
}

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function maxOf(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function mergeHistograms(a: Histogram, b: Histogram): Histogram {
  const sameBoundaries =
    a.buckets.boundaries.length === b.buckets.boundaries.length &&
    a.buckets.boundaries.every((bound, index) => bound === b.buckets.boundaries[index]);
  // The SDK gives every series of one instrument the same boundaries, so this holds.
  const counts = sameBoundaries
    ? a.buckets.counts.map((count, index) => count + (b.buckets.counts[index] ?? 0))
    : a.buckets.counts;
  return {
    buckets: { boundaries: a.buckets.boundaries, counts },
    count: a.count + b.count,
    sum: a.sum === undefined || b.sum === undefined ? undefined : a.sum + b.sum,
    min: minOf(a.min, b.min),
    max: maxOf(a.max, b.max),
  };
}

type ExponentialBuckets = ExponentialHistogram['positive'];

/** Adds `buckets` at `fromScale` into `into` at `toScale` (<= fromScale), keyed by bucket index. */
function addBuckets(
  into: Map<number, number>,
  buckets: ExponentialBuckets,
  fromScale: number,
  toScale: number,
): void {
  const shift = fromScale - toScale;
  buckets.bucketCounts.forEach((count, position) => {
    if (count === 0) return;
    // Halving the scale maps index i to floor(i / 2); `>>` floors for negative indexes too.
    const index = (buckets.offset + position) >> shift;
    into.set(index, (into.get(index) ?? 0) + count);
  });
}

function toBuckets(counts: Map<number, number>): ExponentialBuckets {
  if (counts.size === 0) return { offset: 0, bucketCounts: [] };

  const indexes = [...counts.keys()];
  const low = Math.min(...indexes);
  const high = Math.max(...indexes);
  const bucketCounts = new Array<number>(high - low + 1).fill(0);
  for (const [index, count] of counts) bucketCounts[index - low] = count;
  return { offset: low, bucketCounts };
}

function mergeExponential(a: ExponentialHistogram, b: ExponentialHistogram): ExponentialHistogram {
  const scale = Math.min(a.scale, b.scale);
  const positive = new Map<number, number>();
  const negative = new Map<number, number>();
  addBuckets(positive, a.positive, a.scale, scale);
  addBuckets(positive, b.positive, b.scale, scale);
  addBuckets(negative, a.negative, a.scale, scale);
  addBuckets(negative, b.negative, b.scale, scale);

  return {
    count: a.count + b.count,
    sum: a.sum === undefined || b.sum === undefined ? undefined : a.sum + b.sum,
    min: minOf(a.min, b.min),
    max: maxOf(a.max, b.max),
    scale,
    zeroCount: a.zeroCount + b.zeroCount,
    positive: toBuckets(positive),
    negative: toBuckets(negative),
  };
}

/** Merges `b` into `a`, where both belong to one metric of type `type`. */
function mergePoint(
  type: DataPointType,
  a: DataPoint<unknown>,
  b: DataPoint<unknown>,
): DataPoint<unknown> {
  const startTime = earlier(a.startTime, b.startTime);
  const endTime = later(a.endTime, b.endTime);

  let value: unknown;
  switch (type) {
    case DataPointType.SUM:
      value = (a.value as number) + (b.value as number);
      break;
    case DataPointType.GAUGE:
      // A gauge keeps the most recent value of the merged series.
      value = endTime === b.endTime ? b.value : a.value;
      break;
    case DataPointType.HISTOGRAM:
      value = mergeHistograms(a.value as Histogram, b.value as Histogram);
      break;
    default:
      value = mergeExponential(a.value as ExponentialHistogram, b.value as ExponentialHistogram);
  }
  return { attributes: a.attributes, startTime, endTime, value };
}

class MetricFilter implements AdjustableMetricFilter {
  private compiled: CompiledRule[] = [];
  private droppedPoints = 0;
  private mergedPoints = 0;

  constructor(rules: readonly MetricViewRule[]) {
    this.setRules(rules);
  }

  get rules(): readonly MetricViewRule[] {
    return this.compiled.map((entry) => entry.rule);
  }

  setRules(rules: readonly MetricViewRule[]): void {
    this.compiled = rules.map(compile);
  }

  apply(metrics: ResourceMetrics): ResourceMetrics {
    const compiled = this.compiled;
    if (compiled.length === 0) return metrics;

    const scopeMetrics: ScopeMetrics[] = [];
    for (const scope of metrics.scopeMetrics) {
      const kept: MetricData[] = [];
      for (const metric of scope.metrics) {
        const rule = compiled.find((entry) => entry.pattern.test(metric.descriptor.name));
        const result = rule === undefined ? metric : this.applyRule(metric, rule);
        if (result !== undefined) kept.push(result);
      }
      if (kept.length > 0) scopeMetrics.push({ scope: scope.scope, metrics: kept });
    }
    return { resource: metrics.resource, scopeMetrics };
  }

  stats(): MetricFilterStats {
    return { droppedPoints: this.droppedPoints, mergedPoints: this.mergedPoints };
  }

  private applyRule(metric: MetricData, rule: CompiledRule): MetricData | undefined {
    if (rule.rule.drop === true) {
      this.droppedPoints += metric.dataPoints.length;
      return undefined;
    }

    const merged = new Map<string, DataPoint<unknown>>();
    for (const point of metric.dataPoints as DataPoint<unknown>[]) {
      const attributes = filterAttributes(point.attributes, rule);
      const key = attributesKey(attributes);
      const existing = merged.get(key);
      if (existing === undefined) {
        merged.set(key, { ...point, attributes });
      } else {
        merged.set(key, mergePoint(metric.dataPointType, existing, point));
        this.mergedPoints++;
      }
    }
    return { ...metric, dataPoints: [...merged.values()] } as MetricData;
  }
}

/**
 * Creates a metric view filter with `rules`, which `validateReconfiguration` from
 * `@mlsysops/telemetry-core` checks. Removing attribute keys merges the series that become
 * equal: sums add, gauges keep the latest value, histograms add bucket counts, and
 * exponential histograms are brought to the smaller scale first. The merged start time is
 * the earliest one, so cumulative sums stay correct as long as the set of series is stable.
 */
export function createAdjustableMetricFilter(
  rules: readonly MetricViewRule[] = [],
): AdjustableMetricFilter {
  return new MetricFilter(rules);
}
