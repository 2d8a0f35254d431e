import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverAgent, resolveSettings } from '../src/index.js';

const NO_FILE = { serviceAccountNamespaceFile: '/nonexistent/namespace' };
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

let dir = '';
let certFile = '';
let keyFile = '';

async function listen(server: Server | Http2SecureServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function close(server: Server | Http2SecureServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

// A self-signed certificate for 127.0.0.1, valid for one day.
beforeAll(() => {
  if (!hasOpenssl) return;
  dir = mkdtempSync(join(tmpdir(), 'core-tls-'));
  certFile = join(dir, 'cert.pem');
  keyFile = join(dir, 'key.pem');
  const result = spawnSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasOpenssl)('discoverAgent over TLS', () => {
  it('trusts the configured CA for OTLP/HTTP', async () => {
    const server = createHttpsServer(
      { cert: readFileSync(certFile), key: readFileSync(keyFile) },
      (request, response) => {
        request.resume();
        request.on('end', () => response.writeHead(200).end());
      },
    );
    const port = await listen(server);

    try {
      const trusted = resolveSettings(
        {},
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: `https://127.0.0.1:${port}`,
          OTEL_EXPORTER_OTLP_CERTIFICATE: certFile,
        },
        NO_FILE,
      );
      const untrusted = resolveSettings(
        {},
        { OTEL_EXPORTER_OTLP_ENDPOINT: `https://127.0.0.1:${port}` },
        NO_FILE,
      );

      const ok = await discoverAgent(trusted);
      const rejected = await discoverAgent(untrusted);

      expect(ok.reachable).toBe(true);
      expect(rejected.reachable).toBe(false);
      expect(rejected.candidates[0]?.outcome).toBe('error');
      expect(rejected.candidates[0]?.detail).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      await close(server);
    }
  });

  it('trusts the configured CA for OTLP/gRPC', async () => {
    const server = createSecureServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
    server.on('stream', (stream) => {
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
    const port = await listen(server);

    try {
      const settings = resolveSettings(
        {},
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: `127.0.0.1:${port}`,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
          OTEL_EXPORTER_OTLP_CERTIFICATE: certFile,
        },
        NO_FILE,
      );
      const result = await discoverAgent(settings);

      expect(result.endpoint).toBe(`https://127.0.0.1:${port}`);
      expect(result.reachable).toBe(true);
      expect(result.targets.traces.url).toBe(`https://127.0.0.1:${port}`);
    } finally {
      await close(server);
    }
  });

  it('reports a missing CA file', async () => {
    const settings = resolveSettings(
      {},
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'https://127.0.0.1:9',
        OTEL_EXPORTER_OTLP_CERTIFICATE: join(dir, 'missing.pem'),
      },
      NO_FILE,
    );
    const result = await discoverAgent(settings);
    expect(result.candidates[0]).toMatchObject({
      outcome: 'error',
      detail: 'TLS file could not be read: ENOENT',
    });
  });
});
