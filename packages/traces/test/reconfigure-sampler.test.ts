import { context, ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  RandomIdGenerator,
  SamplingDecision,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdjustableSampler } from '../src/adjustable-sampler.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ids = new RandomIdGenerator();

describe('adjustable sampler', () => {
  it('ratio change under load', async () => {
    const exporter = new InMemorySpanExporter();
    const sampler = createAdjustableSampler({ ratio: 1 });
    const provider = new TracerProvider({
      sampler,
      spanProcessors: [new SimpleSpanProcessor({ exporter })],
    });
    cleanups.push(() => provider.shutdown());
    const tracer = provider.getTracer('reconfigure-test');

    for (let i = 0; i < 500; i++) tracer.startSpan('op').end();
    expect(exporter.getFinishedSpans().length).toBe(500);

    sampler.setRatio(0);
    expect(sampler.ratio).toBe(0);
    for (let i = 0; i < 500; i++) tracer.startSpan('op').end();
    expect(exporter.getFinishedSpans().length).toBe(500);

    sampler.setRatio(1);
    for (let i = 0; i < 200; i++) tracer.startSpan('op').end();
    expect(exporter.getFinishedSpans().length).toBe(700);
  });

  it('matches SDK ratio decisions', () => {
    const sampler = createAdjustableSampler({ ratio: 0.5, parentBased: false });
    for (const ratio of [0.5, 0.1, 0.9]) {
      sampler.setRatio(ratio);
      const reference = new TraceIdRatioBasedSampler(ratio);
      let expected = 0;
      let sampled = 0;
      for (let i = 0; i < 2_000; i++) {
        const traceId = ids.generateTraceId();
        const own = sampler.shouldSample(ROOT_CONTEXT, traceId, 'op', SpanKind.INTERNAL, {}, []);
        if (own.decision === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
        if (
          reference.shouldSample(ROOT_CONTEXT, traceId).decision ===
          SamplingDecision.RECORD_AND_SAMPLED
        ) {
          expected++;
        }
      }
      expect(sampled).toBe(expected);
    }
  });

  it('follows sampled parent', () => {
    const sampler = createAdjustableSampler({ ratio: 0 });
    const parent = trace.setSpanContext(context.active(), {
      traceId: ids.generateTraceId(),
      spanId: ids.generateSpanId(),
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    const result = sampler.shouldSample(
      parent,
      ids.generateTraceId(),
      'op',
      SpanKind.SERVER,
      {},
      [],
    );
    expect(result.decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('rejects invalid ratio', () => {
    const sampler = createAdjustableSampler({ ratio: 0.2 });
    expect(() => sampler.setRatio(2)).toThrow(
      'Invalid sampler ratio: 2; expected a number from 0 to 1.',
    );
    expect(sampler.ratio).toBe(0.2);
    expect(() => createAdjustableSampler({ ratio: Number.NaN })).toThrow('Invalid sampler ratio');
  });
});
