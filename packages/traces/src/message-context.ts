import {
  type Context,
  context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';

/** Property of a message object that carries the trace context by default. */
export const DEFAULT_MESSAGE_CONTEXT_KEY = 'traceContext';

/** Options shared by {@link injectMessageContext} and {@link extractMessageContext}. */
export interface MessageContextOptions {
  /** Property that carries the `traceparent` / `tracestate` / `baggage` entries. Default `traceContext`. */
  key?: string;
  /**
   * Propagator used. Default: W3C trace context plus W3C baggage, independent of the global
   * propagator, so agents interoperate even when no SDK is registered.
   */
  propagator?: TextMapPropagator;
}

/** The entries a message carries: header names to string values. */
export type MessageCarrier = Record<string, string>;

const defaultPropagator = new CompositePropagator({
  propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
});

const setter: TextMapSetter<MessageCarrier> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

const getter: TextMapGetter<MessageCarrier> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * Writes the W3C trace context of `ctx` (default: the active context) into
 * `message[key]` and returns the same message object. A context without a valid span
 * leaves the message unchanged.
 */
export function injectMessageContext<M extends object>(
  message: M,
  ctx: Context = context.active(),
  options: MessageContextOptions = {},
): M {
  const key = options.key ?? DEFAULT_MESSAGE_CONTEXT_KEY;
  const carrier: MessageCarrier = {};
  (options.propagator ?? defaultPropagator).inject(ctx, carrier, setter);

  if (Object.keys(carrier).length > 0) {
    (message as Record<string, unknown>)[key] = carrier;
  }
  return message;
}

/**
 * Reads the trace context from `message[key]` and returns a context whose remote span
 * context is the sender's span, based on `base` (default: the active context). A message
 * without a carrier, or with malformed entries, returns `base` unchanged.
 */
export function extractMessageContext(
  message: unknown,
  base: Context = context.active(),
  options: MessageContextOptions = {},
): Context {
  const key = options.key ?? DEFAULT_MESSAGE_CONTEXT_KEY;
  if (message === null || typeof message !== 'object') return base;

  const carrier = (message as Record<string, unknown>)[key];
  if (carrier === null || typeof carrier !== 'object' || Array.isArray(carrier)) return base;

  return (options.propagator ?? defaultPropagator).extract(base, carrier as MessageCarrier, getter);
}

/** Runs `fn` in the context extracted from `message`, so spans it starts join the sender's trace. */
export function withMessageContext<T>(
  message: unknown,
  fn: () => T,
  options: MessageContextOptions = {},
): T {
  return context.with(extractMessageContext(message, context.active(), options), fn);
}

/** Returns the propagator used when none is given: W3C trace context plus W3C baggage. */
export function getDefaultMessagePropagator(): TextMapPropagator {
  return defaultPropagator;
}
