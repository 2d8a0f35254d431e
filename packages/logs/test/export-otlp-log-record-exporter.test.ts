import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  closedPort,
  startGrpcServer,
  startHttpServer,
  type TestServer,
} from '../../core/test/export-test-servers.js';
import {
  createOtlpLogRecordExporter,
  type OtlpLogRecordExporterOptions,
} from '../src/export/otlp-log-record-exporter.js';

const FAST_RETRY = { initialBackoffMillis: 10, maxBackoffMillis: 40 };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function track<T extends TestServer>(server: T): T {
  cleanups.push(() => server.close());
  return server;
}

function setup(options: OtlpLogRecordExporterOptions) {
  const exporter = createOtlpLogRecordExporter({
    retry: FAST_RETRY,
    flushTimeoutMillis: 2_000,
    shutdownTimeoutMillis: 300,
    ...options,
  });
  const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
  cleanups.push(() => provider.shutdown());
  return { exporter, provider, logger: provider.getLogger('test-logger') };
}

/** Reads string bodies from an OTLP/JSON logs request. */
function bodies(body: Buffer): string[] {
  const request = JSON.parse(body.toString());
  return request.resourceLogs.flatMap(
    (resource: { scopeLogs: { logRecords: { body: { stringValue: string } }[] }[] }) =>
      resource.scopeLogs.flatMap((scope) =>
        scope.logRecords.map((record) => record.body.stringValue),
      ),
  );
}

describe('log record exporter', () => {
  it('exports OTLP/JSON', async () => {
    const server = track(await startHttpServer(() => ({ status: 200 })));
    const { exporter, logger } = setup({
      target: { url: `${server.url}/v1/logs`, protocol: 'http/json' },
    });

    logger.emit({ body: 'model reloaded', severityNumber: SeverityNumber.INFO });
    await exporter.forceFlush();

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.path).toBe('/v1/logs');
    expect(bodies(server.requests[0]!.body)).toEqual(['model reloaded']);
    expect(exporter.getStats().exportedItems).toBe(1);
  });

  it('exports over gRPC', async () => {
    const server = track(await startGrpcServer(() => ({ code: 0 })));
    const { exporter, logger } = setup({
      target: { url: `127.0.0.1:${server.port}`, protocol: 'grpc', insecure: true },
    });

    logger.emit({ body: 'grpc record' });
    await exporter.forceFlush();

    expect(server.requests[0]!.path).toBe(
      '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
    );
    expect(server.requests[0]!.body.toString()).toContain('grpc record');
  });

  it('delivers records after outage', async () => {
    const port = await closedPort();
    const { exporter, logger } = setup({
      target: { url: `http://127.0.0.1:${port}/v1/logs`, protocol: 'http/json' },
    });

    for (let i = 0; i < 4; i++) logger.emit({ body: `record-${i}` });
    expect(exporter.getStats().bufferedItems).toBe(4);

    const server = track(await startHttpServer(() => ({ status: 200 }), port));
    const report = await exporter.flush(5_000);

    expect(report.complete).toBe(true);
    expect(server.requests.flatMap((request) => bodies(request.body))).toEqual([
      'record-0',
      'record-1',
      'record-2',
      'record-3',
    ]);
  });

  it('counts partial success', async () => {
    const server = track(
      await startHttpServer((_request, index) => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          index === 0 ? { partialSuccess: { rejectedLogRecords: 1, errorMessage: 'too big' } } : {},
        ),
      })),
    );
    const { exporter, logger } = setup({
      target: { url: `${server.url}/v1/logs`, protocol: 'http/json' },
    });

    // The simple processor exports each record in its own request.
    logger.emit({ body: 'a' });
    logger.emit({ body: 'b' });
    await exporter.forceFlush();

    const stats = exporter.getStats();
    expect(stats.rejectedItems).toBe(1);
    expect(stats.exportedItems).toBe(1);
  });
});
