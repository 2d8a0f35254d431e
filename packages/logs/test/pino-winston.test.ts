import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { context, logs, SeverityNumber, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { WinstonInstrumentation } from '@opentelemetry/instrumentation-winston';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

// The instrumentations patch `require`, so pino and winston are loaded through it below,
// after the instrumentations are enabled.
const pinoInstrumentation = new PinoInstrumentation();
const winstonInstrumentation = new WinstonInstrumentation({ disableLogSending: true });
const require = createRequire(import.meta.url);

const exporter = new InMemoryLogRecordExporter();
const loggerProvider = new LoggerProvider({
  processors: [new SimpleLogRecordProcessor({ exporter })],
});
const tracer = new TracerProvider().getTracer('test');

function collectLines(): { stream: Writable; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n')) {
        if (line.trim() !== '') lines.push(JSON.parse(line));
      }
      callback();
    },
  });
  return { stream, lines };
}

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  logs.setGlobalLoggerProvider(loggerProvider);
  pinoInstrumentation.enable();
  winstonInstrumentation.enable();
});

afterAll(async () => {
  pinoInstrumentation.disable();
  winstonInstrumentation.disable();
  logs.disable();
  context.disable();
  await loggerProvider.shutdown();
});

beforeEach(() => exporter.reset());

describe('pino instrumentation', () => {
  it('adds trace ids and sends records', () => {
    const pino = require('pino') as typeof import('pino').default;
    const { stream, lines } = collectLines();
    const logger = pino({ level: 'info' }, stream);
    const span = tracer.startSpan('infer');
    const { traceId, spanId } = span.spanContext();

    context.with(trace.setSpan(context.active(), span), () => {
      logger.info({ model: 'resnet50' }, 'inference done');
    });
    span.end();

    expect(lines).toHaveLength(1);
    expect(lines[0]!.trace_id).toBe(traceId);
    expect(lines[0]!.span_id).toBe(spanId);
    expect(lines[0]!.msg).toBe('inference done');

    const records = exporter.getFinishedLogRecords();
    expect(records).toHaveLength(1);
    expect(records[0]!.body).toBe('inference done');
    expect(records[0]!.severityNumber).toBe(SeverityNumber.INFO);
    expect(records[0]!.attributes.model).toBe('resnet50');
    expect(records[0]!.spanContext?.traceId).toBe(traceId);
    expect(records[0]!.spanContext?.spanId).toBe(spanId);
  });
});

describe('winston instrumentation', () => {
  it('adds trace ids to records', () => {
    const winston = require('winston') as typeof import('winston');
    const { stream, lines } = collectLines();
    const logger = winston.createLogger({
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream })],
    });
    const span = tracer.startSpan('decide');
    const { traceId, spanId } = span.spanContext();

    context.with(trace.setSpan(context.active(), span), () => {
      logger.info('decision taken', { decision: 'scale-up' });
    });
    span.end();

    expect(lines).toHaveLength(1);
    expect(lines[0]!.trace_id).toBe(traceId);
    expect(lines[0]!.span_id).toBe(spanId);
    expect(lines[0]!.trace_flags).toBe('01');
    expect(lines[0]!.decision).toBe('scale-up');
  });
});
