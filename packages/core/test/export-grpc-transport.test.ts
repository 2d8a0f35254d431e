import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ExportTarget } from '../src/export/export-target.js';
import { createOtlpTransport, type OtlpTransport } from '../src/export/otlp-transport.js';
import { GrpcStatus } from '../src/export/retry-policy.js';
import { encodeRpcStatus } from './export-rpc-encoding.js';
import {
  captureDiagWarnings,
  closedPort,
  startGrpcServer,
  startHangingServer,
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
  target: ExportTarget,
  signal: 'traces' | 'metrics' | 'logs' = 'metrics',
): OtlpTransport {
  const transport = createOtlpTransport({ signal, target, retry: FAST_RETRY });
  cleanups.push(() => transport.shutdown(100));
  return transport;
}

function batch(text: string, itemCount = 1) {
  return { body: new TextEncoder().encode(text), encoding: 'protobuf' as const, itemCount };
}

function grpcTarget(server: { port: number }, extra: Partial<ExportTarget> = {}): ExportTarget {
  return { url: `127.0.0.1:${server.port}`, protocol: 'grpc', insecure: true, ...extra };
}

describe('gRPC transport', () => {
  it.each([
    ['traces', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'],
    ['metrics', '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'],
    ['logs', '/opentelemetry.proto.collector.logs.v1.LogsService/Export'],
  ] as const)('calls %s service', async (signal, path) => {
    const server = track(await startGrpcServer(() => ({ code: 0 })));
    const transport = transportTo(grpcTarget(server), signal);

    transport.enqueue(batch('payload', 2));
    const report = await transport.forceFlush(2_000);

    expect(report.complete).toBe(true);
    const [request] = server.requests;
    expect(request!.path).toBe(path);
    expect(request!.body.toString()).toBe('payload');
    expect(transport.getStats().exportedItems).toBe(2);
  });

  it('sends gRPC headers', async () => {
    const server = track(await startGrpcServer(() => ({ code: 0 })));
    const transport = transportTo(
      grpcTarget(server, { timeoutMillis: 1_500, headers: { 'X-Tenant': 'edge-1', te: 'bogus' } }),
    );

    transport.enqueue(batch('a'));
    await transport.forceFlush(2_000);

    const headers = server.requests[0]!.headers;
    expect(headers['content-type']).toBe('application/grpc');
    expect(headers.te).toBe('trailers');
    expect(headers['grpc-timeout']).toBe('1500m');
    expect(headers['x-tenant']).toBe('edge-1');
    expect(headers['grpc-encoding']).toBeUndefined();
  });

  it('compresses with gzip', async () => {
    const server = track(await startGrpcServer(() => ({ code: 0 })));
    const transport = transportTo(grpcTarget(server, { compression: 'gzip' }));

    transport.enqueue(batch('q'.repeat(5_000)));
    await transport.forceFlush(2_000);

    expect(server.requests[0]!.headers['grpc-encoding']).toBe('gzip');
    expect(server.requests[0]!.body.toString()).toBe('q'.repeat(5_000));
  });

  it.each([
    ['CANCELLED', GrpcStatus.CANCELLED],
    ['DEADLINE_EXCEEDED', GrpcStatus.DEADLINE_EXCEEDED],
    ['ABORTED', GrpcStatus.ABORTED],
    ['OUT_OF_RANGE', GrpcStatus.OUT_OF_RANGE],
    ['UNAVAILABLE', GrpcStatus.UNAVAILABLE],
    ['DATA_LOSS', GrpcStatus.DATA_LOSS],
  ])('retries %s', async (_name, code) => {
    const server = track(
      await startGrpcServer((_request, index) => ({ code: index === 0 ? code : 0 })),
    );
    const transport = transportTo(grpcTarget(server));

    transport.enqueue(batch('a', 3));
    const report = await transport.forceFlush(3_000);

    expect(report.complete).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(transport.getStats().retriedRequests).toBe(1);
    expect(transport.getStats().exportedItems).toBe(3);
  });

  it.each([
    ['INVALID_ARGUMENT', GrpcStatus.INVALID_ARGUMENT],
    ['PERMISSION_DENIED', GrpcStatus.PERMISSION_DENIED],
    ['UNAUTHENTICATED', GrpcStatus.UNAUTHENTICATED],
    ['RESOURCE_EXHAUSTED', GrpcStatus.RESOURCE_EXHAUSTED],
  ])('does not retry %s', async (_name, code) => {
    const diagnostics = captureDiagWarnings();
    cleanups.push(async () => diagnostics.restore());
    const server = track(await startGrpcServer(() => ({ code, message: 'bad batch' })));
    const transport = transportTo(grpcTarget(server));

    transport.enqueue(batch('a', 3));
    await transport.forceFlush(2_000);

    expect(server.requests).toHaveLength(1);
    expect(transport.getStats().failedItems).toBe(3);
    expect(transport.getStats().retriedRequests).toBe(0);
    expect(
      diagnostics.warnings.some((line) => line.includes(`gRPC status ${code}: bad batch`)),
    ).toBe(true);
  });

  it('retries RESOURCE_EXHAUSTED with RetryInfo', async () => {
    const details = encodeRpcStatus(GrpcStatus.RESOURCE_EXHAUSTED, 'slow down', 0, 300_000_000);
    const server = track(
      await startGrpcServer((_request, index) =>
        index === 0
          ? {
              code: GrpcStatus.RESOURCE_EXHAUSTED,
              trailers: { 'grpc-status-details-bin': Buffer.from(details).toString('base64') },
            }
          : { code: 0 },
      ),
    );
    const transport = transportTo(grpcTarget(server));

    transport.enqueue(batch('a'));
    await waitFor(() => transport.status().nextAttemptMillis !== undefined);
    const waitMillis = transport.status().nextAttemptMillis! - Date.now();
    const report = await transport.forceFlush(3_000);

    expect(waitMillis).toBeGreaterThan(200);
    expect(waitMillis).toBeLessThanOrEqual(300);
    expect(report.complete).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('reconnects after agent restart', async () => {
    const port = await closedPort();
    let server = track(await startGrpcServer(() => ({ code: 0 }), port));
    const transport = transportTo(grpcTarget(server));

    transport.enqueue(batch('before'));
    await transport.forceFlush(2_000);
    await server.close();
    transport.enqueue(batch('during-1'));
    transport.enqueue(batch('during-2'));
    await waitFor(() => transport.getStats().retriedRequests >= 2);
    server = track(await startGrpcServer(() => ({ code: 0 }), port));
    const report = await transport.forceFlush(5_000);

    expect(report.complete).toBe(true);
    expect(server.requests.map((request) => request.body.toString())).toEqual([
      'during-1',
      'during-2',
    ]);
    expect(transport.getStats().exportedItems).toBe(3);
  });

  it('retries call without grpc-status', async () => {
    const server = track(
      await startGrpcServer((_request, index) =>
        index === 0 ? { code: 0, omitStatus: true } : { code: 0 },
      ),
    );
    const transport = transportTo(grpcTarget(server));

    transport.enqueue(batch('a'));
    const report = await transport.forceFlush(2_000);

    expect(report.complete).toBe(true);
    expect(server.requests).toHaveLength(2);
    expect(transport.getStats().retriedRequests).toBe(1);
  });

  it('moves session with target', async () => {
    const first = track(await startGrpcServer(() => ({ code: 0 })));
    const second = track(await startGrpcServer(() => ({ code: 0 })));
    let current = first;
    const transport = createOtlpTransport({
      signal: 'metrics',
      target: () => grpcTarget(current),
      retry: FAST_RETRY,
    });
    cleanups.push(() => transport.shutdown(100));

    transport.enqueue(batch('to-first'));
    await transport.forceFlush(2_000);
    expect(first.openSessions()).toBe(1);
    current = second;
    transport.enqueue(batch('to-second'));
    await transport.forceFlush(2_000);
    await waitFor(() => first.openSessions() === 0);

    expect(first.requests.map((request) => request.body.toString())).toEqual(['to-first']);
    expect(second.requests.map((request) => request.body.toString())).toEqual(['to-second']);
    expect(second.openSessions()).toBe(1);
  });

  it('rejects JSON bodies', async () => {
    const server = track(await startGrpcServer(() => ({ code: 0 })));
    const transport = transportTo(grpcTarget(server));

    transport.enqueue({ body: new TextEncoder().encode('{}'), encoding: 'json', itemCount: 2 });
    await transport.forceFlush(2_000);

    expect(server.requests).toHaveLength(0);
    expect(transport.getStats().failedItems).toBe(2);
  });

  it('times out hanging agent', async () => {
    const agent = track(await startHangingServer());
    const transport = transportTo(grpcTarget(agent, { timeoutMillis: 200 }));

    transport.enqueue(batch('a', 2));
    await waitFor(() => transport.getStats().retriedRequests >= 2, 3_000);
    const report = await transport.shutdown(100);

    expect(transport.status().lastError).toBe('call timed out after 200 ms');
    expect(agent.connections).toBeGreaterThanOrEqual(2);
    expect(report.droppedItems.shutdown).toBe(2);
  });
});
