import http from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';

/** One request as an in-process test server received it, body already decompressed. */
export interface ReceivedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** What an HTTP test handler returns. */
export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** A started test server. */
export interface TestServer {
  port: number;
  url: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * Starts an HTTP/1.1 server on 127.0.0.1. `reply` builds the response to each request;
 * `port` 0 picks a free port.
 */
export async function startHttpServer(
  reply: (request: ReceivedRequest, index: number) => HttpReply | Promise<HttpReply>,
  port = 0,
): Promise<TestServer> {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const received: ReceivedRequest = { path: req.url ?? '', headers: req.headers, body };
      requests.push(received);
      const answer = await reply(received, requests.length - 1);
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as net.AddressInfo).port;
  return {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a gRPC test handler returns: status code, optional message, trailers and response. */
export interface GrpcReply {
  code: number;
  message?: string;
  trailers?: Record<string, string>;
  response?: Uint8Array;
  /** Ends the stream without trailers, as a connection cut before the status would. */
  omitStatus?: boolean;
}

/**
 * Starts a plaintext HTTP/2 server on 127.0.0.1 that responds to gRPC unary calls. The received
 * body is the unframed message, gunzipped when the frame was compressed.
 */
export async function startGrpcServer(
  reply: (request: ReceivedRequest, index: number) => GrpcReply | Promise<GrpcReply>,
  port = 0,
): Promise<TestServer & { openSessions: () => number }> {
  const requests: ReceivedRequest[] = [];
  const sessions = new Set<http2.ServerHttp2Session>();
  const server = http2.createServer();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', () => {});
    stream.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const length = raw.length >= 5 ? raw.readUInt32BE(1) : 0;
      const message = raw.subarray(5, 5 + length);
      const body = raw[0] === 1 ? gunzipSync(message) : message;
      const received: ReceivedRequest = { path: String(headers[':path']), headers, body };
      requests.push(received);
      const answer = await reply(received, requests.length - 1);
      if (stream.destroyed) return;
      if (answer.omitStatus) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' });
        stream.end();
        return;
      }
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => {
        const trailers: Record<string, string> = {
          'grpc-status': String(answer.code),
          ...answer.trailers,
        };
        if (answer.message !== undefined)
          trailers['grpc-message'] = encodeURIComponent(answer.message);
        stream.sendTrailers(trailers);
      });
      const response = answer.response ?? new Uint8Array(0);
      const framed = Buffer.alloc(5 + response.byteLength);
      framed.writeUInt32BE(response.byteLength, 1);
      framed.set(response, 5);
      stream.end(framed);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = (server.address() as net.AddressInfo).port;
  return {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    requests,
    openSessions: () => sessions.size,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Starts a TCP server that accepts connections and never responds, like a hung agent. */
export async function startHangingServer(): Promise<TestServer & { connections: number }> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests: [],
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Returns a loopback port that was free a moment ago and is closed now. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Captures warnings sent through `diag`; call `restore()` after the test. */
export function captureDiagWarnings(): { warnings: string[]; restore: () => void } {
  const warnings: string[] = [];
  const push = (message: string, ...args: unknown[]) => {
    warnings.push([message, ...args.map(String)].join(' '));
  };
  const logger: DiagLogger = {
    error: push,
    warn: push,
    info: () => {},
    debug: () => {},
    verbose: () => {},
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  return { warnings, restore: () => diag.disable() };
}

/** Resolves after `millis` milliseconds. */
export function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/** Polls `condition` every 10 ms until it returns true or `timeoutMillis` passes. */
export async function waitFor(condition: () => boolean, timeoutMillis = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
