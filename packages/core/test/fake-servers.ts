import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttp2Server, type Http2Server } from 'node:http2';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';

/** A listening test server and how to stop it. */
export interface FakeServer {
  port: number;
  /** Requests received, as `METHOD path content-type`. */
  requests: string[];
  /** `x-token` header of each request, or `-` when absent. */
  tokens: string[];
  close(): Promise<void>;
}

async function listen(
  server: Server | Http2Server | TcpServer,
  host: string,
  port = 0,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function closer(server: Server | Http2Server | TcpServer, sockets: Set<Socket>) {
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

/**
 * Starts an HTTP server that responds to every request with `status` (200 mimics an OTLP receiver), on
 * `port` (0 picks a free one).
 */
export async function startFakeHttp(
  host = '127.0.0.1',
  status = 200,
  port = 0,
): Promise<FakeServer> {
  const requests: string[] = [];
  const tokens: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((request, response) => {
    requests.push(`${request.method} ${request.url} ${request.headers['content-type']}`);
    tokens.push(String(request.headers['x-token'] ?? '-'));
    request.resume();
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'application/x-protobuf' });
      response.end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const bound = await listen(server, host, port);
  return { port: bound, requests, tokens, close: closer(server, sockets) };
}

/** Starts an HTTP/2 server that responds to gRPC calls with `grpcStatus` (0 mimics an OTLP receiver). */
export async function startFakeGrpc(host = '127.0.0.1', grpcStatus = 0): Promise<FakeServer> {
  const requests: string[] = [];
  const tokens: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttp2Server();
  server.on('stream', (stream, headers) => {
    requests.push(`${headers[':method']} ${headers[':path']} ${headers['content-type']}`);
    tokens.push(String(headers['x-token'] ?? '-'));
    stream.resume();
    stream.on('end', () => {
      stream.respond(
        { ':status': 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': String(grpcStatus) }));
      stream.end();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, host);
  return { port, requests, tokens, close: closer(server, sockets) };
}

/** Starts a TCP listener that accepts connections and never responds. */
export async function startSilentTcp(host = '127.0.0.1'): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, host);
  return { port, requests: [], tokens: [], close: closer(server, sockets) };
}

/** Starts a TCP listener that writes a line of text and closes each connection. */
export async function startChattyTcp(host = '127.0.0.1'): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.end('SSH-2.0-not-otlp\r\n');
  });
  const port = await listen(server, host);
  return { port, requests: [], tokens: [], close: closer(server, sockets) };
}

/** Returns a loopback port that nothing listens on (it was bound and released). */
export async function closedPort(host = '127.0.0.1'): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
