import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CommandIo, runCli } from '../src/index.js';

const servers: Server[] = [];

// A loopback port with nothing listening, so the local endpoint check of each run stays on
// this machine unless a test points it at its own server.
let closedPort = 0;

beforeAll(async () => {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  closedPort = typeof address === 'object' && address !== null ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/**
 * Starts an HTTP server on a free loopback port that responds with `status`: to POST like an
 * OTLP receiver, and to GET with two Prometheus samples like the node agent's exporter.
 */
async function startReceiver(status = 200): Promise<number> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const body = request.method === 'GET' ? '# TYPE up gauge\nup 1\nother 2\n' : '';
      response.writeHead(status).end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function captureIo(env: Record<string, string> = {}): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    env: {
      MLSYSOPS_DISCOVERY_LOCALHOST: 'false',
      LOCAL_OTEL_ENDPOINT: `127.0.0.1:${closedPort}`,
      ...env,
    },
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}

describe('runCli', () => {
  it('prints help and exits 0', async () => {
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out).toContain('Usage: mlsysops-telemetry <command> [options]');
    expect(io.out).toMatch(/\n {2}doctor +Check settings/);
  });

  it('exits 1 without a command', async () => {
    const io = captureIo();
    expect(await runCli([], io)).toBe(1);
  });

  it('exits 1 on an unknown command', async () => {
    const io = captureIo();
    expect(await runCli(['frobnicate'], io)).toBe(1);
    expect(io.err).toMatch(/^Unknown command "frobnicate"\. Commands: .*\bdoctor\b.*\.\n$/);
  });
});

describe('doctor', () => {
  it('prints its help', async () => {
    const io = captureIo();
    expect(await runCli(['doctor', '--help'], io)).toBe(0);
    expect(io.out).toContain('Usage: mlsysops-telemetry doctor [options]');
    expect(io.out).toContain('--probe-budget-millis <ms>');
  });

  it('exits 1 on an unknown option', async () => {
    const io = captureIo();
    expect(await runCli(['doctor', '--bogus'], io)).toBe(1);
    expect(io.err).toContain("Unknown option '--bogus'");
  });

  it('exits 1 on an invalid option value', async () => {
    const io = captureIo();
    expect(await runCli(['doctor', '--protocol', 'udp'], io)).toBe(1);
    expect(io.err).toContain(
      'Option otlp.protocol is invalid: "udp"; expected one of http/protobuf, http/json, grpc',
    );

    const ports = captureIo();
    expect(await runCli(['doctor', '--http-ports', '0'], ports)).toBe(1);
    expect(ports.err).toContain('--http-ports "0" is invalid');
  });

  it('exits 0 with a reachable agent and prints JSON', async () => {
    const port = await startReceiver();
    const io = captureIo({
      NODE_IP: '127.0.0.1',
      NODE_HOSTNAME: 'node-7',
      OTEL_SERVICE_NAME: 'detector',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20secret-token',
      LOCAL_OTEL_ENDPOINT: `127.0.0.1:${port}`,
    });

    const code = await runCli(
      ['doctor', '--json', '--http-ports', String(port), '--grpc-ports', ''],
      io,
    );

    expect(code).toBe(0);
    const report = JSON.parse(io.out);
    expect(report.agent).toEqual({
      endpoint: `http://127.0.0.1:${port}`,
      protocol: 'http/protobuf',
      source: 'NODE_IP',
      reachable: true,
    });
    expect(report.resource['service.name']).toBe('detector');
    expect(report.resource['k8s.node.name']).toBe('node-7');
    expect(report.candidates).toHaveLength(1);
    expect(report.candidates[0]).toMatchObject({
      endpoint: `http://127.0.0.1:${port}`,
      source: 'NODE_IP',
      outcome: 'otlp',
    });
    expect(typeof report.candidates[0].millis).toBe('number');
    expect(report.settings.otlp.metrics.headers).toEqual({ authorization: '<redacted>' });
    expect(report.sources['resource.nodeName']).toBe('NODE_HOSTNAME');
    expect(report.localEndpoint).toMatchObject({
      url: `http://127.0.0.1:${port}/metrics`,
      source: 'LOCAL_OTEL_ENDPOINT',
      reachable: true,
      outcome: 'ok',
      samples: 2,
    });
    expect(report.warnings).toEqual([]);
    expect(io.out).not.toContain('secret-token');
  });

  it('exits 2 when nothing responds and still prints the report', async () => {
    const io = captureIo({ MLSYSOPS_LAYER: 'galaxy' });
    const code = await runCli(['doctor', '--json'], io);

    expect(code).toBe(2);
    const report = JSON.parse(io.out);
    expect(report.agent.reachable).toBe(false);
    expect(report.agent.source).toBe('default');
    expect(report.warnings).toEqual([
      'MLSYSOPS_LAYER="galaxy" is invalid: expected one of node, cluster, continuum',
      'no OTLP receiver responded at http://localhost:4318 (http/protobuf, from default)',
      `local Prometheus endpoint http://127.0.0.1:${closedPort}/metrics (from LOCAL_OTEL_ENDPOINT) did not respond: refused (ECONNREFUSED)`,
    ]);
    expect(report.localEndpoint.outcome).toBe('refused');
  });

  it('skips the local check on request', async () => {
    const io = captureIo();
    await runCli(['doctor', '--json', '--no-local-check'], io);
    const report = JSON.parse(io.out);
    expect(report.localEndpoint).toBeUndefined();
    expect(report.warnings).toEqual([
      'no OTLP receiver responded at http://localhost:4318 (http/protobuf, from default)',
    ]);
  });

  it('reports an HTTP error from the local endpoint', async () => {
    const port = await startReceiver(500);
    const io = captureIo({ LOCAL_OTEL_ENDPOINT: `http://127.0.0.1:${port}/metrics` });
    await runCli(['doctor', '--json'], io);
    const report = JSON.parse(io.out);
    expect(report.localEndpoint).toMatchObject({
      reachable: false,
      outcome: 'http-error',
      detail: 'HTTP 500',
    });
  });

  it('checks an explicit endpoint', async () => {
    const port = await startReceiver(503);
    const io = captureIo();
    const code = await runCli(['doctor', '--json', '--endpoint', `http://127.0.0.1:${port}`], io);

    expect(code).toBe(2);
    const report = JSON.parse(io.out);
    expect(report.agent.source).toBe('otlp.endpoint');
    expect(report.candidates[0]).toMatchObject({ outcome: 'not-otlp', detail: 'HTTP 503' });
  });

  it('prints text sections', async () => {
    const port = await startReceiver();
    const io = captureIo({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    expect(await runCli(['doctor'], io)).toBe(0);

    for (const heading of [
      'Resource',
      'Agent',
      'Candidates, in the order tried',
      'Local Prometheus endpoint',
      'Settings',
      'Warnings',
    ]) {
      expect(io.out).toContain(`\n${heading}`.trimStart());
    }
    expect(io.out).toContain(`  endpoint   http://127.0.0.1:${port} (http/protobuf)`);
    expect(io.out).toContain('  reachable  yes');
    expect(io.out).toContain('OTEL_EXPORTER_OTLP_ENDPOINT (explicit)');
  });
});
