import { createServer, type Server, type Socket } from 'node:net';
import {
  type DiscoveryResult,
  discoverAgent,
  getAgentLocator,
  resolveSettings,
  type TelemetryOptions,
} from '@mlsysops/telemetry-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorHandle, startCollector } from './support/collector.js';
import { testCollectorConfig } from './support/collector-config.js';
import { freePort } from './support/ports.js';

// Settings read only the variables each test passes, never the shell's, and every address
// points at loopback ports the test opened.
const NO_FILE = { serviceAccountNamespaceFile: '/nonexistent/namespace' };

function settingsOf(env: Record<string, string>, options: TelemetryOptions = {}) {
  return resolveSettings(options, { MLSYSOPS_DISCOVERY_LOCALHOST: 'false', ...env }, NO_FILE);
}

/** Starts a plain TCP listener that accepts connections and never responds. */
async function startSilentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('discovery against the Collector', () => {
  let collector: CollectorHandle;

  beforeAll(async () => {
    collector = await startCollector({ config: testCollectorConfig() });
  });

  afterAll(async () => {
    await collector?.stop();
  });

  it('finds OTLP/HTTP on the node address', async () => {
    const settings = settingsOf({ NODE_IP: '127.0.0.1' });
    const result = await discoverAgent(settings, {
      httpPorts: [collector.ports.otlpHttp],
      grpcPorts: [],
    });

    expect(result.endpoint).toBe(`http://127.0.0.1:${collector.ports.otlpHttp}`);
    expect(result.protocol).toBe('http/protobuf');
    expect(result.source).toBe('NODE_IP');
    expect(result.reachable).toBe(true);
    expect(result.candidates).toHaveLength(1);
    // The Collector responds to an empty ExportMetricsServiceRequest with 200.
    expect(result.candidates[0]).toMatchObject({ outcome: 'otlp', detail: 'HTTP 200' });
  });

  it('finds OTLP/HTTP with JSON encoding', async () => {
    const settings = settingsOf({ NODE_IP: '127.0.0.1', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    const result = await discoverAgent(settings, {
      httpPorts: [collector.ports.otlpHttp],
      grpcPorts: [collector.ports.otlpGrpc],
    });

    expect(result.protocol).toBe('http/json');
    expect(result.reachable).toBe(true);
    expect(result.candidates.map((candidate) => candidate.protocol)).toEqual(['http/json']);
  });

  it('finds OTLP/gRPC from TELEMETRY_ENDPOINT', async () => {
    const settings = settingsOf({ TELEMETRY_ENDPOINT: `127.0.0.1:${collector.ports.otlpGrpc}` });
    const result = await discoverAgent(settings, { httpPorts: [], grpcPorts: [] });

    expect(result.endpoint).toBe(`http://127.0.0.1:${collector.ports.otlpGrpc}`);
    expect(result.protocol).toBe('grpc');
    expect(result.source).toBe('TELEMETRY_ENDPOINT');
    expect(result.reachable).toBe(true);
    expect(result.candidates[0]).toMatchObject({ outcome: 'otlp', detail: 'grpc-status 0' });
    expect(result.targets.metrics.hostPort).toBe(`127.0.0.1:${collector.ports.otlpGrpc}`);
  });

  it('tells the HTTP and gRPC ports apart', async () => {
    const settings = settingsOf({ NODE_IP: '127.0.0.1' });
    const result = await discoverAgent(settings, {
      // Each port is tried with the other protocol first.
      httpPorts: [collector.ports.otlpGrpc],
      grpcPorts: [collector.ports.otlpHttp, collector.ports.otlpGrpc],
      probeBudgetMillis: 2_000,
    });

    expect(result.candidates.map((candidate) => candidate.outcome)).toEqual([
      'not-otlp',
      'not-otlp',
      'otlp',
    ]);
    expect(result.protocol).toBe('grpc');
    expect(result.endpoint).toBe(`http://127.0.0.1:${collector.ports.otlpGrpc}`);
  });

  it('reports an explicit endpoint as reachable', async () => {
    const settings = settingsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.ports.otlpHttp}`,
    });
    const result = await discoverAgent(settings);

    expect(result.source).toBe('OTEL_EXPORTER_OTLP_ENDPOINT');
    expect(result.reachable).toBe(true);
    expect(result.candidates.map((candidate) => candidate.outcome)).toEqual([
      'otlp',
      'otlp',
      'otlp',
    ]);
    expect(result.targets.traces.url).toBe(
      `http://127.0.0.1:${collector.ports.otlpHttp}/v1/traces`,
    );
  });
});

describe('discovery without a Collector', () => {
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('rejects a plain TCP listener', async () => {
    const listener = await startSilentListener();
    cleanups.push(() => listener.close());

    const settings = settingsOf({ NODE_IP: '127.0.0.1' });
    const result = await discoverAgent(settings, {
      httpPorts: [listener.port],
      grpcPorts: [listener.port],
      probeBudgetMillis: 300,
    });

    expect(result.reachable).toBe(false);
    expect(result.candidates.map((candidate) => candidate.outcome)).toEqual([
      'not-otlp',
      'not-otlp',
    ]);
    expect(result.candidates[0]?.detail).toBe('connected, but no HTTP response within the budget');
    expect(result.candidates[1]?.detail).toBe(
      'connected, but no HTTP/2 SETTINGS within the budget',
    );
  });

  it('falls back within the budget when nothing listens', async () => {
    const httpPort = await freePort();
    const grpcPort = await freePort();
    const settings = settingsOf({ NODE_IP: '127.0.0.1' });

    const started = performance.now();
    const result = await discoverAgent(settings, { httpPorts: [httpPort], grpcPorts: [grpcPort] });
    const elapsed = performance.now() - started;

    expect(result.reachable).toBe(false);
    expect(result.endpoint).toBe('http://localhost:4318');
    expect(result.source).toBe('default');
    expect(result.candidates.map((candidate) => candidate.outcome)).toEqual(['refused', 'refused']);
    expect(elapsed).toBeLessThan(300 + 200);
  });

  it('finds an IPv6-only Collector over ::1', async () => {
    const httpPort = await freePort('::1');
    const collector = await startCollector({
      config: {
        ...testCollectorConfig(),
        receivers: {
          otlp: {
            protocols: {
              http: { endpoint: `[::1]:${httpPort}` },
              grpc: { endpoint: '[::1]:{{port:otlpGrpc}}' },
            },
          },
        },
      },
    });
    cleanups.push(() => collector.stop());

    const settings = resolveSettings({}, {}, NO_FILE);
    const result = await discoverAgent(settings, {
      httpPorts: [httpPort],
      grpcPorts: [],
      localhostAddresses: ['127.0.0.1', '::1'],
    });

    expect(result.endpoint).toBe(`http://[::1]:${httpPort}`);
    expect(result.source).toBe('localhost');
    expect(result.reachable).toBe(true);
    expect(result.candidates.map((candidate) => candidate.outcome)).toEqual(['refused', 'otlp']);
  });

  it('notifies when the agent starts after the application', async () => {
    const httpPort = await freePort();
    const settings = settingsOf(
      { NODE_IP: '127.0.0.1' },
      { discovery: { retryMaxBackoffMillis: 500 } },
    );
    const locator = getAgentLocator(settings, {
      httpPorts: [httpPort],
      grpcPorts: [],
      retryInitialBackoffMillis: 100,
    });
    cleanups.push(() => locator.close());

    const changes: DiscoveryResult[] = [];
    locator.onChange((result) => changes.push(result));
    const first = await locator.ready();
    expect(first.reachable).toBe(false);
    expect(locator.status().state).toBe('searching');

    const collector = await startCollector({
      config: {
        ...testCollectorConfig(),
        receivers: {
          otlp: {
            protocols: {
              http: { endpoint: `127.0.0.1:${httpPort}` },
              grpc: { endpoint: '127.0.0.1:{{port:otlpGrpc}}' },
            },
          },
        },
      },
    });
    cleanups.push(() => collector.stop());

    const deadline = Date.now() + 10_000;
    while (!changes.some((change) => change.reachable) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const found = changes.find((change) => change.reachable);
    expect(found?.endpoint).toBe(`http://127.0.0.1:${httpPort}`);
    expect(found?.source).toBe('NODE_IP');
    expect(locator.status().state).toBe('found');
    expect(locator.exportTarget('metrics').url).toBe(`http://127.0.0.1:${httpPort}/v1/metrics`);
  });

  it('follows the agent to a new port after an export failure', async () => {
    const firstPort = await freePort();
    const secondPort = await freePort();
    const collectorOn = (httpPort: number) =>
      startCollector({
        config: {
          ...testCollectorConfig(),
          receivers: {
            otlp: {
              protocols: {
                http: { endpoint: `127.0.0.1:${httpPort}` },
                grpc: { endpoint: '127.0.0.1:{{port:otlpGrpc}}' },
              },
            },
          },
        },
      });

    const first = await collectorOn(firstPort);
    let firstStopped = false;
    cleanups.push(() => (firstStopped ? undefined : first.stop()));

    const settings = settingsOf(
      { NODE_IP: '127.0.0.1' },
      { discovery: { retryMaxBackoffMillis: 500 } },
    );
    const locator = getAgentLocator(settings, {
      httpPorts: [firstPort, secondPort],
      grpcPorts: [],
      retryInitialBackoffMillis: 100,
    });
    cleanups.push(() => locator.close());
    expect((await locator.ready()).endpoint).toBe(`http://127.0.0.1:${firstPort}`);

    const changes: DiscoveryResult[] = [];
    locator.onChange((result) => changes.push(result));

    // The agent pod is recreated and comes back on the other port.
    await first.stop();
    firstStopped = true;
    const second = await collectorOn(secondPort);
    cleanups.push(() => second.stop());
    locator.reportExportFailure('metrics');

    const deadline = Date.now() + 10_000;
    while (changes.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    expect(changes).toHaveLength(1);
    expect(changes[0]?.endpoint).toBe(`http://127.0.0.1:${secondPort}`);
    expect(changes[0]?.reachable).toBe(true);
    expect(locator.target('logs').url).toBe(`http://127.0.0.1:${secondPort}/v1/logs`);
  });
});
