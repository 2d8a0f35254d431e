/**
 * Key under which `@opentelemetry/api` 1.x stores its globals on `globalThis`. It is the same
 * for every 1.x copy of the API in the process, so a provider registered through another
 * copy is seen too.
 */
const GLOBAL_API_KEY = Symbol.for('opentelemetry.js.api.1');

/** Kinds of global that `@opentelemetry/api` registers. */
export type GlobalApiType = 'metrics' | 'trace' | 'logs' | 'propagation' | 'context';

/**
 * Returns whether a global provider of `type` (`metrics`, `trace`, `logs`, `propagation`,
 * `context`) is registered already, so a second registration can warn instead of failing.
 */
export function isGlobalRegistered(type: GlobalApiType): boolean {
  const api = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[GLOBAL_API_KEY];
  return api?.[type] !== undefined;
}
