import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverAgent, resolveSettings, type TelemetryOptions } from '../src/index.js';
import {
  closedPort,
  type FakeServer,
  startChattyTcp,
  startFakeGrpc,
  startFakeHttp,
  startSilentTcp,
} from './fake-servers.js';

const NO_FILE = { serviceAccountNamespaceFile: '/nonexistent/namespace' };
const servers: FakeServer[] = [];

function settingsOf(env: Record<string, string>, options: TelemetryOptions = {}) {
  return resolveSettings(options, env, NO_FILE);
}

async function track<T extends FakeServer>(server: Promise<T>): Promise<T> {
  const started = await server;
  servers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

describe('discoverAgent probes', () => {
  it('finds an OTLP/HTTP receiver on the node address', async () => {
    const http = await track(startFakeHttp());
    const settings = settingsOf({ NODE_IP: '127.0.0.1' });

    const result = await discoverAgent(settings, {
      httpPorts: [http.port],
      grpcPorts: [],
      localhostAddresses: [],
    });

    expect(result.endpoint).toBe(`http://127.0.0.1:${http.port}`);
    expect(result.protocol).toBe('http/protobuf');
    expect(result.source).toBe('NODE_IP');
    expect(result.reachable).toBe(true);
    expect(result.targets.traces.url).toBe(`http://127.0.0.1:${http.port}/v1/traces`);
    expect(result.candidates).toHaveLength(1);
    expect(result.candidates[0]?.outcome).toBe('otlp');
    expect(result.candidates[0]?.detail).toBe('HTTP 200');
    expect(http.requests).toEqual(['POST /v1/metrics application/x-protobuf']);
  });

  it('finds an OTLP/gRPC receiver', async () => {
    const grpc = await track(startFakeGrpc());
    const settings = settingsOf({ HOST_IP: '127.0.0.1' });

    const result = await discoverAgent(settings, {
      httpPorts: [],
      grpcPorts: [grpc.port],
      localhostAddresses: [],
    });

    expect(result.protocol).toBe('grpc');
    expect(result.reachable).toBe(true);
    expect(result.targets.metrics.url).toBe(`http://127.0.0.1:${grpc.port}`);
    expect(result.targets.metrics.hostPort).toBe(`127.0.0.1:${grpc.port}`);
    expect(grpc.requests).toEqual([
      'POST /opentelemetry.proto.collector.metrics.v1.MetricsService/Export application/grpc',
    ]);
  });

  it('tells a gRPC error status apart', async () => {
    const grpc = await track(startFakeGrpc('127.0.0.1', 12));
    const settings = settingsOf({ NODE_IP: '127.0.0.1' });

    const result = await discoverAgent(settings, {
      httpPorts: [],
      grpcPorts: [grpc.port],
      localhostAddresses: [],
    });

    expect(result.reachable).toBe(false);
    expect(result.candidates[0]?.outcome).toBe('not-otlp');
    expect(result.candidates[0]?.detail).toBe('grpc-status 12');
  });

  it('tells a plain TCP listener apart', async () => {
    const silent = await track(startSilentTcp());
    const chatty = await track(startChattyTcp());
    const settings = settingsOf({ NODE_IP: '127.0.0.1' });

    const result = await discoverAgent(settings, {
      httpPorts: [silent.port, chatty.port],
      grpcPorts: [silent.port, chatty.port],
      localhostAddresses: [],
      probeBudgetMillis: 200,
    });

    expect(result.reachable).toBe(false);
    expect(result.source).toBe('default');
    expect(result.endpoint).toBe('http://localhost:4318');
    expect(result.candidates.map((candidate) => candidate.outcome)).toEqual([
      'not-otlp',
      'not-otlp',
      'not-otlp',
      'not-otlp',
    ]);
    expect(result.millis).toBeLessThan(1000);
  });

  it('reports HTTP error status as not OTLP', async () => {
    const http = await track(startFakeHttp('127.0.0.1', 404));
    const result = await discoverAgent(settingsOf({ NODE_IP: '127.0.0.1' }), {
      httpPorts: [http.port],
      grpcPorts: [],
      localhostAddresses: [],
    });
    expect(result.candidates[0]?.outcome).toBe('not-otlp');
    expect(result.candidates[0]?.detail).toBe('HTTP 404');
  });

  it('survives a response body that never ends', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/x-protobuf' });
      response.write('partial');
    });
    server.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    servers.push({
      port,
      requests: [],
      tokens: [],
      close: () =>
        new Promise<void>((resolve) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => resolve());
        }),
    });

    const result = await discoverAgent(settingsOf({ NODE_IP: '127.0.0.1' }), {
      httpPorts: [port],
      grpcPorts: [],
      localhostAddresses: [],
    });
    expect(result.reachable).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
  });

  it('reports refused ports', async () => {
    const port = await closedPort();
    const result = await discoverAgent(settingsOf({ NODE_IP: '127.0.0.1' }), {
      httpPorts: [port],
      grpcPorts: [port],
      localhostAddresses: [],
    });
    expect(result.candidates.map((candidate) => candidate.outcome)).toEqual(['refused', 'refused']);
    expect(result.reachable).toBe(false);
  });

  it('finds an IPv6-only receiver over ::1', async () => {
    const http = await track(startFakeHttp('::1'));
    const result = await discoverAgent(settingsOf({}), {
      httpPorts: [http.port],
      grpcPorts: [],
    });
    expect(result.endpoint).toBe(`http://[::1]:${http.port}`);
    expect(result.source).toBe('localhost');
    expect(result.candidates.map((candidate) => candidate.outcome)).toEqual(['refused', 'otlp']);
  });
});

describe('discoverAgent order', () => {
  it('prefers TELEMETRY_ENDPOINT over the node address', async () => {
    const grpc = await track(startFakeGrpc());
    const http = await track(startFakeHttp());
    const settings = settingsOf({
      TELEMETRY_ENDPOINT: `127.0.0.1:${grpc.port}`,
      NODE_IP: '127.0.0.1',
    });

    const result = await discoverAgent(settings, {
      httpPorts: [http.port],
      grpcPorts: [],
      localhostAddresses: [],
    });

    expect(result.source).toBe('TELEMETRY_ENDPOINT');
    expect(result.protocol).toBe('grpc');
    expect(result.candidates.map((candidate) => candidate.source)).toEqual([
      'TELEMETRY_ENDPOINT',
      'NODE_IP',
    ]);
  });

  it('takes the first candidate that responds and cancels slower later ones', async () => {
    const http = await track(startFakeHttp());
    const silent = await track(startSilentTcp());
    const settings = settingsOf({ NODE_IP: '127.0.0.1' });

    const result = await discoverAgent(settings, {
      httpPorts: [http.port, silent.port],
      grpcPorts: [],
      localhostAddresses: [],
      probeBudgetMillis: 5_000,
    });

    expect(result.endpoint).toBe(`http://127.0.0.1:${http.port}`);
    expect(result.candidates[1]?.outcome).toBe('cancelled');
    expect(result.millis).toBeLessThan(1_000);
  });

  it('waits for an earlier candidate before taking a later one', async () => {
    const silent = await track(startSilentTcp());
    const http = await track(startFakeHttp());
    const settings = settingsOf({ NODE_IP: '127.0.0.1' });

    const result = await discoverAgent(settings, {
      httpPorts: [silent.port, http.port],
      grpcPorts: [],
      localhostAddresses: [],
      probeBudgetMillis: 150,
    });

    expect(result.candidates[0]?.outcome).toBe('not-otlp');
    expect(result.endpoint).toBe(`http://127.0.0.1:${http.port}`);
    expect(result.millis).toBeGreaterThanOrEqual(140);
  });

  it('skips HTTP ports when gRPC is configured', async () => {
    const settings = settingsOf({ NODE_IP: '127.0.0.1', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    const port = await closedPort();
    const result = await discoverAgent(settings, {
      httpPorts: [port],
      grpcPorts: [port],
      localhostAddresses: [],
    });
    expect(result.candidates.map((candidate) => candidate.protocol)).toEqual(['grpc']);
    expect(result.endpoint).toBe('http://localhost:4317');
    expect(result.protocol).toBe('grpc');
  });

  it('skips localhost when turned off', async () => {
    const port = await closedPort();
    const settings = settingsOf({ NODE_IP: '127.0.0.1', MLSYSOPS_DISCOVERY_LOCALHOST: 'false' });
    const result = await discoverAgent(settings, { httpPorts: [port], grpcPorts: [] });
    expect(result.candidates.map((candidate) => candidate.source)).toEqual(['NODE_IP']);
  });

  it('lists the service host between node and localhost', async () => {
    const port = await closedPort();
    const settings = settingsOf({
      NODE_IP: '127.0.0.1',
      MLSYSOPS_DISCOVERY_SERVICE_HOST: 'localhost',
    });
    const result = await discoverAgent(settings, {
      httpPorts: [port],
      grpcPorts: [],
      localhostAddresses: ['127.0.0.1'],
    });
    expect(result.candidates.map((candidate) => candidate.source)).toEqual([
      'NODE_IP',
      'MLSYSOPS_DISCOVERY_SERVICE_HOST',
      'localhost',
    ]);
  });
});

describe('discoverAgent explicit endpoints', () => {
  it('keeps an unreachable explicit endpoint', async () => {
    const port = await closedPort();
    const http = await track(startFakeHttp());
    const settings = settingsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
      NODE_IP: '127.0.0.1',
    });

    const result = await discoverAgent(settings, { httpPorts: [http.port], grpcPorts: [] });

    expect(result.endpoint).toBe(`http://127.0.0.1:${port}`);
    expect(result.source).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(result.reachable).toBe(false);
    expect(result.candidates).toHaveLength(3);
    expect(result.candidates.every((candidate) => candidate.explicit)).toBe(true);
    expect(result.targets.logs.url).toBe(`http://127.0.0.1:${port}/v1/logs`);
    expect(http.requests).toEqual([]);
  });

  it('probes a signal endpoint as given and discovers the rest', async () => {
    const explicit = await track(startFakeHttp());
    const node = await track(startFakeHttp());
    const settings = settingsOf({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${explicit.port}/custom/traces`,
      NODE_IP: '127.0.0.1',
    });

    const result = await discoverAgent(settings, {
      httpPorts: [node.port],
      grpcPorts: [],
      localhostAddresses: [],
    });

    expect(explicit.requests).toEqual(['POST /custom/traces application/x-protobuf']);
    expect(result.targets.traces).toMatchObject({
      url: `http://127.0.0.1:${explicit.port}/custom/traces`,
      source: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
      reachable: true,
    });
    expect(result.targets.metrics.url).toBe(`http://127.0.0.1:${node.port}/v1/metrics`);
    expect(result.source).toBe('NODE_IP');
  });

  it('sends headers only to explicit endpoints', async () => {
    const explicit = await track(startFakeHttp());
    const node = await track(startFakeHttp());
    const settings = settingsOf({
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${explicit.port}/v1/metrics`,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-token=abc',
      NODE_IP: '127.0.0.1',
    });
    const result = await discoverAgent(settings, {
      httpPorts: [node.port],
      grpcPorts: [],
      localhostAddresses: [],
    });
    expect(result.reachable).toBe(true);
    expect(explicit.tokens).toEqual(['abc']);
    expect(node.tokens).toEqual(['-']);
  });

  it('probes with the owning signal headers', async () => {
    const explicit = await track(startFakeHttp());
    const settings = settingsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${explicit.port}`,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-token=generic',
      OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'x-token=logs',
    });
    await discoverAgent(settings);
    expect(explicit.requests.sort()).toEqual([
      'POST /v1/logs application/x-protobuf',
      'POST /v1/metrics application/x-protobuf',
      'POST /v1/traces application/x-protobuf',
    ]);
    expect(explicit.tokens.sort()).toEqual(['generic', 'generic', 'logs']);
  });

  it('probes the default when discovery is off', async () => {
    const http = await track(startFakeHttp());
    const settings = settingsOf({ MLSYSOPS_DISCOVERY_ENABLED: 'false', NODE_IP: '127.0.0.1' });
    const result = await discoverAgent(settings, {
      defaultEndpoint: `http://127.0.0.1:${http.port}`,
      httpPorts: [http.port],
    });
    expect(result.candidates.map((candidate) => candidate.source)).toEqual(['default']);
    expect(result.source).toBe('default');
    expect(result.reachable).toBe(true);
    expect(http.requests).toEqual(['POST /v1/metrics application/x-protobuf']);
  });
});
