import { context, DiagLogLevel, diag, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it } from 'vitest';
import { startTraces, type TracesHandle } from '../src/tracer-provider.js';
import { withSpan } from '../src/with-span.js';

let handle: TracesHandle | undefined;

afterEach(async () => {
  await handle?.shutdown(1_000);
  handle = undefined;
  trace.disable();
  context.disable();
  propagation.disable();
  diag.disable();
});

function start(options: Parameters<typeof startTraces>[0] = {}) {
  const exporter = new InMemorySpanExporter();
  handle = startTraces({ env: {}, serviceName: 'traces-test', exporter, ...options });
  return { handle, exporter };
}

describe('startTraces', () => {
  it('exports spans with the resource', async () => {
    const { handle, exporter } = start({ clusterName: 'c1' });

    withSpan('work', () => undefined);
    const result = await handle.forceFlush(2_000);

    expect(result).toEqual({ ok: true, timedOut: false });
    const span = exporter.getFinishedSpans()[0]!;
    expect(span.name).toBe('work');
    expect(span.resource.attributes['service.name']).toBe('traces-test');
    expect(span.resource.attributes['k8s.cluster.name']).toBe('c1');
  });

  it('registers context and propagators', () => {
    start();
    const carrier: Record<string, string> = {};

    withSpan('outer', (span) => {
      expect(trace.getActiveSpan()).toBe(span);
      propagation.inject(context.active(), carrier);
    });

    expect(carrier.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it.each([
    ['always_off', undefined, false],
    ['traceidratio', '0', false],
    ['traceidratio', '1', true],
    ['parentbased_always_on', undefined, true],
  ])('samples with %s %s', (sampler, arg, recorded) => {
    const env: Record<string, string> = { OTEL_TRACES_SAMPLER: sampler };
    if (arg !== undefined) env.OTEL_TRACES_SAMPLER_ARG = arg;
    const { handle } = start({ env });

    const span = handle.getTracer('t').startSpan('s', {}, ROOT_CONTEXT);
    span.end();

    expect(span.spanContext().traceFlags).toBe(recorded ? 1 : 0);
  });

  it('applies the attribute count limit', async () => {
    const { handle, exporter } = start({ env: { OTEL_ATTRIBUTE_COUNT_LIMIT: '2' } });

    handle
      .getTracer('t')
      .startSpan('s', { attributes: { a: 1, b: 2, c: 3 } })
      .end();
    await handle.forceFlush(2_000);

    expect(Object.keys(exporter.getFinishedSpans()[0]!.attributes)).toHaveLength(2);
  });

  it('keeps a foreign tracer provider', () => {
    const warnings: string[] = [];
    const noop = () => undefined;
    diag.setLogger(
      {
        error: noop,
        info: noop,
        debug: noop,
        verbose: noop,
        warn: (...args: unknown[]) => warnings.push(args.join(' ')),
      },
      DiagLogLevel.WARN,
    );
    const foreign = new TracerProvider();
    trace.setGlobalTracerProvider(foreign);

    const { handle } = start();

    expect(handle.registeredGlobal).toBe(false);
    expect((trace.getTracerProvider() as unknown as { getDelegate(): unknown }).getDelegate()).toBe(
      foreign,
    );
    expect(
      warnings.filter((w) => w.includes('global TracerProvider is registered already')),
    ).toHaveLength(1);
  });

  it('is a no-op when disabled', () => {
    const { handle } = start({ env: { OTEL_SDK_DISABLED: 'true' } });

    expect(handle.enabled).toBe(false);
    expect(handle.getTracer('t').startSpan('s').isRecording()).toBe(false);
  });

  it('rejects a sampler without shouldSample', () => {
    expect(() => startTraces({ env: {}, sampler: {} as never })).toThrow(
      'startTraces: invalid sampler; expected an object with shouldSample()',
    );
  });
});
