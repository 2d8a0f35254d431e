import { createComponentLogger } from '@mlsysops/telemetry-core';
import {
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

const log = createComponentLogger('@mlsysops/telemetry-traces/with-span');

/** Name of the tracer that {@link withSpan} uses when no tracer is passed. */
export const DEFAULT_TRACER_NAME = '@mlsysops/telemetry-traces';

/** Options for {@link withSpan}: the standard span options plus where the span comes from. */
export interface WithSpanOptions extends SpanOptions {
  /** Tracer that starts the span. Default: the global tracer named `@mlsysops/telemetry-traces`. */
  tracer?: Tracer;
  /** Parent context. Default: the active context. */
  parentContext?: Context;
}

interface Outcome<T> {
  finished: boolean;
  threw: boolean;
  value?: T;
  error?: unknown;
}

/**
 * Runs `fn` inside a new active span and ends the span when `fn` returns, throws, or its
 * promise settles. A thrown error or rejection is recorded on the span with status ERROR and
 * then rethrown unchanged. The return value, including the original promise object, is
 * returned unchanged. `fn` runs exactly once. When starting or activating the span fails,
 * `fn` receives a non-recording span and one rate-limited warning goes to `diag`.
 */
export function withSpan<T>(name: string, fn: (span: Span) => T, options: WithSpanOptions = {}): T {
  let span: Span;
  let spanContext: Context;

  try {
    const tracer = options.tracer ?? trace.getTracer(DEFAULT_TRACER_NAME);
    const parent = options.parentContext ?? context.active();
    span = tracer.startSpan(name, options, parent);
    spanContext = trace.setSpan(parent, span);
  } catch (error) {
    log.warnRateLimited('start', `withSpan: starting span "${name}" failed: ${String(error)}`);
    return fn(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  }

  // The outcome is kept outside context.with so that a failure of the context manager
  // after fn ran can neither hide fn's own result nor run fn a second time.
  const outcome: Outcome<T> = { finished: false, threw: false };
  let entered = false;

  try {
    context.with(spanContext, () => {
      entered = true;
      try {
        outcome.value = fn(span);
      } catch (error) {
        outcome.threw = true;
        outcome.error = error;
      }
      outcome.finished = true;
    });
  } catch (error) {
    if (!entered) {
      log.warnRateLimited(
        'context',
        `withSpan: activating span "${name}" failed: ${String(error)}`,
      );
      endSpan(span);
      return fn(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
    }
    log.warnRateLimited('context', `withSpan: leaving span "${name}" failed: ${String(error)}`);
  }

  if (outcome.threw) {
    failSpan(span, outcome.error);
    throw outcome.error;
  }

  const value = outcome.value as T;
  if (isThenable(value)) {
    attachSettlement(span, value);
  } else {
    endSpan(span);
  }
  return value;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Ends the span when the promise settles. The handlers are attached before the caller sees
 * the promise, so the span has ended by the time the caller's own `await` resumes.
 */
function attachSettlement(span: Span, promise: PromiseLike<unknown>): void {
  try {
    promise.then(
      () => endSpan(span),
      (error: unknown) => failSpan(span, error),
    );
  } catch (error) {
    log.warnRateLimited('then', `withSpan: attaching to the returned thenable failed: ${error}`);
    endSpan(span);
  }
}

/**
 * Records `error` on the span, sets status ERROR and ends it. Errors thrown by the span
 * methods are caught and logged.
 */
export function failSpan(span: Span, error: unknown): void {
  try {
    if (error instanceof Error) {
      span.recordException(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else {
      span.recordException(String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    }
  } catch (recordError) {
    log.warnRateLimited('record', `withSpan: recording an exception failed: ${recordError}`);
  }
  endSpan(span);
}

function endSpan(span: Span): void {
  try {
    span.end();
  } catch (error) {
    log.warnRateLimited('end', `withSpan: ending a span failed: ${String(error)}`);
  }
}
