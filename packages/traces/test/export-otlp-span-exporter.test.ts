import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closedPort,
  startGrpcServer,
  startHangingServer,
  startHttpServer,
  type TestServer,
} from '../../core/test/export-test-servers.js';
import {
  createOtlpSpanExporter,
  type OtlpSpanExporterOptions,
} from '../src/export/otlp-span-exporter.js';

const FAST_RETRY = { initialBackoffMillis: 10, maxBackoffMillis: 40 };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track<T extends TestServer>(server: T): T {
  cleanups.push(() => server.close());
  return server;
}

function setup(options: OtlpSpanExporterOptions) {
  const exporter = createOtlpSpanExporter({
    retry: FAST_RETRY,
    flushTimeoutMillis: 2_000,
    shutdownTimeoutMillis: 300,
    ...options,
  });
  const processor = new BatchSpanProcessor({ exporter, scheduledDelayMillis: 3_600_000 });
  const provider = new TracerProvider({ spanProcessors: [processor] });
  cleanups.push(() => provider.shutdown());
  return { exporter, provider, tracer: provider.getTracer('test-tracer') };
}

/** Reads span names from an OTLP/JSON trace request. */
function spanNames(body: Buffer): string[] {
  const request = JSON.parse(body.toString());
  return request.resourceSpans.flatMap(
    (resource: { scopeSpans: { spans: { name: string }[] }[] }) =>
      resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => span.name)),
  );
}

describe('span exporter', () => {
  it('exports OTLP/JSON', async () => {
    const server = track(await startHttpServer(() => ({ status: 200 })));
    const { exporter, provider, tracer } = setup({
      target: { url: `${server.url}/v1/traces`, protocol: 'http/json' },
    });

    tracer.startSpan('first').end();
    tracer.startSpan('second').end();
    await provider.forceFlush();
    await exporter.forceFlush();

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.path).toBe('/v1/traces');
    expect(spanNames(server.requests[0]!.body)).toEqual(['first', 'second']);
    expect(exporter.getStats().exportedItems).toBe(2);
  });

  it('exports over gRPC', async () => {
    const server = track(await startGrpcServer(() => ({ code: 0 })));
    const { exporter, provider, tracer } = setup({
      target: { url: `127.0.0.1:${server.port}`, protocol: 'grpc', insecure: true },
    });

    tracer.startSpan('grpc-span').end();
    await provider.forceFlush();
    await exporter.forceFlush();

    expect(server.requests[0]!.path).toBe(
      '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
    );
    expect(server.requests[0]!.body.toString()).toContain('grpc-span');
  });

  it('counts gRPC partial success', async () => {
    // ExportTraceServiceResponse { partial_success { rejected_spans: 1, error_message: "x" } }
    const response = new Uint8Array([0x0a, 0x05, 0x08, 0x01, 0x12, 0x01, 0x78]);
    const server = track(await startGrpcServer(() => ({ code: 0, response })));
    const { exporter, provider, tracer } = setup({
      target: { url: `127.0.0.1:${server.port}`, protocol: 'grpc', insecure: true },
    });

    tracer.startSpan('kept').end();
    tracer.startSpan('rejected').end();
    await provider.forceFlush();
    await exporter.forceFlush();

    const stats = exporter.getStats();
    expect(stats.rejectedItems).toBe(1);
    expect(stats.exportedItems).toBe(1);
    expect(stats.exportedBatches).toBe(1);
  });

  it('resolves export during outage', async () => {
    const port = await closedPort();
    const { exporter, provider, tracer } = setup({
      target: { url: `http://127.0.0.1:${port}/v1/traces`, protocol: 'http/protobuf' },
    });

    tracer.startSpan('offline').end();
    const started = Date.now();
    await provider.forceFlush();

    // The processor's flush waits for export(), which returns once the span is queued.
    expect(Date.now() - started).toBeLessThan(200);
    expect(exporter.getStats().bufferedItems).toBe(1);
    expect(exporter.getStats().exportedItems).toBe(0);
  });

  it('delivers spans after outage', async () => {
    const port = await closedPort();
    const { exporter, provider, tracer } = setup({
      target: { url: `http://127.0.0.1:${port}/v1/traces`, protocol: 'http/json' },
      flushTimeoutMillis: 50,
    });

    for (let i = 0; i < 5; i++) {
      tracer.startSpan(`span-${i}`).end();
      await provider.forceFlush();
    }
    expect(exporter.getStats().bufferedItems).toBe(5);

    const server = track(await startHttpServer(() => ({ status: 200 }), port));
    const report = await exporter.flush(5_000);

    expect(report.complete).toBe(true);
    expect(server.requests.flatMap((request) => spanNames(request.body))).toEqual([
      'span-0',
      'span-1',
      'span-2',
      'span-3',
      'span-4',
    ]);
  });

  it('shuts down within deadline', async () => {
    const agent = track(await startHangingServer());
    const { exporter, provider, tracer } = setup({
      target: { url: `${agent.url}/v1/traces`, protocol: 'http/protobuf' },
      flushTimeoutMillis: 50,
    });

    tracer.startSpan('stuck').end();
    await provider.forceFlush();
    const started = Date.now();
    const report = await exporter.shutdownWithReport(200);

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report.complete).toBe(false);
    expect(report.droppedItems.shutdown).toBe(1);
  });
});
