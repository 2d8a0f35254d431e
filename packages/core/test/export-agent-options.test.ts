import { afterEach, describe, expect, it } from 'vitest';
import type { AgentLocator } from '../src/discovery/agent-locator.js';
import { agentExportOptions } from '../src/export/agent-export-options.js';
import type { ExportTarget, OtlpSignal } from '../src/export/export-target.js';
import { createOtlpTransport } from '../src/export/otlp-transport.js';
import { closedPort, startHttpServer, type TestServer, waitFor } from './export-test-servers.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Builds a locator stand-in with a settable target that records failure reports. */
function fakeLocator(initialUrl: string) {
  const state = { url: initialUrl, failures: [] as OtlpSignal[] };
  const locator = {
    settings: {
      buffer: {
        traces: { maxBytes: 123_456, maxItems: 789 },
        metrics: { maxBytes: 1, maxItems: 1 },
        logs: { maxBytes: 1, maxItems: 1 },
      },
      shutdownTimeoutMillis: 4_321,
    },
    exportTarget: (signal: OtlpSignal): ExportTarget => ({
      url: `${state.url}/v1/${signal}`,
      protocol: 'http/protobuf',
    }),
    reportExportFailure: (signal: OtlpSignal) => state.failures.push(signal),
  } as unknown as AgentLocator;
  return { locator, state };
}

describe('agent export options', () => {
  it('takes caps from settings', () => {
    const { locator } = fakeLocator('http://127.0.0.1:1');

    const options = agentExportOptions(locator, 'traces');

    expect(options.maxQueueBytes).toBe(123_456);
    expect(options.maxQueueItems).toBe(789);
    expect(options.shutdownTimeoutMillis).toBe(4_321);
  });

  it('follows locator and reports failures', async () => {
    const port = await closedPort();
    const { locator, state } = fakeLocator(`http://127.0.0.1:${port}`);
    const transport = createOtlpTransport({
      signal: 'traces',
      retry: { initialBackoffMillis: 10, maxBackoffMillis: 20 },
      ...agentExportOptions(locator, 'traces'),
    });
    cleanups.push(() => transport.shutdown(100));

    transport.enqueue({
      body: new TextEncoder().encode('moved'),
      encoding: 'protobuf',
      itemCount: 1,
    });
    await waitFor(() => state.failures.length >= 1);
    const server: TestServer = await startHttpServer(() => ({ status: 200 }));
    cleanups.push(() => server.close());
    state.url = server.url;
    const report = await transport.forceFlush(2_000);

    expect(state.failures.every((signal) => signal === 'traces')).toBe(true);
    expect(report.complete).toBe(true);
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/traces']);
  });
});
