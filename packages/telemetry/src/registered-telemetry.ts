import type { Telemetry } from './start-telemetry.js';

const REGISTERED_KEY = Symbol.for('@mlsysops/telemetry/registered');

/**
 * Returns the handle that `@mlsysops/telemetry/register` started, or undefined when the
 * process was not started with it. Works across the ESM and CommonJS copies of the package.
 */
export function getRegisteredTelemetry(): Telemetry | undefined {
  return (globalThis as Record<symbol, Telemetry | undefined>)[REGISTERED_KEY];
}
