import { type ComponentLogger, createComponentLogger } from '@mlsysops/telemetry-core';
import { QueryApiError, QueryHttpError, QueryResponseError } from '../errors.js';
import {
  type PromQLClientOptions,
  type QueryServerKind,
  type ResolvedClientConfig,
  resolveClientConfig,
} from './client-config.js';
import { sendWithRetries } from './http-request.js';
import { formatQueryStep, formatQueryTime, type QueryStep, type QueryTime } from './query-time.js';
import {
  DecodeError,
  decodeEnvelope,
  decodeLabelSets,
  decodeMetadata,
  decodeQueryData,
  decodeStrings,
  type Envelope,
} from './response-decoder.js';
import type {
  ApiResult,
  InstantQueryResult,
  MetricMetadata,
  RangeQueryResult,
  SeriesLabels,
} from './result-types.js';

/** Options that every client call accepts. */
export interface CallOptions {
  /** Aborts the call; the promise then rejects with `QueryAbortedError`. */
  signal?: AbortSignal;
  /** Time limit for this call including retries, in milliseconds. Default: the client's. */
  timeoutMillis?: number;
}

/** Options of {@link PromQLClient.query}. */
export interface InstantQueryOptions extends CallOptions {
  /** Evaluation time. Default: the server's current time. */
  time?: QueryTime;
}

/** Time bounds of the series, label and metadata calls. */
export interface TimeRangeOptions extends CallOptions {
  /** Start of the range. Default: the server's default (all data). */
  start?: QueryTime;
  /** End of the range. Default: the server's current time. */
  end?: QueryTime;
  /** Series selectors that restrict the labels or values returned. */
  match?: readonly string[];
}

/** Options of {@link PromQLClient.metadata}. */
export interface MetadataOptions extends CallOptions {
  /** Only this metric. */
  metric?: string;
  /** Maximum number of metrics returned. */
  limit?: number;
}

/** A client for the Prometheus HTTP query API, as served by Prometheus, Mimir or Grafana. */
export interface PromQLClient {
  /** Server kind the client addresses. */
  readonly kind: QueryServerKind;
  /** URL of the `/api/v1` endpoint, without credentials. */
  readonly apiUrl: string;
  /** Evaluates `promql` at one instant (`/api/v1/query`). */
  query(promql: string, options?: InstantQueryOptions): Promise<InstantQueryResult>;
  /**
   * Evaluates `promql` at `start`, `start + step`, ... up to `end` (`/api/v1/query_range`).
   * Prometheus rejects ranges of more than 11 000 steps with `bad_data`.
   */
  queryRange(
    promql: string,
    start: QueryTime,
    end: QueryTime,
    step: QueryStep,
    options?: CallOptions,
  ): Promise<RangeQueryResult>;
  /** Lists the label sets of series that match any of `match` (`/api/v1/series`). */
  series(
    match: readonly string[],
    options?: Omit<TimeRangeOptions, 'match'>,
  ): Promise<ApiResult<SeriesLabels[]>>;
  /** Lists label names (`/api/v1/labels`). */
  labelNames(options?: TimeRangeOptions): Promise<ApiResult<string[]>>;
  /** Lists the values of label `name` (`/api/v1/label/<name>/values`). */
  labelValues(name: string, options?: TimeRangeOptions): Promise<ApiResult<string[]>>;
  /** Lists metric metadata: type, help and unit by metric name (`/api/v1/metadata`). */
  metadata(options?: MetadataOptions): Promise<ApiResult<Record<string, MetricMetadata[]>>>;
}

/** Above this many bytes of encoded parameters, `auto` sends a form-encoded POST. */
const MAX_GET_PARAMS_BYTES = 2048;

class HttpPromQLClient implements PromQLClient {
  readonly kind: QueryServerKind;
  readonly apiUrl: string;

  constructor(
    private readonly config: ResolvedClientConfig,
    private readonly logger: ComponentLogger,
  ) {
    this.kind = config.kind;
    this.apiUrl = config.apiBase;
  }

  async query(promql: string, options: InstantQueryOptions = {}): Promise<InstantQueryResult> {
    checkExpression(promql);
    const params = new URLSearchParams({ query: promql });
    if (options.time !== undefined) params.set('time', formatQueryTime(options.time, 'time'));

    const envelope = await this.call('query', params, promql, options, true);
    return { ...this.decode(() => decodeQueryData(envelope.data), promql), ...notes(envelope) };
  }

  async queryRange(
    promql: string,
    start: QueryTime,
    end: QueryTime,
    step: QueryStep,
    options: CallOptions = {},
  ): Promise<RangeQueryResult> {
    checkExpression(promql);
    const params = new URLSearchParams({
      query: promql,
      start: formatQueryTime(start, 'start'),
      end: formatQueryTime(end, 'end'),
      step: formatQueryStep(step),
    });

    const envelope = await this.call('query_range', params, promql, options, true);
    const data = this.decode(() => decodeQueryData(envelope.data), promql);
    if (data.resultType !== 'matrix') {
      throw new QueryResponseError(
        `Invalid response for query_range: expected a matrix but got ${data.resultType}.`,
        { query: promql, url: `${this.apiUrl}/query_range` },
      );
    }
    return { ...data, ...notes(envelope) };
  }

  async series(
    match: readonly string[],
    options: Omit<TimeRangeOptions, 'match'> = {},
  ): Promise<ApiResult<SeriesLabels[]>> {
    if (match.length === 0) {
      throw new TypeError('Invalid argument match: expected at least one series selector.');
    }
    const params = rangeParams({ ...options, match });
    const envelope = await this.call('series', params, match.join(', '), options, true);
    return {
      data: this.decode(() => decodeLabelSets(envelope.data), match.join(', ')),
      ...notes(envelope),
    };
  }

  async labelNames(options: TimeRangeOptions = {}): Promise<ApiResult<string[]>> {
    const params = rangeParams(options);
    const envelope = await this.call('labels', params, options.match?.join(', '), options, true);
    return { data: this.decode(() => decodeStrings(envelope.data)), ...notes(envelope) };
  }

  async labelValues(name: string, options: TimeRangeOptions = {}): Promise<ApiResult<string[]>> {
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(`Invalid argument name ${JSON.stringify(name)}: expected a label name.`);
    }
    const path = `label/${encodeURIComponent(name)}/values`;
    const envelope = await this.call(
      path,
      rangeParams(options),
      options.match?.join(', '),
      options,
      false,
    );
    return { data: this.decode(() => decodeStrings(envelope.data)), ...notes(envelope) };
  }

  async metadata(
    options: MetadataOptions = {},
  ): Promise<ApiResult<Record<string, MetricMetadata[]>>> {
    const params = new URLSearchParams();
    if (options.metric !== undefined) params.set('metric', options.metric);
    if (options.limit !== undefined) {
      if (!Number.isSafeInteger(options.limit) || options.limit < 0) {
        throw new TypeError(
          `Invalid option limit ${options.limit}: expected a non-negative integer.`,
        );
      }
      params.set('limit', String(options.limit));
    }

    const envelope = await this.call('metadata', params, options.metric, options, false);
    return { data: this.decode(() => decodeMetadata(envelope.data)), ...notes(envelope) };
  }

  /**
   * Sends one API call and returns the success envelope. Error bodies become
   * {@link QueryApiError}; other non-2xx responses {@link QueryHttpError}.
   */
  private async call(
    path: string,
    params: URLSearchParams,
    query: string | undefined,
    options: CallOptions,
    postAllowed: boolean,
  ): Promise<Envelope> {
    const config = this.config;
    const encoded = params.toString();
    const displayUrl = `${config.apiBase}/${path}`;
    const post =
      postAllowed &&
      (config.method === 'POST' ||
        (config.method === 'auto' && encoded.length > MAX_GET_PARAMS_BYTES));
    const timeoutMillis = options.timeoutMillis ?? config.timeoutMillis;

    if (!Number.isSafeInteger(timeoutMillis) || timeoutMillis < 1) {
      throw new TypeError(
        `Invalid option timeoutMillis ${timeoutMillis}: expected a positive integer.`,
      );
    }

    const result = await sendWithRetries(
      {
        method: post ? 'POST' : 'GET',
        url: post || encoded === '' ? displayUrl : `${displayUrl}?${encoded}`,
        headers: config.headers,
        body: post ? encoded : undefined,
        displayUrl,
        query,
        timeoutMillis,
        maxRetries: config.maxRetries,
        retryDelayMillis: config.retryDelayMillis,
        maxRetryDelayMillis: config.maxRetryDelayMillis,
        maxResponseBytes: config.maxResponseBytes,
        signal: options.signal,
      },
      this.logger,
    );

    const details = { status: result.status, query, url: displayUrl, attempts: result.attempts };
    let envelope: Envelope | undefined;
    try {
      envelope = decodeEnvelope(result.body);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
    }

    if (envelope?.status === 'error') {
      const errorType = envelope.errorType ?? 'unknown';
      const serverError = this.redact(envelope.error ?? '');
      throw new QueryApiError(
        `Query API error from ${displayUrl} (HTTP ${result.status}): ${errorType}: ${serverError}` +
          querySuffix(query),
        { ...details, errorType, serverError },
      );
    }
    if (result.status < 200 || result.status > 299) {
      throw new QueryHttpError(
        `HTTP ${result.status} from ${displayUrl}: ${this.redact(snippet(result.body))}` +
          querySuffix(query),
        details,
      );
    }
    if (envelope === undefined) {
      throw new QueryResponseError(
        `Invalid response from ${displayUrl}: expected a Prometheus API JSON body but got ` +
          `"${this.redact(snippet(result.body))}" (content type "${result.contentType}").`,
        details,
      );
    }
    return envelope;
  }

  private decode<T>(decode: () => T, query?: string): T {
    try {
      return decode();
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      throw new QueryResponseError(`Invalid response from ${this.apiUrl}: ${error.message}.`, {
        query,
      });
    }
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of this.config.secrets) out = out.split(secret).join('<redacted>');
    return out;
  }
}

/**
 * Creates a PromQL client for Prometheus, Grafana Mimir or Grafana's data source proxy from
 * `options` and the `MLSYSOPS_QUERY_*` environment variables. Throws `TypeError` or
 * `RangeError` naming the option for an invalid option. Calls return promises that reject
 * with a `QueryError` subclass, or with `TypeError` for an invalid argument.
 */
export function createPromQLClient(options: PromQLClientOptions = {}): PromQLClient {
  const logger = createComponentLogger('@mlsysops/telemetry-query/promql');
  return new HttpPromQLClient(resolveClientConfig(options, logger), logger);
}

function checkExpression(promql: string): void {
  if (typeof promql !== 'string' || promql.trim() === '') {
    throw new TypeError('Invalid argument promql: expected a non-empty PromQL expression.');
  }
}

function rangeParams(options: TimeRangeOptions): URLSearchParams {
  const params = new URLSearchParams();
  for (const selector of options.match ?? []) params.append('match[]', selector);
  if (options.start !== undefined) params.set('start', formatQueryTime(options.start, 'start'));
  if (options.end !== undefined) params.set('end', formatQueryTime(options.end, 'end'));
  return params;
}

function notes(envelope: Envelope): { warnings: string[]; infos: string[] } {
  return { warnings: envelope.warnings, infos: envelope.infos };
}

// First 200 characters of a body on one line, for error messages.
function snippet(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}...` : line;
}

function querySuffix(query: string | undefined): string {
  if (query === undefined) return '';
  const truncated = query.length > 200 ? `${query.slice(0, 200)}...` : query;
  return ` (query: ${truncated})`;
}
