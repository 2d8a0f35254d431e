// Every protocol and compression of the transport, against the real Collector. Each
// combination delivers spans, log records and counts. A malformed request is rejected for
// good, counted, and logged with the Collector's message.
import { createOtlpTransport, type ExportTarget, type OtlpSignal } from '@mlsysops/telemetry-core';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorHandle } from './support/collector.js';
import {
  type AgentSlot,
  createAgentSlot,
  createTestApp,
  OTLP_DELTA,
  readSlot,
  startAgent,
  sumValues,
} from './transport-harness.js';

let slot: AgentSlot;
let agent: CollectorHandle;

beforeAll(async () => {
  slot = await createAgentSlot();
  agent = await startAgent(slot);
});

afterAll(async () => {
  await agent?.stop();
  slot?.cleanup();
});

function targetFor(
  protocol: ExportTarget['protocol'],
  compression: 'gzip' | 'none',
  signal: OtlpSignal,
): ExportTarget {
  return protocol === 'grpc'
    ? { url: `http://127.0.0.1:${slot.grpcPort}`, protocol, compression }
    : { url: `http://127.0.0.1:${slot.httpPort}/v1/${signal}`, protocol, compression };
}

async function eventually(condition: () => boolean, timeoutMillis: number): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('protocols against Collector', () => {
  it.each([
    ['http/protobuf', 'none'],
    ['http/protobuf', 'gzip'],
    ['http/json', 'none'],
    ['http/json', 'gzip'],
    ['grpc', 'none'],
    ['grpc', 'gzip'],
  ] as const)('delivers over %s with %s', async (protocol, compression) => {
    const spansBefore = readSlot(slot).spans.length;
    const logsBefore = readSlot(slot).logs.length;
    const deltaBefore = sumValues(slot, 'transport.test.ticks', OTLP_DELTA).length;
    const app = createTestApp((signal) => targetFor(protocol, compression, signal));

    try {
      app.tick();
      app.tick();
      expect(await app.deliverAll(5_000)).toBe(true);
      await eventually(
        () =>
          readSlot(slot).spans.length === spansBefore + 2 &&
          readSlot(slot).logs.length === logsBefore + 2 &&
          sumValues(slot, 'transport.test.ticks', OTLP_DELTA).length > deltaBefore,
        5_000,
      );

      const output = readSlot(slot);
      expect(output.spans.slice(spansBefore).map((span) => span.name)).toEqual([
        'tick-0',
        'tick-1',
      ]);
      expect(output.logs.slice(logsBefore).map((record) => String(record.body))).toEqual([
        'tick-0',
        'tick-1',
      ]);
      const deltas = sumValues(slot, 'transport.test.ticks', OTLP_DELTA).slice(deltaBefore);
      expect(deltas.reduce((a, b) => a + b, 0)).toBe(2);
      for (const exporter of app.exporters()) {
        expect(exporter.getStats().failedItems).toBe(0);
        expect(exporter.getStats().retriedRequests).toBe(0);
      }
    } finally {
      await app.shutdown();
    }
  });

  it.each([
    // The Collector sends a google.rpc.Status body over HTTP and INTERNAL (13) over gRPC.
    ['http/protobuf', /HTTP 400: unexpected EOF/],
    ['grpc', /gRPC status 13: grpc: error unmarshalling request/],
  ] as const)('rejects malformed request over %s', async (protocol, expected) => {
    const warnings: string[] = [];
    // The component logger passes its namespace first and the message after it.
    const push = (...parts: unknown[]) => warnings.push(parts.map(String).join(' '));
    const logger: DiagLogger = { error: push, warn: push, info() {}, debug() {}, verbose() {} };
    diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    const transport = createOtlpTransport({
      signal: 'traces',
      target: targetFor(protocol, 'none', 'traces'),
    });

    try {
      // Field 1 (resource_spans) announces 100 bytes but carries 2, so decoding fails.
      transport.enqueue({
        body: new Uint8Array([0x0a, 0x64, 0x01, 0x02]),
        encoding: 'protobuf',
        itemCount: 3,
      });
      const report = await transport.forceFlush(5_000);

      expect(report.complete).toBe(true);
      expect(report.failedItems).toBe(3);
      expect(transport.getStats().retriedRequests).toBe(0);
      const rejected = warnings.filter((line) => line.includes('was rejected'));
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toMatch(expected);
    } finally {
      await transport.shutdown(1_000);
      diag.disable();
    }
  });
});
