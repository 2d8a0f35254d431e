import { context, type Span, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withSpan } from '../src/with-span.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer('test');
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
});

afterAll(async () => {
  context.disable();
  await provider.shutdown();
});

beforeEach(() => exporter.reset());

describe('withSpan', () => {
  it('returns the sync result', () => {
    const result = withSpan('sync', () => 42, { tracer });

    expect(result).toBe(42);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.name).toBe('sync');
    expect(spans[0]!.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('rethrows the same sync error', () => {
    const error = new TypeError('bad input');
    let calls = 0;

    expect(() =>
      withSpan(
        'sync-fail',
        () => {
          calls++;
          throw error;
        },
        { tracer },
      ),
    ).toThrow(error);

    expect(calls).toBe(1);
    const span = exporter.getFinishedSpans()[0]!;
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'bad input' });
    expect(span.events[0]!.name).toBe('exception');
    expect(span.events[0]!.attributes!['exception.type']).toBe('TypeError');
  });

  it('returns the same promise', async () => {
    const promise = Promise.resolve('done');
    const returned = withSpan('async', () => promise, { tracer });

    expect(returned).toBe(promise);
    expect(await returned).toBe('done');
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['async']);
  });

  it('ends span before caller resumes', async () => {
    await withSpan(
      'async-order',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
      { tracer },
    );

    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('rethrows the same rejection', async () => {
    const error = new Error('model missing');

    await expect(
      withSpan(
        'async-fail',
        async () => {
          throw error;
        },
        { tracer },
      ),
    ).rejects.toBe(error);

    const span = exporter.getFinishedSpans()[0]!;
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'model missing' });
  });

  it('records a non-Error throw', () => {
    expect(() =>
      withSpan(
        'string-throw',
        () => {
          throw 'plain string';
        },
        { tracer },
      ),
    ).toThrow('plain string');

    const span = exporter.getFinishedSpans()[0]!;
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'plain string' });
  });

  it('makes the span active inside fn', async () => {
    let inner: Span | undefined;
    let outer: Span | undefined;

    await withSpan(
      'parent',
      async (span) => {
        outer = span;
        await new Promise((resolve) => setTimeout(resolve, 1));
        withSpan(
          'child',
          (child) => {
            inner = child;
          },
          { tracer },
        );
      },
      { tracer },
    );

    expect(trace.getActiveSpan()).toBeUndefined();
    const spans = exporter.getFinishedSpans();
    const child = spans.find((s) => s.name === 'child')!;
    expect(child.parentSpanContext?.spanId).toBe(outer!.spanContext().spanId);
    expect(child.spanContext().traceId).toBe(outer!.spanContext().traceId);
    expect(inner!.spanContext().spanId).toBe(child.spanContext().spanId);
  });

  it('runs fn once when startSpan throws', () => {
    const broken = {
      startSpan: () => {
        throw new Error('tracer broken');
      },
    } as unknown as Tracer;
    let calls = 0;

    const result = withSpan(
      'broken',
      (span) => {
        calls++;
        return span.isRecording();
      },
      { tracer: broken },
    );

    expect(calls).toBe(1);
    expect(result).toBe(false);
  });

  it('runs fn once when span.end throws', () => {
    const span = tracer.startSpan('x');
    span.end();
    const endThrows = {
      startSpan: () => ({
        ...span,
        spanContext: () => span.spanContext(),
        end: () => {
          throw new Error('end broken');
        },
      }),
    } as unknown as Tracer;
    let calls = 0;

    const result = withSpan('end-broken', () => ++calls, { tracer: endThrows });

    expect(result).toBe(1);
    expect(calls).toBe(1);
  });
});
