import type { ComponentLogger } from '@mlsysops/telemetry-core';
import {
  QueryAbortedError,
  QueryConnectionError,
  type QueryError,
  QueryResponseTooLargeError,
  QueryTimeoutError,
} from '../errors.js';

/** One HTTP exchange to send, with the limits that bound it. */
export interface HttpExchange {
  method: 'GET' | 'POST';
  url: string;
  headers: Readonly<Record<string, string>>;
  /** Form-encoded body for POST. */
  body?: string;
  /** Request URL without query string and credentials, used in messages. */
  displayUrl: string;
  /** PromQL expression or matchers, used in error details. */
  query?: string;
  timeoutMillis: number;
  maxRetries: number;
  retryDelayMillis: number;
  maxRetryDelayMillis: number;
  maxResponseBytes: number;
  signal?: AbortSignal;
}

/** A received response whose body was read completely. */
export interface HttpResult {
  status: number;
  contentType: string;
  body: string;
  attempts: number;
}

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/**
 * Sends `exchange` with global `fetch`, retrying connection errors and HTTP 429/502/503/504 with
 * exponential backoff and jitter, at least as long as `Retry-After` requests. Gives up when the
 * next wait would pass the overall `timeoutMillis`. Other statuses are returned for the caller
 * to interpret. Rejects with a {@link QueryError} subclass; never logs header values.
 */
export async function sendWithRetries(
  exchange: HttpExchange,
  logger: ComponentLogger,
): Promise<HttpResult> {
  const timeoutSignal = AbortSignal.timeout(exchange.timeoutMillis);
  const signal =
    exchange.signal === undefined
      ? timeoutSignal
      : AbortSignal.any([timeoutSignal, exchange.signal]);
  const deadline = Date.now() + exchange.timeoutMillis;
  const totalAttempts = exchange.maxRetries + 1;

  for (let attempt = 1; ; attempt++) {
    let result: HttpResult | undefined;
    let failure: QueryError | undefined;
    let retryAfterMillis: number | undefined;

    try {
      const response = await fetch(exchange.url, {
        method: exchange.method,
        headers: requestHeaders(exchange),
        body: exchange.body,
        signal,
        redirect: 'follow',
      });
      retryAfterMillis = parseRetryAfter(response.headers.get('retry-after'));
      const body = await readBody(response, exchange, attempt);
      result = {
        status: response.status,
        contentType: response.headers.get('content-type') ?? '',
        body,
        attempts: attempt,
      };
    } catch (error) {
      failure = classifyFailure(error, exchange, attempt, timeoutSignal);
      if (failure.code !== 'connection_failed') throw failure;
    }

    const retryable = failure !== undefined || RETRYABLE_STATUSES.has(result!.status);
    if (!retryable || attempt >= totalAttempts) {
      if (failure !== undefined) throw failure;
      return result!;
    }

    const backoff = Math.min(
      exchange.maxRetryDelayMillis,
      exchange.retryDelayMillis * 2 ** (attempt - 1),
    );
    const jittered = backoff / 2 + Math.random() * (backoff / 2);
    const delayMillis = Math.ceil(Math.max(jittered, retryAfterMillis ?? 0));
    const reason = failure !== undefined ? failure.message : `HTTP ${result!.status}`;

    if (Date.now() + delayMillis >= deadline) {
      logger.debug(
        `Not retrying ${exchange.method} ${exchange.displayUrl}: waiting ${delayMillis} ms would pass the ${exchange.timeoutMillis} ms timeout.`,
      );
      if (failure !== undefined) throw failure;
      return result!;
    }

    logger.info(
      `Retrying ${exchange.method} ${exchange.displayUrl} in ${delayMillis} ms after ${reason} (attempt ${attempt + 1} of ${totalAttempts}).`,
    );
    await sleep(delayMillis, signal).catch((error: unknown) => {
      throw classifyFailure(error, exchange, attempt, timeoutSignal);
    });
  }
}

function requestHeaders(exchange: HttpExchange): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...exchange.headers };
  if (exchange.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  return headers;
}

/**
 * Reads the body as UTF-8 and stops with {@link QueryResponseTooLargeError} as soon as it
 * exceeds `maxResponseBytes`, so a huge response cannot exhaust memory.
 */
export async function readBodyLimited(
  response: Response,
  maxBytes: number,
  onTooLarge: () => Error,
): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw onTooLarge();
  }
  if (response.body === null) return '';

  const reader = response.body.getReader();
  const decoder = new TextDecoder('utf-8');
  let total = 0;
  let text = '';

  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;

    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw onTooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function readBody(response: Response, exchange: HttpExchange, attempt: number): Promise<string> {
  return readBodyLimited(
    response,
    exchange.maxResponseBytes,
    () =>
      new QueryResponseTooLargeError(
        `Response from ${exchange.displayUrl} exceeds maxResponseBytes (${exchange.maxResponseBytes} bytes).`,
        {
          status: response.status,
          url: exchange.displayUrl,
          query: exchange.query,
          attempts: attempt,
        },
      ),
  );
}

/**
 * Maps an error from `fetch`, the body read or a retry wait onto the error classes: the
 * caller's abort, the overall timeout, a size limit, or a connection failure.
 */
export function classifyFailure(
  error: unknown,
  target: { displayUrl: string; query?: string; timeoutMillis: number; signal?: AbortSignal },
  attempt: number,
  timeoutSignal: AbortSignal,
): QueryError {
  const details = { url: target.displayUrl, query: target.query, attempts: attempt };

  if (error instanceof QueryResponseTooLargeError) return error;
  if (target.signal?.aborted === true) {
    return new QueryAbortedError(`Request to ${target.displayUrl} was aborted.`, {
      ...details,
      cause: target.signal.reason,
    });
  }
  if (timeoutSignal.aborted) {
    return new QueryTimeoutError(
      `Request to ${target.displayUrl} timed out after ${target.timeoutMillis} ms.`,
      details,
    );
  }

  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return new QueryConnectionError(
    `Cannot connect to ${target.displayUrl}: ${describeCause(cause)}.`,
    { ...details, cause },
  );
}

function describeCause(cause: unknown): string {
  if (typeof cause === 'object' && cause !== null) {
    const code = (cause as { code?: unknown }).code;
    const message = (cause as { message?: unknown }).message;
    if (typeof code === 'string' && typeof message === 'string') return `${code} (${message})`;
    if (typeof code === 'string') return code;
    if (typeof message === 'string') return message;
  }
  return String(cause);
}

/** Parses `Retry-After` as delay seconds or an HTTP date; returns milliseconds. */
export function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();

  if (/^\d+$/.test(text)) return Number(text) * 1000;

  // All three HTTP date formats of RFC 9110 start with a day name, such as "Sun".
  if (!/^[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Waits `millis` or rejects with the signal's reason when it aborts first. */
export function sleep(millis: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, millis);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
