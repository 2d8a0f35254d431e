import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { DEFAULT_EXPORT_TIMEOUT_MILLIS } from './export-target.js';
import { isRetryableHttpStatus, parseRetryAfter } from './retry-policy.js';
import { decodeRpcStatus } from './rpc-status.js';
import {
  BoundedBody,
  describeError,
  type Sender,
  type SendOutcome,
  type SendRequest,
  truncateForLog,
} from './sender.js';
import { type TlsMaterial, TlsMaterialCache } from './tls-material.js';

const gzipAsync = promisify(gzip);

/** Value of the `User-Agent` header of every export request. */
export const USER_AGENT = 'mlsysops-telemetry (OTLP exporter; Node.js)';

const CONTENT_TYPES = { protobuf: 'application/x-protobuf', json: 'application/json' } as const;

/**
 * Sends OTLP/HTTP requests with `node:http` and `node:https` over keep-alive agents. The
 * agents reopen sockets on the next request after the server closed them, so a restarted
 * node agent is reached again without any extra step.
 */
class HttpSender implements Sender {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly tls = new TlsMaterialCache();

  async send(request: SendRequest): Promise<SendOutcome> {
    let url: URL;
    try {
      url = new URL(request.target.url);
    } catch {
      return { kind: 'rejected', reason: 'invalid export URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return { kind: 'rejected', reason: `unsupported URL scheme ${url.protocol}` };
    }

    let material: TlsMaterial | undefined;
    try {
      material = url.protocol === 'https:' ? await this.tls.load(request.target) : undefined;
    } catch (error) {
      return { kind: 'retryable', reason: `reading TLS files failed: ${describeError(error)}` };
    }

    let body: Uint8Array = request.body;
    const headers: Record<string, string> = {
      ...request.target.headers,
      'content-type': CONTENT_TYPES[request.encoding],
      'user-agent': USER_AGENT,
    };
    if (request.target.compression === 'gzip') {
      body = await gzipAsync(request.body);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = String(body.byteLength);

    return this.post(url, headers, body, material, request);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private post(
    url: URL,
    headers: Record<string, string>,
    body: Uint8Array,
    material: TlsMaterial | undefined,
    request: SendRequest,
  ): Promise<SendOutcome> {
    const timeoutMillis = request.target.timeoutMillis ?? DEFAULT_EXPORT_TIMEOUT_MILLIS;

    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      const finish = (outcome: SendOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.abortSignal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };

      const options: https.RequestOptions = {
        method: 'POST',
        headers,
        agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        ...material,
      };
      const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
        const collected = new BoundedBody();
        res.on('data', (chunk: Buffer) => collected.push(chunk));
        res.on('error', (error) =>
          finish({ kind: 'retryable', reason: `response failed: ${describeError(error)}` }),
        );
        res.on('end', () => finish(classifyResponse(res, collected.bytes(), request)));
      });

      const timer = setTimeout(() => {
        req.destroy(new Error(`request timed out after ${timeoutMillis} ms`));
      }, timeoutMillis);
      timer.unref();

      const onAbort = (): void => {
        req.destroy(new Error('request aborted by shutdown'));
      };
      request.abortSignal.addEventListener('abort', onAbort);
      if (request.abortSignal.aborted) onAbort();

      req.on('error', (error) => finish({ kind: 'retryable', reason: describeError(error) }));
      req.end(body);
    });
  }
}

function classifyResponse(
  res: http.IncomingMessage,
  body: Buffer,
  request: SendRequest,
): SendOutcome {
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) {
    return { kind: 'success', responseBody: body };
  }

  const detail = describeErrorBody(body, res.headers['content-type'], request.encoding);
  const reason = `HTTP ${status}${detail === '' ? '' : `: ${detail}`}`;
  if (!isRetryableHttpStatus(status)) {
    return { kind: 'rejected', reason };
  }

  const retryAfter = res.headers['retry-after'];
  const retryAfterMillis = parseRetryAfter(
    Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
    Date.now(),
  );
  return retryAfterMillis === undefined
    ? { kind: 'retryable', reason }
    : { kind: 'retryable', reason, retryAfterMillis };
}

/**
 * Renders an error body for a log: the message of a protobuf `google.rpc.Status` when the
 * body is one, otherwise the text, truncated.
 */
function describeErrorBody(
  body: Buffer,
  contentType: string | undefined,
  encoding: SendRequest['encoding'],
): string {
  if (body.length === 0) return '';
  const isProtobuf = contentType?.includes('protobuf') ?? encoding === 'protobuf';
  if (isProtobuf) {
    const status = decodeRpcStatus(body);
    if (status !== undefined && status.message !== '') return truncateForLog(status.message);
  }
  return truncateForLog(body.toString('utf8'));
}

/** Creates a sender for the `http/protobuf` and `http/json` protocols. */
export function createHttpSender(): Sender {
  return new HttpSender();
}
