import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExportTarget } from '../src/export/export-target.js';
import { createOtlpTransport, type OtlpTransport } from '../src/export/otlp-transport.js';
import {
  captureDiagWarnings,
  closedPort,
  startHangingServer,
  startHttpServer,
  type TestServer,
  waitFor,
} from './export-test-servers.js';

const FAST_RETRY = { initialBackoffMillis: 10, maxBackoffMillis: 40 };

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  expect(unhandled).toEqual([]);
});

function track<T extends TestServer>(server: T): T {
  cleanups.push(() => server.close());
  return server;
}

function transportTo(
  target: ExportTarget | (() => ExportTarget),
  extra: Partial<Parameters<typeof createOtlpTransport>[0]> = {},
): OtlpTransport {
  const transport = createOtlpTransport({ signal: 'traces', target, retry: FAST_RETRY, ...extra });
  cleanups.push(() => transport.shutdown(100));
  return transport;
}

function batch(text: string, itemCount = 1) {
  return { body: new TextEncoder().encode(text), encoding: 'protobuf' as const, itemCount };
}

describe('HTTP transport', () => {
  it('sends body and headers', async () => {
    const server = track(await startHttpServer(() => ({ status: 200 })));
    const transport = transportTo({
      url: `${server.url}/v1/traces`,
      protocol: 'http/protobuf',
      headers: { authorization: 'Bearer secret-token', 'x-tenant': 'edge-1' },
    });

    expect(transport.enqueue(batch('hello', 3))).toBe('queued');
    const report = await transport.forceFlush(2_000);

    expect(report.complete).toBe(true);
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request!.path).toBe('/v1/traces');
    expect(request!.body.toString()).toBe('hello');
    expect(request!.headers['content-type']).toBe('application/x-protobuf');
    expect(request!.headers.authorization).toBe('Bearer secret-token');
    expect(request!.headers['x-tenant']).toBe('edge-1');
    expect(transport.getStats().exportedItems).toBe(3);
    expect(transport.getStats().exportedBatches).toBe(1);
  });

  it('sends JSON content type', async () => {
    const server = track(await startHttpServer(() => ({ status: 200 })));
    const transport = transportTo({ url: `${server.url}/v1/logs`, protocol: 'http/json' });

    transport.enqueue({ body: new TextEncoder().encode('{}'), encoding: 'json', itemCount: 1 });
    await transport.forceFlush(2_000);

    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('compresses with gzip', async () => {
    const server = track(await startHttpServer(() => ({ status: 200 })));
    const transport = transportTo({
      url: `${server.url}/v1/traces`,
      protocol: 'http/protobuf',
      compression: 'gzip',
    });

    transport.enqueue(batch('x'.repeat(10_000)));
    await transport.forceFlush(2_000);

    const [request] = server.requests;
    expect(request!.headers['content-encoding']).toBe('gzip');
    expect(Number(request!.headers['content-length'])).toBeLessThan(1_000);
    expect(request!.body.toString()).toBe('x'.repeat(10_000));
  });

  it.each([429, 502, 503, 504])('retries HTTP %i', async (status) => {
    const server = track(
      await startHttpServer((_request, index) => ({ status: index === 0 ? status : 200 })),
    );
    const transport = transportTo({ url: `${server.url}/v1/traces`, protocol: 'http/protobuf' });

    transport.enqueue(batch('a', 2));
    const report = await transport.forceFlush(3_000);

    expect(report.complete).toBe(true);
    expect(server.requests).toHaveLength(2);
    const stats = transport.getStats();
    expect(stats.retriedRequests).toBe(1);
    expect(stats.exportedItems).toBe(2);
    expect(stats.failedItems).toBe(0);
  });

  it('honours Retry-After seconds', async () => {
    const server = track(
      await startHttpServer((_request, index) =>
        index === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 },
      ),
    );
    const transport = transportTo({ url: `${server.url}/v1/traces`, protocol: 'http/protobuf' });

    const started = Date.now();
    transport.enqueue(batch('a'));
    await waitFor(() => server.requests.length === 1);
    expect(transport.status().state).toBe('backoff');
    // A flush keeps a delay that the server requested.
    await transport.forceFlush(3_000);

    expect(server.requests).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('honours Retry-After date', async () => {
    const server = track(
      await startHttpServer((_request, index) =>
        index === 0
          ? { status: 429, headers: { 'retry-after': new Date(Date.now() + 2_000).toUTCString() } }
          : { status: 200 },
      ),
    );
    const transport = transportTo({ url: `${server.url}/v1/traces`, protocol: 'http/protobuf' });

    transport.enqueue(batch('a'));
    await waitFor(() => server.requests.length === 1);
    await waitFor(() => transport.status().nextAttemptMillis !== undefined);
    const waitMillis = transport.status().nextAttemptMillis! - Date.now();

    // HTTP dates have one-second resolution, so the wait is between 1 and 2 seconds.
    expect(waitMillis).toBeGreaterThan(900);
    expect(waitMillis).toBeLessThanOrEqual(2_000);
  });

  it('logs 400 once with body', async () => {
    const diagnostics = captureDiagWarnings();
    cleanups.push(async () => diagnostics.restore());
    const server = track(
      await startHttpServer(() => ({ status: 400, body: 'invalid resource attribute' })),
    );
    const transport = transportTo({
      url: `${server.url}/v1/traces`,
      protocol: 'http/protobuf',
      headers: { authorization: 'Bearer secret-token' },
    });

    transport.enqueue(batch('a', 4));
    transport.enqueue(batch('b', 5));
    await transport.forceFlush(2_000);

    expect(server.requests).toHaveLength(2);
    const rejected = diagnostics.warnings.filter((line) => line.includes('rejected'));
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toContain('HTTP 400: invalid resource attribute');
    expect(diagnostics.warnings.join('\n')).not.toContain('secret-token');
    const stats = transport.getStats();
    expect(stats.failedItems).toBe(9);
    expect(stats.retriedRequests).toBe(0);
    expect(stats.exportedItems).toBe(0);
  });

  it('truncates long error bodies', async () => {
    const diagnostics = captureDiagWarnings();
    cleanups.push(async () => diagnostics.restore());
    const server = track(await startHttpServer(() => ({ status: 413, body: 'y'.repeat(5_000) })));
    const transport = transportTo({ url: `${server.url}/v1/traces`, protocol: 'http/protobuf' });

    transport.enqueue(batch('a'));
    await transport.forceFlush(2_000);

    const [line] = diagnostics.warnings.filter((entry) => entry.includes('HTTP 413'));
    expect(line).toContain('... (5000 characters)');
    expect(line!.length).toBeLessThan(1_000);
  });

  it('delivers in order after outage', async () => {
    const port = await closedPort();
    const transport = transportTo({
      url: `http://127.0.0.1:${port}/v1/traces`,
      protocol: 'http/protobuf',
    });

    for (let i = 0; i < 20; i++) transport.enqueue(batch(`batch-${i}`));
    await waitFor(() => transport.getStats().retriedRequests >= 3);
    const server = track(await startHttpServer(() => ({ status: 200 }), port));
    const report = await transport.forceFlush(5_000);

    expect(report.complete).toBe(true);
    expect(server.requests.map((request) => request.body.toString())).toEqual(
      Array.from({ length: 20 }, (_, i) => `batch-${i}`),
    );
    expect(transport.getStats().exportedItems).toBe(20);
    expect(transport.getStats().bufferedItems).toBe(0);
  });

  it('drops oldest past item cap', async () => {
    const port = await closedPort();
    const transport = transportTo(
      { url: `http://127.0.0.1:${port}/v1/traces`, protocol: 'http/protobuf' },
      { maxQueueItems: 10 },
    );

    // The first batch may be in flight, which protects it from eviction, so wait for a
    // backoff before filling the queue.
    transport.enqueue(batch('batch-0', 2));
    await waitFor(() => transport.status().state === 'backoff');
    for (let i = 1; i < 8; i++) transport.enqueue(batch(`batch-${i}`, 2));
    const stats = transport.getStats();

    expect(stats.bufferedItems).toBe(10);
    expect(stats.bufferedBatches).toBe(5);
    expect(stats.droppedItems.overflow).toBe(6);

    const server = track(await startHttpServer(() => ({ status: 200 }), port));
    await transport.forceFlush(5_000);
    expect(server.requests.map((request) => request.body.toString())).toEqual([
      'batch-3',
      'batch-4',
      'batch-5',
      'batch-6',
      'batch-7',
    ]);
  });

  it('rejects batch over cap', async () => {
    const transport = transportTo(
      { url: 'http://127.0.0.1:1/v1/traces', protocol: 'http/protobuf' },
      { maxQueueBytes: 1_024 },
    );

    expect(transport.enqueue(batch('z'.repeat(2_000), 7))).toBe('too-large');
    expect(transport.getStats().droppedItems['too-large']).toBe(7);
    expect(transport.getStats().bufferedBatches).toBe(0);
  });

  it('keeps memory bounded', async () => {
    const port = await closedPort();
    const maxQueueBytes = 256 * 1024;
    const transport = transportTo(
      { url: `http://127.0.0.1:${port}/v1/traces`, protocol: 'http/protobuf' },
      { maxQueueBytes },
    );

    const payload = new Uint8Array(1_024);
    for (let i = 0; i < 20_000; i++) {
      transport.enqueue({ body: payload, encoding: 'protobuf', itemCount: 1 });
    }
    const stats = transport.getStats();

    // One batch in flight may exceed the cap by its own size.
    expect(stats.bufferedBytes).toBeLessThanOrEqual(maxQueueBytes + 1_024 + 256);
    expect(stats.bufferedItems + stats.droppedItems.overflow).toBe(20_000);
    expect(stats.droppedItems.overflow).toBeGreaterThan(19_000);
  });

  it('bounds shutdown with hanging agent', async () => {
    const agent = track(await startHangingServer());
    const transport = transportTo({ url: `${agent.url}/v1/traces`, protocol: 'http/protobuf' });

    transport.enqueue(batch('a', 3));
    transport.enqueue(batch('b', 4));
    await waitFor(() => agent.connections === 1);
    const started = Date.now();
    const report = await transport.shutdown(300);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report.complete).toBe(false);
    expect(report.droppedItems.shutdown).toBe(7);
    expect(transport.getStats().bufferedItems).toBe(0);
    expect(transport.status().state).toBe('shut-down');
    expect(transport.enqueue(batch('c'))).toBe('shut-down');
  });

  it('shortens running shutdown on second call', async () => {
    const agent = track(await startHangingServer());
    const transport = transportTo({ url: `${agent.url}/v1/traces`, protocol: 'http/protobuf' });

    transport.enqueue(batch('a', 5));
    await waitFor(() => agent.connections === 1);
    const started = Date.now();
    const first = transport.shutdown(30_000);
    const second = transport.shutdown(0);

    expect(second).toBe(first);
    const report = await first;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report.droppedItems.shutdown).toBe(5);
  });

  it('times out hanging request', async () => {
    const agent = track(await startHangingServer());
    const transport = transportTo({
      url: `${agent.url}/v1/traces`,
      protocol: 'http/protobuf',
      timeoutMillis: 200,
    });

    transport.enqueue(batch('a'));
    await waitFor(() => transport.getStats().retriedRequests >= 1, 3_000);

    expect(transport.status().lastError).toBe('request timed out after 200 ms');
  });

  it('follows target changes', async () => {
    const first = track(await startHttpServer(() => ({ status: 200 })));
    const second = track(await startHttpServer(() => ({ status: 200 })));
    let current = first;
    const transport = transportTo(() => ({
      url: `${current.url}/v1/traces`,
      protocol: 'http/protobuf',
    }));

    transport.enqueue(batch('to-first'));
    await transport.forceFlush(2_000);
    current = second;
    transport.enqueue(batch('to-second'));
    await transport.forceFlush(2_000);

    expect(first.requests.map((request) => request.body.toString())).toEqual(['to-first']);
    expect(second.requests.map((request) => request.body.toString())).toEqual(['to-second']);
    expect(transport.status().endpoint).toBe(`${second.url}/v1/traces`);
  });

  it('counts partial success', async () => {
    const server = track(await startHttpServer(() => ({ status: 200, body: 'partial' })));
    const transport = transportTo(
      { url: `${server.url}/v1/traces`, protocol: 'http/protobuf' },
      { decodePartialSuccess: () => ({ rejectedItems: 2, message: 'too many attributes' }) },
    );

    transport.enqueue(batch('a', 5));
    await transport.forceFlush(2_000);

    const stats = transport.getStats();
    expect(stats.exportedItems).toBe(3);
    expect(stats.rejectedItems).toBe(2);
  });

  it('reports flush deadline', async () => {
    const port = await closedPort();
    const transport = transportTo({
      url: `http://127.0.0.1:${port}/v1/traces`,
      protocol: 'http/protobuf',
    });

    transport.enqueue(batch('a', 6));
    const started = Date.now();
    const report = await transport.forceFlush(200);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report.complete).toBe(false);
    expect(report.pendingItems).toBe(6);
    expect(report.pendingBatches).toBe(1);
  });
});
