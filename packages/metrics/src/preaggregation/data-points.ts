import { type HrTime, ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type DataPoint,
  DataPointType,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
  type MetricDescriptor,
} from '@opentelemetry/sdk-metrics';
import type { InstrumentBase, PendingWindow } from './instrument-base.js';

/**
 * Builds the OTLP metric data of one exported window of `instrument`. Series that recorded
 * nothing are left out. The arrays of `pending` are copied, so they can be reused afterwards.
 */
export function toMetricData(instrument: InstrumentBase, pending: PendingWindow): MetricData[] {
  const config = instrument.config;
  const descriptor: MetricDescriptor = {
    name: config.name,
    description: config.description,
    unit: config.unit,
    valueType: ValueType.DOUBLE,
  };
  const temporality =
    config.temporality === 'delta'
      ? AggregationTemporality.DELTA
      : AggregationTemporality.CUMULATIVE;
  const endTime = millisToHrTime(pending.endMillis);
  const windowStart = millisToHrTime(pending.startMillis);
  const slots = usedSlots(pending);
  const seriesStartTimes = instrument.seriesStartTimes;
  const startTimeOf = (slot: number): HrTime =>
    config.temporality === 'delta' ? windowStart : (seriesStartTimes[slot] ?? windowStart);
  const attributes = instrument.index.attributes;
  const cells = pending.cells;

  switch (config.kind) {
    case 'counter':
    case 'upDownCounter':
      return [
        {
          descriptor,
          aggregationTemporality: temporality,
          dataPointType: DataPointType.SUM,
          isMonotonic: config.kind === 'counter',
          dataPoints: slots.map((slot) => ({
            startTime: startTimeOf(slot),
            endTime,
            attributes: attributes[slot]!,
            value: cells.sum[slot]!,
          })),
        },
      ];

    case 'histogram': {
      const boundaries = config.boundaries.slice();
      const stride = boundaries.length + 1;
      const dataPoints: DataPoint<Histogram>[] = slots.map((slot) => ({
        startTime: startTimeOf(slot),
        endTime,
        attributes: attributes[slot]!,
        value: {
          buckets: {
            boundaries,
            counts: copyRange(cells.buckets, slot * stride, stride),
          },
          count: cells.count[slot]!,
          sum: cells.sum[slot]!,
          min: cells.min[slot]!,
          max: cells.max[slot]!,
        },
      }));
      return [
        {
          descriptor,
          aggregationTemporality: temporality,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints,
        },
      ];
    }

    case 'exponentialHistogram': {
      const dataPoints: DataPoint<ExponentialHistogram>[] = slots.map((slot) => {
        const buckets = cells.exponential[slot]!;
        return {
          startTime: startTimeOf(slot),
          endTime,
          attributes: attributes[slot]!,
          value: {
            count: cells.count[slot]!,
            sum: cells.sum[slot]!,
            min: cells.min[slot]!,
            max: cells.max[slot]!,
            scale: buckets.scale,
            zeroCount: buckets.zeroCount,
            positive: { offset: buckets.positive.offset, bucketCounts: buckets.positive.toArray() },
            negative: { offset: buckets.negative.offset, bucketCounts: buckets.negative.toArray() },
          },
        };
      });
      return [
        {
          descriptor,
          aggregationTemporality: temporality,
          dataPointType: DataPointType.EXPONENTIAL_HISTOGRAM,
          dataPoints,
        },
      ];
    }

    case 'gauge': {
      // Gauge statistics always describe the window between startTime and endTime.
      const gauge = (name: string, values: Float64Array): MetricData => ({
        descriptor: { ...descriptor, name },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.GAUGE,
        dataPoints: slots.map((slot) => ({
          startTime: windowStart,
          endTime,
          attributes: attributes[slot]!,
          value: values[slot]!,
        })),
      });
      const metrics = [gauge(config.name, cells.last)];
      for (const statistic of config.statistics) {
        const values =
          statistic === 'min'
            ? cells.min
            : statistic === 'max'
              ? cells.max
              : statistic === 'sum'
                ? cells.sum
                : cells.count;
        const metric = gauge(`${config.name}.${statistic}`, values);
        metrics.push(
          statistic === 'count'
            ? { ...metric, descriptor: { ...metric.descriptor, unit: '1' } }
            : metric,
        );
      }
      return metrics;
    }
  }
}

/** Copies `length` numbers from `offset` into a plain array, as the OTLP serializers expect. */
function copyRange(source: Float64Array, offset: number, length: number): number[] {
  const copy = new Array<number>(length);
  for (let i = 0; i < length; i++) copy[i] = source[offset + i]!;
  return copy;
}

/** Returns the slots that recorded at least one measurement. */
function usedSlots(pending: PendingWindow): number[] {
  const slots: number[] = [];
  const count = pending.cells.count;
  for (let slot = 0; slot < pending.length; slot++) {
    if (count[slot]! > 0) slots.push(slot);
  }
  return slots;
}

/** Counts the data points in `metrics`. */
export function countDataPoints(metrics: readonly MetricData[]): number {
  let points = 0;
  for (const metric of metrics) points += metric.dataPoints.length;
  return points;
}
