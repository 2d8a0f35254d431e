import { SeverityNumber } from '@opentelemetry/api';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { afterEach, describe, expect, it } from 'vitest';
import { createSeverityFilterProcessor } from '../src/severity-filter-processor.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * With `alongside`, a second processor without `enabled()` makes the SDK hand every record to
 * the filter's `onEmit`, as it does when an application adds its own processor.
 */
function setup(alongside = false) {
  const exporter = new InMemoryLogRecordExporter();
  const filter = createSeverityFilterProcessor(new SimpleLogRecordProcessor({ exporter }), 'info');
  const other = { onEmit: () => {}, forceFlush: async () => {}, shutdown: async () => {} };
  const provider = new LoggerProvider({ processors: alongside ? [filter, other] : [filter] });
  cleanups.push(() => provider.shutdown());
  return { exporter, filter, logger: provider.getLogger('reconfigure-test') };
}

const LEVELS = [
  SeverityNumber.DEBUG,
  SeverityNumber.INFO,
  SeverityNumber.WARN,
  SeverityNumber.ERROR,
] as const;

describe('severity filter processor', () => {
  it('minimum change under load', () => {
    const { exporter, filter, logger } = setup(true);
    const emitRound = () => {
      for (const severityNumber of LEVELS) logger.emit({ severityNumber, body: 'm' });
    };

    for (let i = 0; i < 100; i++) emitRound();
    expect(exporter.getFinishedLogRecords().length).toBe(300);
    expect(filter.filteredRecords()).toBe(100);

    filter.setMinSeverity('error');
    expect(filter.minSeverity).toBe('error');
    for (let i = 0; i < 100; i++) emitRound();
    expect(exporter.getFinishedLogRecords().length).toBe(400);
    expect(filter.filteredRecords()).toBe(400);

    filter.setMinSeverity('debug');
    for (let i = 0; i < 100; i++) emitRound();
    expect(exporter.getFinishedLogRecords().length).toBe(800);
    expect(filter.filteredRecords()).toBe(400);
  });

  it('passes records without severity', () => {
    const { exporter, logger } = setup();
    logger.emit({ body: 'no severity' });
    expect(exporter.getFinishedLogRecords().length).toBe(1);
  });

  it('enabled follows minimum', () => {
    const { exporter, filter, logger } = setup();
    expect(logger.enabled({ severityNumber: SeverityNumber.DEBUG })).toBe(false);
    // Alone, the filter stops the SDK from creating the record at all, so none is counted.
    logger.emit({ severityNumber: SeverityNumber.DEBUG, body: 'm' });
    expect(exporter.getFinishedLogRecords().length).toBe(0);
    expect(filter.filteredRecords()).toBe(0);
    filter.setMinSeverity('trace');
    expect(logger.enabled({ severityNumber: SeverityNumber.DEBUG })).toBe(true);
  });

  it('wraps several processors', async () => {
    const first = new InMemoryLogRecordExporter();
    const second = new InMemoryLogRecordExporter();
    const filter = createSeverityFilterProcessor(
      [
        new SimpleLogRecordProcessor({ exporter: first }),
        new SimpleLogRecordProcessor({ exporter: second }),
      ],
      'warn',
    );
    const provider = new LoggerProvider({ processors: [filter] });
    cleanups.push(() => provider.shutdown());
    const logger = provider.getLogger('reconfigure-test');

    for (const severityNumber of LEVELS) logger.emit({ severityNumber, body: 'm' });
    await filter.forceFlush();
    expect(first.getFinishedLogRecords().length).toBe(2);
    expect(second.getFinishedLogRecords().length).toBe(2);
  });

  it('rejects unknown severity', () => {
    const { filter } = setup();
    expect(() => filter.setMinSeverity('loud' as never)).toThrow(
      'Invalid minimum log severity: "loud"; expected one of trace, debug, info, warn, error, fatal.',
    );
    expect(filter.minSeverity).toBe('info');
  });
});
