import { context, SeverityNumber, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  createLoggerConfigurator,
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStructuredLogger, type LogLevel } from '../src/structured-logger.js';

const exporter = new InMemoryLogRecordExporter();
const loggerProvider = new LoggerProvider({
  processors: [new SimpleLogRecordProcessor({ exporter })],
});
const tracerProvider = new TracerProvider();

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

afterAll(async () => {
  context.disable();
  await loggerProvider.shutdown();
});

beforeEach(() => exporter.reset());

describe('createStructuredLogger', () => {
  it.each([
    ['debug', SeverityNumber.DEBUG, 'DEBUG'],
    ['info', SeverityNumber.INFO, 'INFO'],
    ['warn', SeverityNumber.WARN, 'WARN'],
    ['error', SeverityNumber.ERROR, 'ERROR'],
  ] as const)('emits %s records', (level, number, text) => {
    const logger = createStructuredLogger({ loggerProvider, name: 'agent' });
    logger[level as LogLevel]('model loaded', { 'mlsysops.model.name': 'resnet50' });

    const [record] = exporter.getFinishedLogRecords();
    expect(record!.severityNumber).toBe(number);
    expect(record!.severityText).toBe(text);
    expect(record!.body).toBe('model loaded');
    expect(record!.attributes).toEqual({ 'mlsysops.model.name': 'resnet50' });
    expect(record!.instrumentationScope.name).toBe('agent');
  });

  it('stamps the active trace ids', () => {
    const logger = createStructuredLogger({ loggerProvider });
    const span = tracerProvider.getTracer('t').startSpan('decide');

    context.with(trace.setSpan(context.active(), span), () => logger.info('deciding'));
    span.end();

    const record = exporter.getFinishedLogRecords()[0]!;
    expect(record.spanContext?.traceId).toBe(span.spanContext().traceId);
    expect(record.spanContext?.spanId).toBe(span.spanContext().spanId);
  });

  it('records an exception', () => {
    const logger = createStructuredLogger({ loggerProvider });
    const error = new RangeError('replicas out of range');

    logger.error('scaling failed', { replicas: 99 }, error);

    const record = exporter.getFinishedLogRecords()[0]!;
    expect(record.attributes.replicas).toBe(99);
    expect(record.attributes['exception.type']).toBe('RangeError');
    expect(record.attributes['exception.message']).toBe('replicas out of range');
    expect(String(record.attributes['exception.stacktrace'])).toContain('RangeError');
  });

  it('filters below minLevel', () => {
    const logger = createStructuredLogger({ loggerProvider, minLevel: 'warn' });
    logger.debug('a');
    logger.info('b');
    logger.warn('c');

    expect(exporter.getFinishedLogRecords().map((r) => r.body)).toEqual(['c']);
    expect(logger.isEnabled('info')).toBe(false);
    expect(logger.isEnabled('error')).toBe(true);
  });

  it('honours provider minimum severity', () => {
    const strict = new LoggerProvider({
      processors: [new SimpleLogRecordProcessor({ exporter })],
      loggerConfigurator: createLoggerConfigurator([
        { pattern: '*', config: { minimumSeverity: SeverityNumber.ERROR } },
      ]),
    });
    const logger = createStructuredLogger({ loggerProvider: strict });

    logger.warn('dropped');
    logger.error('kept');

    expect(exporter.getFinishedLogRecords().map((r) => r.body)).toEqual(['kept']);
    expect(logger.isEnabled('warn')).toBe(false);
  });

  it('merges child attributes', () => {
    const logger = createStructuredLogger({ loggerProvider, attributes: { a: 1, b: 1 } });
    logger.child({ b: 2, c: 2 }).info('x', { c: 3 });

    expect(exporter.getFinishedLogRecords()[0]!.attributes).toEqual({ a: 1, b: 2, c: 3 });
  });

  it('mirrors to the console', () => {
    const lines: string[] = [];
    const logger = createStructuredLogger({
      loggerProvider,
      console: { write: (level, line) => lines.push(`${level}|${line}`) },
    });

    logger.info('ready', { port: 8080 });
    logger.warn('slow', undefined, 'timeout');

    expect(lines).toEqual(['info|INFO ready {"port":8080}', 'warn|WARN slow timeout']);
  });

  it('rejects an unknown minLevel', () => {
    expect(() =>
      createStructuredLogger({ loggerProvider, minLevel: 'verbose' as LogLevel }),
    ).toThrow(
      'createStructuredLogger: invalid minLevel "verbose"; expected debug, info, warn or error',
    );
  });

  it('never throws when emit fails', () => {
    const broken = {
      getLogger: () => ({
        emit: () => {
          throw new Error('processor broken');
        },
        enabled: () => true,
      }),
    };
    const logger = createStructuredLogger({ loggerProvider: broken });

    expect(() => logger.error('still fine')).not.toThrow();
  });
});
