import { context, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  extractMessageContext,
  injectMessageContext,
  withMessageContext,
} from '../src/message-context.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({
  sampler: new AlwaysOnSampler(),
  spanProcessors: [new SimpleSpanProcessor({ exporter })],
});
const tracer = provider.getTracer('test');

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

afterAll(async () => {
  context.disable();
  await provider.shutdown();
});

describe('message context', () => {
  it('injects traceparent into the message', () => {
    const span = tracer.startSpan('send');
    const message = { kind: 'scale', replicas: 3 };

    const returned = injectMessageContext(message, trace.setSpan(ROOT_CONTEXT, span));
    span.end();

    const { traceId, spanId } = span.spanContext();
    expect(returned).toBe(message);
    expect(returned).toEqual({
      kind: 'scale',
      replicas: 3,
      traceContext: { traceparent: `00-${traceId}-${spanId}-01` },
    });
  });

  it('leaves message unchanged without span', () => {
    const message = { kind: 'noop' };
    injectMessageContext(message, ROOT_CONTEXT);
    expect(message).toEqual({ kind: 'noop' });
  });

  it('round-trips through JSON', () => {
    const span = tracer.startSpan('send');
    const sent = JSON.stringify(injectMessageContext({ a: 1 }, trace.setSpan(ROOT_CONTEXT, span)));
    span.end();

    const received = extractMessageContext(JSON.parse(sent), ROOT_CONTEXT);
    const remote = trace.getSpanContext(received)!;
    expect(remote.traceId).toBe(span.spanContext().traceId);
    expect(remote.spanId).toBe(span.spanContext().spanId);
    expect(remote.isRemote).toBe(true);
  });

  it('uses a custom key', () => {
    const span = tracer.startSpan('send');
    const message = injectMessageContext({}, trace.setSpan(ROOT_CONTEXT, span), { key: '_otel' });
    span.end();

    expect(Object.keys(message)).toEqual(['_otel']);
    const remote = trace.getSpanContext(
      extractMessageContext(message, ROOT_CONTEXT, { key: '_otel' }),
    );
    expect(remote?.traceId).toBe(span.spanContext().traceId);
  });

  it('carries baggage', () => {
    const baggage = propagation.createBaggage({ 'mlsysops.application.id': { value: 'app-7' } });
    const message = injectMessageContext({}, propagation.setBaggage(ROOT_CONTEXT, baggage));

    const received = propagation.getBaggage(extractMessageContext(message, ROOT_CONTEXT));
    expect(received?.getEntry('mlsysops.application.id')?.value).toBe('app-7');
  });

  it.each([
    ['null', null],
    ['a string', 'traceparent'],
    ['no carrier', { a: 1 }],
    ['array carrier', { traceContext: ['x'] }],
    ['malformed traceparent', { traceContext: { traceparent: 'garbage' } }],
    ['wrong type', { traceContext: { traceparent: 42 } }],
  ])('ignores %s', (_name, message) => {
    const result = extractMessageContext(message, ROOT_CONTEXT);
    expect(trace.getSpanContext(result)).toBeUndefined();
  });

  it('parents spans in withMessageContext', () => {
    const sender = tracer.startSpan('send');
    const message = injectMessageContext({}, trace.setSpan(ROOT_CONTEXT, sender));
    sender.end();

    const child = withMessageContext(message, () => {
      const span = tracer.startSpan('receive');
      span.end();
      return span;
    });

    expect(child.spanContext().traceId).toBe(sender.spanContext().traceId);
    const finished = exporter.getFinishedSpans().find((s) => s.name === 'receive')!;
    expect(finished.parentSpanContext?.spanId).toBe(sender.spanContext().spanId);
  });
});
