import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExportTarget } from '../src/export/export-target.js';
import { createOtlpTransport, type OtlpTransport } from '../src/export/otlp-transport.js';
import { waitFor } from './export-test-servers.js';

const FAST_RETRY = { initialBackoffMillis: 10, maxBackoffMillis: 40 };
let dir: string;

/** Runs openssl with `args` in the certificate folder and fails the test on error. */
function openssl(...args: string[]): void {
  const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
}

/** Issues a P-256 key and a certificate signed by the test CA. */
function issue(name: string, commonName: string, extensions: string): void {
  openssl(
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${commonName}`,
  );
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '1',
    '-extfile',
    `${name}.ext`,
  );
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlsysops-export-tls-'));
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=mlsysops-test-ca',
  );
  issue('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  issue('client', 'test-client', 'extendedKeyUsage=clientAuth\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const file = (name: string) => join(dir, name);

function serverOptions(requireClientCertificate: boolean) {
  return {
    key: readFileSync(file('server.key')),
    cert: readFileSync(file('server.crt')),
    ca: readFileSync(file('ca.crt')),
    requestCert: requireClientCertificate,
    rejectUnauthorized: requireClientCertificate,
  };
}

/** Starts an HTTPS server that records the client certificate's common name per request. */
async function startHttpsServer(requireClientCertificate: boolean) {
  const clients: string[] = [];
  const server = https.createServer(serverOptions(requireClientCertificate), (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    clients.push(String(peer?.subject?.CN ?? ''));
    req.resume();
    req.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, clients };
}

function transportTo(target: ExportTarget): OtlpTransport {
  const transport = createOtlpTransport({ signal: 'logs', target, retry: FAST_RETRY });
  cleanups.push(() => transport.shutdown(100));
  return transport;
}

function batch() {
  return { body: new TextEncoder().encode('secure'), encoding: 'protobuf' as const, itemCount: 1 };
}

describe('TLS', () => {
  it('verifies server with CA file', async () => {
    const server = await startHttpsServer(false);
    const transport = transportTo({
      url: `https://127.0.0.1:${server.port}/v1/logs`,
      protocol: 'http/protobuf',
      certificateFile: file('ca.crt'),
    });

    transport.enqueue(batch());
    const report = await transport.forceFlush(3_000);

    expect(report.complete).toBe(true);
    expect(server.clients).toEqual(['']);
  });

  it('rejects unknown server CA', async () => {
    const server = await startHttpsServer(false);
    const transport = transportTo({
      url: `https://127.0.0.1:${server.port}/v1/logs`,
      protocol: 'http/protobuf',
    });

    transport.enqueue(batch());
    await waitFor(() => transport.getStats().retriedRequests >= 1);

    expect(transport.status().lastError).toMatch(/certificate/);
    expect(server.clients).toEqual([]);
  });

  it('sends client certificate', async () => {
    const server = await startHttpsServer(true);
    const transport = transportTo({
      url: `https://127.0.0.1:${server.port}/v1/logs`,
      protocol: 'http/protobuf',
      certificateFile: file('ca.crt'),
      clientKeyFile: file('client.key'),
      clientCertificateFile: file('client.crt'),
    });

    transport.enqueue(batch());
    const report = await transport.forceFlush(3_000);

    expect(report.complete).toBe(true);
    expect(server.clients).toEqual(['test-client']);
  });

  it('retries until CA file exists', async () => {
    const server = await startHttpsServer(false);
    const lateCa = file('late-ca.crt');
    const transport = transportTo({
      url: `https://127.0.0.1:${server.port}/v1/logs`,
      protocol: 'http/protobuf',
      certificateFile: lateCa,
    });

    transport.enqueue(batch());
    await waitFor(() => transport.getStats().retriedRequests >= 2);
    expect(transport.status().lastError).toMatch(/^reading TLS files failed: .*ENOENT/);
    copyFileSync(file('ca.crt'), lateCa);
    const report = await transport.forceFlush(3_000);

    expect(report.complete).toBe(true);
    expect(server.clients).toEqual(['']);
  });

  it('calls gRPC over TLS', async () => {
    const paths: string[] = [];
    const clients: string[] = [];
    const server = http2.createSecureServer(serverOptions(true));
    server.on('stream', (stream, headers) => {
      paths.push(String(headers[':path']));
      const socket = stream.session?.socket as TLSSocket | undefined;
      clients.push(String(socket?.getPeerCertificate().subject.CN ?? ''));
      stream.resume();
      stream.on('end', () => {
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc' },
          { waitForTrailers: true },
        );
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;
    const transport = transportTo({
      // No scheme and insecure unset means TLS.
      url: `127.0.0.1:${port}`,
      protocol: 'grpc',
      certificateFile: file('ca.crt'),
      clientKeyFile: file('client.key'),
      clientCertificateFile: file('client.crt'),
    });

    transport.enqueue(batch());
    const report = await transport.forceFlush(3_000);
    await transport.shutdown(100);

    expect(report.complete).toBe(true);
    expect(paths).toEqual(['/opentelemetry.proto.collector.logs.v1.LogsService/Export']);
    expect(clients).toEqual(['test-client']);
  });
});
