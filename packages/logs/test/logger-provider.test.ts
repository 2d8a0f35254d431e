import { context, logs, SeverityNumber } from '@opentelemetry/api';
import { InMemoryLogRecordExporter } from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LogsHandle, startLogs } from '../src/logger-provider.js';

let handle: LogsHandle | undefined;

afterEach(async () => {
  await handle?.shutdown(1_000);
  handle = undefined;
  logs.disable();
  context.disable();
  vi.restoreAllMocks();
});

function start(options: Parameters<typeof startLogs>[0] = {}) {
  const exporter = new InMemoryLogRecordExporter();
  handle = startLogs({ env: {}, serviceName: 'logs-test', exporter, ...options });
  return { handle, exporter };
}

describe('startLogs', () => {
  it('exports records with the resource', async () => {
    const { handle, exporter } = start({ podName: 'p-1' });

    handle.createLogger({ name: 'agent' }).info('started', { port: 1 });
    const result = await handle.forceFlush(2_000);

    expect(result).toEqual({ ok: true, timedOut: false });
    const record = exporter.getFinishedLogRecords()[0]!;
    expect(record.body).toBe('started');
    expect(record.severityNumber).toBe(SeverityNumber.INFO);
    expect(record.instrumentationScope.name).toBe('agent');
    expect(record.resource.attributes['service.name']).toBe('logs-test');
    expect(record.resource.attributes['k8s.pod.name']).toBe('p-1');
  });

  it('drops below the minimum severity', async () => {
    const { handle, exporter } = start({ logMinSeverity: 'warn' });
    const logger = handle.createLogger();

    logger.info('dropped');
    logger.warn('kept');
    handle.getLogger('raw').emit({ severityNumber: SeverityNumber.DEBUG, body: 'raw dropped' });
    await handle.forceFlush(2_000);

    expect(exporter.getFinishedLogRecords().map((r) => r.body)).toEqual(['kept']);
  });

  it('mirrors to console from env', () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const { handle } = start({ env: { MLSYSOPS_LOG_CONSOLE: 'true' } });

    handle.createLogger().info('visible');

    expect(info).toHaveBeenCalledWith('INFO visible');
  });

  it('registers the global provider', () => {
    const { handle } = start();

    expect(handle.registeredGlobal).toBe(true);
    expect(logs.getLoggerProvider()).toBe(handle.loggerProvider);
  });

  it('is a no-op when disabled', async () => {
    const { handle, exporter } = start({ env: { OTEL_SDK_DISABLED: 'true' } });

    handle.createLogger().error('nothing');

    expect(handle.enabled).toBe(false);
    expect(await handle.shutdown()).toEqual({ ok: true, timedOut: false });
    expect(exporter.getFinishedLogRecords()).toEqual([]);
  });

  it('rejects processors that are no array', () => {
    expect(() => startLogs({ env: {}, processors: 'x' as never })).toThrow(
      'startLogs: invalid processors x; expected an array',
    );
  });
});
