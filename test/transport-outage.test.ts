// The node agent stops for 15 s and a new one starts on the same ports, as when MLSysOps
// recreates the Collector pod, while the application keeps recording. Every span, log record
// and count must arrive once the agent is back, over OTLP/HTTP and over OTLP/gRPC.
import type { ExportTarget, OtlpSignal } from '@mlsysops/telemetry-core';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorHandle } from './support/collector.js';
import {
  type AgentSlot,
  createAgentSlot,
  createTestApp,
  OTLP_CUMULATIVE,
  OTLP_DELTA,
  readSlot,
  startAgent,
  sumValues,
  type TestApp,
  tickContinuously,
} from './transport-harness.js';

const OUTAGE_MILLIS = 15_000;
const METRIC = 'transport.test.ticks';

let slot: AgentSlot | undefined;
let agent: CollectorHandle | undefined;
let app: TestApp | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);

afterEach(async () => {
  await app?.shutdown();
  await agent?.stop();
  slot?.cleanup();
  app = undefined;
  agent = undefined;
  slot = undefined;
  expect(unhandled).toEqual([]);
});

const TARGETS = {
  'http/protobuf': (s: AgentSlot, signal: OtlpSignal): ExportTarget => ({
    url: `http://127.0.0.1:${s.httpPort}/v1/${signal}`,
    protocol: 'http/protobuf',
  }),
  grpc: (s: AgentSlot): ExportTarget => ({
    url: `127.0.0.1:${s.grpcPort}`,
    protocol: 'grpc',
    insecure: true,
  }),
};

function sleep(millis: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, millis));
}

/** Polls until `condition` returns true or `timeoutMillis` passes, and returns the last result. */
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

describe('agent outage', () => {
  it.each(['http/protobuf', 'grpc'] as const)('loses nothing over %s', async (protocol) => {
    const current = await createAgentSlot();
    slot = current;
    agent = await startAgent(current);
    app = createTestApp((signal) => TARGETS[protocol](current, signal));

    const ticker = tickContinuously(app, 20);
    await sleep(2_000);
    await agent.stop();
    agent = undefined;
    await sleep(OUTAGE_MILLIS);

    const spanStats = app.spanExporter.getStats();
    expect(spanStats.bufferedItems).toBeGreaterThan(0);
    expect(spanStats.retriedRequests).toBeGreaterThan(0);
    expect(app.logExporter.getStats().bufferedItems).toBeGreaterThan(0);

    agent = await startAgent(current);
    await sleep(1_000);
    const count = ticker.stop();
    // At one tick per 20 ms the outage alone accounts for several hundred ticks.
    expect(count).toBeGreaterThan(500);
    expect(await app.deliverAll(20_000)).toBe(true);

    const expected = Array.from({ length: count }, (_, index) => `tick-${index}`).sort();
    const complete = () => {
      const output = readSlot(current);
      return (
        distinct(output.spans.map((span) => span.name)).length === count &&
        distinct(output.logs.map((record) => String(record.body))).length === count &&
        sumValues(current, METRIC, OTLP_DELTA).reduce((a, b) => a + b, 0) === count
      );
    };
    await eventually(complete, 10_000);

    const output = readSlot(current);
    expect(distinct(output.spans.map((span) => span.name))).toEqual(expected);
    expect(distinct(output.logs.map((record) => String(record.body)))).toEqual(expected);
    expect(sumValues(current, METRIC, OTLP_DELTA).reduce((a, b) => a + b, 0)).toBe(count);
    expect(Math.max(...sumValues(current, METRIC, OTLP_CUMULATIVE))).toBe(count);

    for (const exporter of app.exporters()) {
      const stats = exporter.getStats();
      expect(stats.droppedItems).toEqual({
        overflow: 0,
        superseded: 0,
        'too-large': 0,
        shutdown: 0,
      });
      expect(stats.failedItems).toBe(0);
      expect(stats.bufferedItems).toBe(0);
    }
  });
});
