// Agents that misbehave without going away: one accepts connections and never responds, one
// throttles with 503 and Retry-After. The application must stay responsive, memory must
// stay within the caps, and everything must arrive once a working agent takes over.
import http from 'node:http';
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ExportTarget, OtlpSignal } from '@mlsysops/telemetry-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorHandle } from './support/collector.js';
import {
  type AgentSlot,
  createAgentSlot,
  createTestApp,
  OTLP_DELTA,
  readSlot,
  startAgent,
  sumValues,
  type TestApp,
  tickContinuously,
} from './transport-harness.js';

const METRIC = 'transport.test.ticks';

let slot: AgentSlot | undefined;
let agent: CollectorHandle | undefined;
let app: TestApp | undefined;
const cleanups: (() => Promise<void>)[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);

afterEach(async () => {
  await app?.shutdown();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await agent?.stop();
  slot?.cleanup();
  app = undefined;
  agent = undefined;
  slot = undefined;
  expect(unhandled).toEqual([]);
});

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

async function eventually(condition: () => boolean, timeoutMillis: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

function distinct(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/** Starts a TCP server on loopback that accepts connections and never responds. */
async function startHangingAgent(): Promise<{ port: number; connections: () => number }> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

/** Checks that the slot received every tick as span, log record and delta count. */
async function expectEverything(current: AgentSlot, count: number): Promise<void> {
  const expected = Array.from({ length: count }, (_, index) => `tick-${index}`).sort();
  const deltaSum = () => sumValues(current, METRIC, OTLP_DELTA).reduce((a, b) => a + b, 0);
  await eventually(() => {
    const output = readSlot(current);
    return (
      distinct(output.spans.map((span) => span.name)).length === count &&
      distinct(output.logs.map((record) => String(record.body))).length === count &&
      deltaSum() === count
    );
  }, 10_000);

  const output = readSlot(current);
  expect(distinct(output.spans.map((span) => span.name))).toEqual(expected);
  expect(distinct(output.logs.map((record) => String(record.body)))).toEqual(expected);
  expect(deltaSum()).toBe(count);
}

describe('misbehaving agent', () => {
  it('survives a hanging agent', async () => {
    const hanging = await startHangingAgent();
    const current = await createAgentSlot();
    slot = current;
    agent = await startAgent(current);
    let useCollector = false;
    const targetOf = (signal: OtlpSignal): ExportTarget =>
      useCollector
        ? { url: `http://127.0.0.1:${current.httpPort}/v1/${signal}`, protocol: 'http/protobuf' }
        : {
            url: `http://127.0.0.1:${hanging.port}/v1/${signal}`,
            protocol: 'http/protobuf',
            timeoutMillis: 1_000,
          };
    app = createTestApp(targetOf);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();

    const ticker = tickContinuously(app, 20);
    await sleep(5_000);
    const flushStarted = Date.now();
    await app.flushSdk();
    const flushMillis = Date.now() - flushStarted;
    delay.disable();

    // Requests time out after 1 s and are retried on new connections.
    expect(hanging.connections()).toBeGreaterThanOrEqual(4);
    expect(app.spanExporter.getStats().retriedRequests).toBeGreaterThanOrEqual(2);
    // The SDK's flush only queues, so it returns quickly even though no request succeeds.
    expect(flushMillis).toBeLessThan(1_000);
    expect(delay.max / 1e6).toBeLessThan(250);

    useCollector = true;
    const count = ticker.stop();
    expect(await app.deliverAll(20_000)).toBe(true);
    await expectEverything(current, count);
  });

  it('bounds memory with a hanging agent', async () => {
    const hanging = await startHangingAgent();
    const maxQueueBytes = 32 * 1024;
    app = createTestApp(
      (signal) => ({
        url: `http://127.0.0.1:${hanging.port}/v1/${signal}`,
        protocol: 'http/protobuf',
        timeoutMillis: 500,
      }),
      { maxQueueBytes },
    );

    const ticker = tickContinuously(app, 5);
    await sleep(4_000);
    const count = ticker.stop();
    await app.flushSdk();

    const spans = app.spanExporter.getStats();
    // The batch in flight may exceed the cap by its own size, at most one SDK batch.
    expect(spans.bufferedBytes).toBeLessThanOrEqual(maxQueueBytes * 2);
    expect(spans.droppedItems.overflow).toBeGreaterThan(0);
    expect(spans.bufferedItems + spans.droppedItems.overflow).toBe(count);

    const started = Date.now();
    const report = await app.spanExporter.shutdownWithReport(1_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(report.complete).toBe(false);
    expect(report.droppedItems.shutdown).toBe(spans.bufferedItems);
  });

  it('honours 503 Retry-After', async () => {
    const current = await createAgentSlot();
    slot = current;
    agent = await startAgent(current);
    const throttleUntil = Date.now() + 3_000;
    const throttled: number[] = [];

    // Responds 503 with Retry-After: 1 for 3 s, then forwards every request to the Collector.
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (Date.now() < throttleUntil) {
          if (req.url === '/v1/traces') throttled.push(Date.now());
          res.writeHead(503, { 'retry-after': '1' });
          res.end('agent busy');
          return;
        }
        const upstream = http.request(
          {
            host: '127.0.0.1',
            port: current.httpPort,
            path: req.url,
            method: 'POST',
            headers: { 'content-type': req.headers['content-type'] ?? '' },
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => {
          res.writeHead(502);
          res.end();
        });
        upstream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          proxy.closeAllConnections();
          proxy.close(() => resolve());
        }),
    );
    const proxyPort = (proxy.address() as net.AddressInfo).port;
    app = createTestApp((signal) => ({
      url: `http://127.0.0.1:${proxyPort}/v1/${signal}`,
      protocol: 'http/protobuf',
    }));

    const ticker = tickContinuously(app, 20);
    await sleep(4_000);
    const count = ticker.stop();
    expect(await app.deliverAll(20_000)).toBe(true);

    expect(throttled.length).toBeGreaterThanOrEqual(2);
    expect(throttled.length).toBeLessThanOrEqual(4);
    for (let i = 1; i < throttled.length; i++) {
      expect(throttled[i]! - throttled[i - 1]!).toBeGreaterThanOrEqual(950);
    }
    expect(app.spanExporter.getStats().retriedRequests).toBe(throttled.length);
    await expectEverything(current, count);
  });
});
