import { context, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ATTR_AGENT_DECISION,
  ATTR_AGENT_ITERATION,
  ATTR_AGENT_NAME,
  ATTR_AGENT_PHASE,
  createAgentLoop,
  EVENT_AGENT_DECISION,
} from '../src/agent-loop.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const tracer = provider.getTracer('test');

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});

afterAll(async () => {
  context.disable();
  await provider.shutdown();
});

beforeEach(() => exporter.reset());

describe('createAgentLoop', () => {
  it('rejects an empty agent name', () => {
    expect(() => createAgentLoop({ agentName: ' ' })).toThrow(
      'createAgentLoop: invalid agentName " "; expected a non-empty string',
    );
  });

  it('nests phases under the iteration', async () => {
    const loop = createAgentLoop({ agentName: 'node-agent', tracer });

    const result = await loop.iteration(async (it) => {
      const load = await it.observe(async () => 0.93);
      const decision = it.decide(() => {
        const choice = load > 0.9 ? 'scale-up' : 'none';
        it.recordDecision(choice, { reason: 'cpu' });
        return choice;
      });
      await it.act(async () => decision);
      return decision;
    });

    expect(result).toBe('scale-up');
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name).sort()).toEqual([
      'agent.act',
      'agent.decide',
      'agent.iteration',
      'agent.observe',
    ]);

    const root = spans.find((s) => s.name === 'agent.iteration')!;
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes[ATTR_AGENT_NAME]).toBe('node-agent');
    expect(root.attributes[ATTR_AGENT_ITERATION]).toBe(1);

    for (const phase of ['observe', 'decide', 'act']) {
      const span = spans.find((s) => s.name === `agent.${phase}`)!;
      expect(span.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
      expect(span.attributes[ATTR_AGENT_PHASE]).toBe(phase);
      expect(span.attributes[ATTR_AGENT_ITERATION]).toBe(1);
    }

    const decide = spans.find((s) => s.name === 'agent.decide')!;
    expect(decide.attributes[ATTR_AGENT_DECISION]).toBe('scale-up');
    expect(decide.events[0]!.name).toBe(EVENT_AGENT_DECISION);
    expect(decide.events[0]!.attributes).toEqual({
      reason: 'cpu',
      [ATTR_AGENT_DECISION]: 'scale-up',
    });
  });

  it('starts a new trace per iteration', () => {
    const loop = createAgentLoop({ agentName: 'a', tracer });
    loop.iteration(() => undefined);
    loop.iteration(() => undefined);

    const [first, second] = exporter.getFinishedSpans();
    expect(first!.spanContext().traceId).not.toBe(second!.spanContext().traceId);
    expect(second!.attributes[ATTR_AGENT_ITERATION]).toBe(2);
  });

  it('marks failed phase and iteration', async () => {
    const loop = createAgentLoop({ agentName: 'a', tracer });
    const error = new Error('actuator down');

    await expect(
      loop.iteration(async (it) => {
        await it.act(async () => {
          throw error;
        });
      }),
    ).rejects.toBe(error);

    const spans = exporter.getFinishedSpans();
    for (const name of ['agent.act', 'agent.iteration']) {
      const span = spans.find((s) => s.name === name)!;
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'actuator down' });
    }
  });

  it('records loop metrics', async () => {
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: 60_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const loop = createAgentLoop({ agentName: 'a', tracer, meter: meterProvider.getMeter('m') });

    await loop.iteration(async (it) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      it.decide(() => it.recordDecision('scale-up'));
    });
    loop.iteration((it) => it.decide(() => it.recordDecision('keep')));
    await reader.forceFlush();

    const metrics = metricExporter.getMetrics().at(-1)!.scopeMetrics[0]!.metrics;
    const decisions = metrics.find((m) => m.descriptor.name === 'mlsysops.agent.decisions')!;
    expect(
      decisions.dataPoints.map((p) => [p.attributes[ATTR_AGENT_DECISION], p.value]).sort(),
    ).toEqual([
      ['keep', 1],
      ['scale-up', 1],
    ]);
    const duration = metrics.find(
      (m) => m.descriptor.name === 'mlsysops.agent.iteration.duration',
    )!;
    const point = duration.dataPoints[0]!;
    const value = point.value as { count: number; min?: number };
    expect(duration.descriptor.unit).toBe('s');
    expect(point.attributes).toEqual({ [ATTR_AGENT_NAME]: 'a' });
    expect(value.count).toBe(2);
    expect(value.min).toBeLessThan(0.02);
    await meterProvider.shutdown();
  });
});
