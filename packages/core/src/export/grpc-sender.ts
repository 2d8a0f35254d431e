import http2 from 'node:http2';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { DEFAULT_EXPORT_TIMEOUT_MILLIS, type OtlpSignal } from './export-target.js';
import { USER_AGENT } from './http-sender.js';
import { GrpcStatus, isRetryableGrpcStatus } from './retry-policy.js';
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
const gunzipAsync = promisify(gunzip);

/** gRPC method path of each signal's OTLP export service. */
const METHOD_PATHS: Record<OtlpSignal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

/** Header names that gRPC reserves, so user headers cannot replace them. */
const RESERVED_HEADERS = new Set([
  'content-type',
  'te',
  'grpc-timeout',
  'grpc-encoding',
  'grpc-accept-encoding',
  'user-agent',
]);

/** gRPC code for a non-200 HTTP status, as the gRPC HTTP/2 protocol maps them. */
function grpcCodeForHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** Splits `target.url` into the authority URL for `http2.connect`, or returns an error text. */
function authorityOf(url: string, insecure: boolean | undefined): string | Error {
  const withScheme = url.includes('://') ? url : `${insecure ? 'http' : 'https'}://${url}`;
  try {
    const parsed = new URL(withScheme);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      return new Error(`unsupported URL scheme ${parsed.protocol}`);
    }
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return new Error('invalid export URL');
  }
}

/** Encodes `message` as one gRPC length-prefixed message. */
function frame(message: Uint8Array, compressed: boolean): Buffer {
  const framed = Buffer.allocUnsafe(5 + message.byteLength);
  framed[0] = compressed ? 1 : 0;
  framed.writeUInt32BE(message.byteLength, 1);
  framed.set(message, 5);
  return framed;
}

/**
 * Sends OTLP/gRPC unary calls directly over `node:http2`, so no gRPC library is needed. One
 * session to the current target is kept open and unref()'d. A session that fails, closes,
 * receives GOAWAY or times out is dropped, and the next call connects anew, which is how a
 * restarted node agent is reached again.
 */
class GrpcSender implements Sender {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private readonly tls = new TlsMaterialCache();

  async send(request: SendRequest): Promise<SendOutcome> {
    if (request.encoding !== 'protobuf') {
      return { kind: 'rejected', reason: 'gRPC carries protobuf only, but the body is JSON' };
    }
    const authority = authorityOf(request.target.url, request.target.insecure);
    if (authority instanceof Error) return { kind: 'rejected', reason: authority.message };

    let material: TlsMaterial | undefined;
    try {
      material = authority.startsWith('https:') ? await this.tls.load(request.target) : undefined;
    } catch (error) {
      return { kind: 'retryable', reason: `reading TLS files failed: ${describeError(error)}` };
    }

    const compressed = request.target.compression === 'gzip';
    const message = compressed ? await gzipAsync(request.body) : request.body;
    return this.call(authority, material, frame(message, compressed), compressed, request);
  }

  close(): void {
    for (const session of this.sessions.values()) session.destroy();
    this.sessions.clear();
  }

  /** Returns the open session for `key` (authority and TLS file paths), or connects anew. */
  private session(
    key: string,
    authority: string,
    material: TlsMaterial | undefined,
  ): http2.ClientHttp2Session {
    const existing = this.sessions.get(key);
    if (existing !== undefined && !existing.closed && !existing.destroyed) return existing;

    // A transport sends to one target at a time, so sessions to a previous agent address
    // are closed rather than kept open until the server ends them.
    for (const [other, stale] of this.sessions) {
      if (other !== key) stale.close();
    }
    this.sessions.clear();

    const session = http2.connect(authority, { ...material });
    const forget = (): void => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    };
    // Errors also reach the pending stream. This listener only keeps the session from
    // raising an unhandled 'error' event.
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    session.unref();
    this.sessions.set(key, session);
    return session;
  }

  private call(
    authority: string,
    material: TlsMaterial | undefined,
    body: Buffer,
    compressed: boolean,
    request: SendRequest,
  ): Promise<SendOutcome> {
    const timeoutMillis = request.target.timeoutMillis ?? DEFAULT_EXPORT_TIMEOUT_MILLIS;
    const { certificateFile, clientKeyFile, clientCertificateFile } = request.target;
    const key = [authority, certificateFile, clientKeyFile, clientCertificateFile].join('\n');
    const session = this.session(key, authority, material);

    const headers: http2.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(request.target.headers ?? {})) {
      const lower = name.toLowerCase();
      if (!RESERVED_HEADERS.has(lower) && !lower.startsWith(':')) headers[lower] = value;
    }
    Object.assign(headers, {
      ':method': 'POST',
      ':path': METHOD_PATHS[request.signal],
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': USER_AGENT,
      'grpc-timeout': `${Math.min(Math.max(1, Math.ceil(timeoutMillis)), 99_999_999)}m`,
      'grpc-accept-encoding': 'identity,gzip',
    });
    if (compressed) headers['grpc-encoding'] = 'gzip';

    return new Promise<SendOutcome>((resolve) => {
      let settled = false;
      let httpStatus = 0;
      let responseHeaders: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      const collected = new BoundedBody();

      const finish = (outcome: SendOutcome, dropSession: boolean): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.abortSignal.removeEventListener('abort', onAbort);
        if (!stream.destroyed) stream.destroy();
        if (dropSession) {
          this.sessions.delete(key);
          session.destroy();
        }
        resolve(outcome);
      };

      let stream: http2.ClientHttp2Stream;
      try {
        stream = session.request(headers);
      } catch (error) {
        this.sessions.delete(key);
        session.destroy();
        resolve({ kind: 'retryable', reason: describeError(error) });
        return;
      }

      const timer = setTimeout(() => {
        finish({ kind: 'retryable', reason: `call timed out after ${timeoutMillis} ms` }, true);
      }, timeoutMillis);
      timer.unref();

      const onAbort = (): void => {
        finish({ kind: 'retryable', reason: 'call aborted by shutdown' }, false);
      };
      request.abortSignal.addEventListener('abort', onAbort);
      if (request.abortSignal.aborted) onAbort();

      stream.on('response', (received) => {
        responseHeaders = received;
        httpStatus = Number(received[':status'] ?? 0);
      });
      stream.on('trailers', (received) => {
        trailers = received;
      });
      stream.on('data', (chunk: Buffer) => collected.push(chunk));
      stream.on('error', (error) => {
        finish({ kind: 'retryable', reason: describeError(error) }, true);
      });
      stream.on('close', () => {
        if (settled) return;
        if (httpStatus === 0) {
          const code = stream.rstCode ?? 0;
          finish(
            { kind: 'retryable', reason: `stream closed before a response (code ${code})` },
            true,
          );
          return;
        }
        void classifyCall(httpStatus, responseHeaders, trailers, collected.bytes()).then(
          (outcome) => finish(outcome, false),
        );
      });

      stream.end(body);
    });
  }
}

/** Turns the parts of a finished call into an outcome following the OTLP/gRPC rules. */
async function classifyCall(
  httpStatus: number,
  headers: http2.IncomingHttpHeaders,
  trailers: http2.IncomingHttpHeaders,
  body: Buffer,
): Promise<SendOutcome> {
  const rawStatus = trailers['grpc-status'] ?? headers['grpc-status'];
  if (rawStatus === undefined && httpStatus === 200) {
    // The connection ended between the response headers and the trailers, so the server may
    // or may not have processed the request. Sending it again risks a duplicate, not a loss.
    return { kind: 'retryable', reason: 'call ended without grpc-status' };
  }
  const code = rawStatus !== undefined ? Number(rawStatus) : grpcCodeForHttpStatus(httpStatus);

  if (code === GrpcStatus.OK) {
    return { kind: 'success', responseBody: await unframe(body, headers['grpc-encoding']) };
  }

  const rawMessage = trailers['grpc-message'] ?? headers['grpc-message'];
  const message = typeof rawMessage === 'string' ? safeDecodeURIComponent(rawMessage) : '';
  const details = trailers['grpc-status-details-bin'] ?? headers['grpc-status-details-bin'];
  const status =
    typeof details === 'string' ? decodeRpcStatus(Buffer.from(details, 'base64')) : undefined;
  const retryDelayMillis = status?.retryDelayMillis;

  const text = message !== '' ? message : (status?.message ?? '');
  const httpPart = rawStatus === undefined ? ` (HTTP ${httpStatus})` : '';
  const reason = `gRPC status ${code}${httpPart}${text === '' ? '' : `: ${truncateForLog(text)}`}`;

  if (!isRetryableGrpcStatus(code, retryDelayMillis !== undefined)) {
    return { kind: 'rejected', reason };
  }
  return retryDelayMillis === undefined
    ? { kind: 'retryable', reason }
    : { kind: 'retryable', reason, retryAfterMillis: retryDelayMillis };
}

/** Extracts the first length-prefixed message of a response body. Empty on malformed input. */
async function unframe(body: Buffer, encoding: string | string[] | undefined): Promise<Uint8Array> {
  if (body.length < 5) return new Uint8Array(0);
  const length = body.readUInt32BE(1);
  const message = body.subarray(5, 5 + length);
  if (body[0] !== 1) return message;
  if (encoding !== 'gzip') return new Uint8Array(0);
  try {
    return await gunzipAsync(message);
  } catch {
    return new Uint8Array(0);
  }
}

function safeDecodeURIComponent(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Creates a sender for the `grpc` protocol. */
export function createGrpcSender(): Sender {
  return new GrpcSender();
}
