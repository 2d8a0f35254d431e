import {
  type ComponentLogger,
  createComponentLogger,
  type EnvSource,
} from '@mlsysops/telemetry-core';
import { QueryError, QueryHttpError, QueryResponseTooLargeError } from '../errors.js';
import { parseExposition } from '../exposition/parser.js';
import type { Exposition, ExpositionFormat, Labels, MetricSample } from '../exposition/types.js';
import { classifyFailure, readBodyLimited } from '../promql/http-request.js';
import { parseSampleValue } from '../sample-value.js';
import { resolveLocalEndpoint } from './local-endpoint.js';
import { type MetricWatchListener, startMetricWatch, type WatchOptions } from './metric-watch.js';

/** Options of {@link createLocalReader}. */
export interface LocalReaderOptions {
  /**
   * Endpoint of the node agent's Prometheus exporter: `host:port` or an http(s) URL; a URL
   * without a path gets `/metrics`. Env `MLSYSOPS_LOCAL_ENDPOINT`, then `LOCAL_OTEL_ENDPOINT`.
   * Default `localhost:9999`.
   */
  endpoint?: string;
  /**
   * Format to request: `auto` (default) requests OpenMetrics 1.0 and accepts the
   * Prometheus text format; `openmetrics` or `prometheus-text` request one format only. The response's
   * `Content-Type` decides how the body is parsed.
   */
  format?: 'auto' | ExpositionFormat;
  /** Time limit of one scrape, in milliseconds. Default 5 000. */
  timeoutMillis?: number;
  /** Largest body read, in bytes; a larger body fails the scrape. Default 16 MiB. */
  maxBytes?: number;
  /** Extra HTTP headers, for example authorization. Values are never logged. */
  headers?: Readonly<Record<string, string>>;
  /** Environment to read the endpoint variables from. Default `process.env`. */
  env?: EnvSource;
}

/** Options of a single scrape. */
export interface ScrapeOptions {
  /** Aborts the scrape; the promise then rejects with `QueryAbortedError`. */
  signal?: AbortSignal;
}

/** Reads metrics from a Prometheus-format endpoint, normally the node-local Collector agent. */
export interface LocalReader {
  /** Scrape URL. */
  readonly url: string;
  /**
   * Fetches and parses the endpoint. Rejects with a `QueryError` subclass: connection,
   * timeout, HTTP status, size limit or `ExpositionParseError` with the line number.
   */
  scrape(options?: ScrapeOptions): Promise<Exposition>;
  /**
   * Returns the value of the first sample named `name` whose labels include all of `labels`, or
   * `undefined` when there is none or the endpoint cannot be read (logged as a rate-limited
   * warning). When no sample has exactly `name`, a counter family named `name` matches through
   * its `_total` sample.
   */
  getMetricValue(
    name: string,
    labels?: Labels,
    options?: ScrapeOptions,
  ): Promise<number | undefined>;
  /**
   * Returns every sample named `name` whose labels include all of `labels`; same name rules as
   * {@link getMetricValue}. Rejects like {@link scrape} when the endpoint cannot be read.
   */
  getSamples(name: string, labels?: Labels, options?: ScrapeOptions): Promise<MetricSample[]>;
  /**
   * Polls the value of `name` with `labels` every `intervalMillis` and calls `listener` after
   * each poll. Returns a function that stops polling.
   */
  watch(
    name: string,
    labels: Labels,
    options: WatchOptions,
    listener: MetricWatchListener,
  ): () => void;
}

const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0';
const TEXT_ACCEPT = 'text/plain;version=0.0.4';
const ACCEPT: Record<'auto' | ExpositionFormat, string> = {
  auto: `${OPENMETRICS_ACCEPT};q=0.9,${TEXT_ACCEPT};q=0.5,*/*;q=0.1`,
  openmetrics: OPENMETRICS_ACCEPT,
  'prometheus-text': TEXT_ACCEPT,
};

class HttpLocalReader implements LocalReader {
  readonly url: string;
  private readonly requestUrl: string;
  private readonly headers: Record<string, string>;

  constructor(
    url: URL,
    private readonly timeoutMillis: number,
    private readonly maxBytes: number,
    format: 'auto' | ExpositionFormat,
    headers: Readonly<Record<string, string>>,
    private readonly logger: ComponentLogger,
  ) {
    this.headers = { ...headers, accept: ACCEPT[format] };

    // fetch rejects URLs with credentials, so they travel as basic authentication instead.
    if (url.username !== '' || url.password !== '') {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.requestUrl = url.href;
    this.url = `${url.origin}${url.pathname}`;
  }

  async scrape(options: ScrapeOptions = {}): Promise<Exposition> {
    const timeoutSignal = AbortSignal.timeout(this.timeoutMillis);
    const signal =
      options.signal === undefined
        ? timeoutSignal
        : AbortSignal.any([timeoutSignal, options.signal]);
    const target = {
      displayUrl: this.url,
      timeoutMillis: this.timeoutMillis,
      signal: options.signal,
    };
    let body: string;
    let contentType: string;

    try {
      const response = await fetch(this.requestUrl, { headers: this.headers, signal });
      contentType = response.headers.get('content-type') ?? '';
      body = await readBodyLimited(
        response,
        this.maxBytes,
        () =>
          new QueryResponseTooLargeError(
            `Metrics from ${this.url} exceed maxBytes (${this.maxBytes} bytes).`,
            { status: response.status, url: this.url },
          ),
      );

      if (response.status < 200 || response.status > 299) {
        throw new QueryHttpError(`HTTP ${response.status} from ${this.url}.`, {
          status: response.status,
          url: this.url,
        });
      }
    } catch (error) {
      if (error instanceof QueryError) throw error;
      throw classifyFailure(error, target, 1, timeoutSignal);
    }

    const format = contentType.toLowerCase().startsWith('application/openmetrics-text')
      ? 'openmetrics'
      : 'prometheus-text';
    return parseExposition(body, { format });
  }

  async getSamples(
    name: string,
    labels: Labels = {},
    options: ScrapeOptions = {},
  ): Promise<MetricSample[]> {
    checkName(name);
    return findSamples(await this.scrape(options), name, labels);
  }

  async getMetricValue(
    name: string,
    labels: Labels = {},
    options: ScrapeOptions = {},
  ): Promise<number | undefined> {
    checkName(name);

    try {
      return findSamples(await this.scrape(options), name, labels)[0]?.value;
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      this.logger.warnRateLimited(
        `read:${error.code}`,
        `Cannot read metric "${name}": ${error.message}`,
      );
      return undefined;
    }
  }

  watch(
    name: string,
    labels: Labels,
    options: WatchOptions,
    listener: MetricWatchListener,
  ): () => void {
    checkName(name);
    return startMetricWatch(
      (signal) =>
        this.scrape({ signal }).then((exposition) => findSamples(exposition, name, labels)),
      name,
      options,
      listener,
      this.logger,
    );
  }
}

/**
 * Creates a reader for the node agent's Prometheus endpoint (`LOCAL_OTEL_ENDPOINT`, default
 * `localhost:9999`, path `/metrics`). Throws `TypeError` or `RangeError` naming the option for
 * an invalid option.
 */
export function createLocalReader(options: LocalReaderOptions = {}): LocalReader {
  const logger = createComponentLogger('@mlsysops/telemetry-query/local');
  const url = resolveLocalEndpoint(options.endpoint, options.env ?? process.env, logger);
  const format = options.format ?? 'auto';

  if (format !== 'auto' && format !== 'openmetrics' && format !== 'prometheus-text') {
    throw new TypeError(
      `Invalid option format ${JSON.stringify(format)}: expected auto, openmetrics or prometheus-text.`,
    );
  }
  return new HttpLocalReader(
    url,
    checkPositive('timeoutMillis', options.timeoutMillis) ?? 5_000,
    checkPositive('maxBytes', options.maxBytes) ?? 16 * 1024 * 1024,
    format,
    options.headers ?? {},
    logger,
  );
}

/**
 * Returns the samples named `name` whose labels include every entry of `labels`. When none has
 * that exact name, the `_total` samples of a counter family named `name` are returned, because
 * OpenMetrics and the Collector's exporter name counter samples `<family>_total`. The `le` and
 * `quantile` labels compare as numbers, so `{ le: '5' }` matches OpenMetrics' `le="5.0"`.
 */
export function findSamples(
  exposition: Exposition,
  name: string,
  labels: Labels = {},
): MetricSample[] {
  const wanted = Object.entries(labels);
  const matches = (sample: MetricSample) =>
    wanted.every(([key, value]) => labelMatches(sample.labels, key, value));
  const exact: MetricSample[] = [];
  const total: MetricSample[] = [];

  for (const family of exposition.families) {
    for (const sample of family.samples) {
      if (sample.name === name && matches(sample)) exact.push(sample);
      else if (
        family.type === 'counter' &&
        family.name === name &&
        sample.name === `${name}_total` &&
        matches(sample)
      ) {
        total.push(sample);
      }
    }
  }
  return exact.length > 0 ? exact : total;
}

function labelMatches(sampleLabels: Labels, key: string, expected: string): boolean {
  if (!Object.hasOwn(sampleLabels, key)) return false;
  const actual = sampleLabels[key]!;
  if (actual === expected) return true;
  if (key !== 'le' && key !== 'quantile') return false;

  const actualNumber = parseSampleValue(actual);
  return actualNumber !== undefined && actualNumber === parseSampleValue(expected);
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name === '') {
    throw new TypeError(`Invalid argument name ${JSON.stringify(name)}: expected a metric name.`);
  }
}

function checkPositive(option: string, value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`Invalid option ${option} ${String(value)}: expected a positive integer.`);
  }
  return value;
}
