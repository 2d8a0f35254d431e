import type { ComponentLogger } from '@mlsysops/telemetry-core';
import {
  type Exposition,
  findSamples,
  type InstantQueryOptions,
  type InstantQueryResult,
  type Labels,
  type LocalReader,
  type MetricSample,
  type PromQLClient,
  type QueryStep,
  type QueryTime,
  type RangeQueryResult,
} from '@mlsysops/telemetry-query';
import { CachedScrape } from './cached-scrape.js';
import type { LocalMetricOptions, MlsTelemetryStats } from './mls-telemetry-types.js';
import { safeString } from './safe-string.js';

/** Read failures, as {@link MlsTelemetryStats} reports them. */
export type ReadFailures = Pick<
  MlsTelemetryStats,
  'localReadFailures' | 'lastLocalReadError' | 'queryFailures' | 'lastQueryError'
>;

/**
 * The read side of the facade: local reads from the node agent and PromQL queries. Every
 * failure resolves to `undefined`, is counted, and is logged as a rate-limited warning.
 */
export class TelemetryReader {
  private readonly scrape: CachedScrape;
  private readonly failures: ReadFailures;

  constructor(
    private readonly localReader: LocalReader,
    private readonly query: { client: PromQLClient | undefined; setupError: string | undefined },
    private readonly nodeLabel: string,
    localCacheMillis: number,
    private readonly log: ComponentLogger,
  ) {
    this.scrape = new CachedScrape(localReader, localCacheMillis);
    this.failures = {
      localReadFailures: 0,
      lastLocalReadError: undefined,
      queryFailures: 0,
      lastQueryError: query.setupError,
    };
  }

  /** See `MlsTelemetry.getMetricValueWithLabel`. */
  async getMetricValueWithLabel(
    metricName: string,
    labelName: string | undefined,
    labelValue: string | undefined,
    options: LocalMetricOptions | undefined,
  ): Promise<MetricSample[] | undefined> {
    if (typeof metricName !== 'string' || metricName === '') {
      return this.failLocalRead(safeString(metricName), 'the metric name is empty or not a string');
    }

    const labels: Labels = {};
    if (isNonEmptyString(labelName) && isNonEmptyString(labelValue)) {
      labels[labelName] = labelValue;
    }
    const nodeName = isObject(options) ? options.nodeName : undefined;
    if (isNonEmptyString(nodeName)) labels[this.nodeLabel] = nodeName;
    const signal = isObject(options) ? options.signal : undefined;

    try {
      // A read with its own abort signal does not share the cached scrape.
      const exposition =
        signal === undefined ? await this.scrape.read() : await this.localReader.scrape({ signal });
      const samples = findLocalSamples(exposition, metricName, labels);
      return samples.length > 0 ? samples : undefined;
    } catch (error) {
      return this.failLocalRead(metricName, errorMessage(error));
    }
  }

  /** See `MlsTelemetry.prometheusQuery`. */
  prometheusQuery(
    promql: string,
    options: InstantQueryOptions | undefined,
  ): Promise<InstantQueryResult | undefined> {
    return this.runQuery((client) => client.query(promql, options));
  }

  /** See `MlsTelemetry.prometheusQueryRange`. */
  prometheusQueryRange(
    promql: string,
    start: QueryTime,
    end: QueryTime,
    step: QueryStep,
  ): Promise<RangeQueryResult | undefined> {
    return this.runQuery((client) => client.queryRange(promql, start, end, step));
  }

  /** Returns a copy of the failure counters. */
  readFailures(): ReadFailures {
    return { ...this.failures };
  }

  /** Forgets the cached scrape. */
  close(): void {
    this.scrape.clear();
  }

  private async runQuery<T>(call: (client: PromQLClient) => Promise<T>): Promise<T | undefined> {
    const client = this.query.client;
    if (client === undefined) {
      return this.failQuery(
        `no query server is configured: ${this.query.setupError ?? 'unknown reason'}`,
      );
    }

    try {
      return await call(client);
    } catch (error) {
      // The query package removes tokens and header values from its messages.
      return this.failQuery(errorMessage(error));
    }
  }

  private failLocalRead(metricName: string, message: string): undefined {
    this.failures.localReadFailures++;
    this.failures.lastLocalReadError = message;
    this.log.warnRateLimited(
      'local-read',
      `getMetricValueWithLabel("${metricName}") failed: ${message} ` +
        `(${this.failures.localReadFailures} failed reads so far).`,
    );
    return undefined;
  }

  private failQuery(message: string): undefined {
    this.failures.queryFailures++;
    this.failures.lastQueryError = message;
    this.log.warnRateLimited(
      'query',
      `PromQL query failed: ${message} (${this.failures.queryFailures} failed queries so far).`,
    );
    return undefined;
  }
}

/**
 * Returns the samples of `name` with `labels`. Besides `findSamples`' rules, a counter
 * pushed as `name` matches through the family `<name>_total`, because the Collector's
 * `prometheus` exporter names counter families that way in the Prometheus text format.
 */
function findLocalSamples(exposition: Exposition, name: string, labels: Labels): MetricSample[] {
  const samples = findSamples(exposition, name, labels);
  if (samples.length > 0 || name.endsWith('_total')) return samples;

  const totalName = `${name}_total`;
  const counters = exposition.families.filter(
    (family) => family.type === 'counter' && family.name === totalName,
  );
  return findSamples({ ...exposition, families: counters }, totalName, labels);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function isObject(value: unknown): value is LocalMetricOptions {
  return typeof value === 'object' && value !== null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : safeString(error);
}
