import { DiagConsoleLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { startTelemetry, type Telemetry } from './start-telemetry.js';

/**
 * Entry for `node --import @mlsysops/telemetry/register app.js` and
 * `node --require @mlsysops/telemetry/register app.cjs`: starts every signal from
 * environment variables alone, before the application's own code runs. A failure to start
 * is written to stderr once and never stops the application.
 */
const REGISTERED_KEY = Symbol.for('@mlsysops/telemetry/registered');

const store = globalThis as Record<symbol, Telemetry | undefined>;

if (store[REGISTERED_KEY] === undefined) {
  const levelName = process.env.OTEL_LOG_LEVEL?.trim().toUpperCase();
  const level = levelName ? DiagLogLevel[levelName as keyof typeof DiagLogLevel] : undefined;
  if (level !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel: level });

  try {
    store[REGISTERED_KEY] = startTelemetry();
  } catch (error) {
    process.stderr.write(
      `@mlsysops/telemetry/register: starting telemetry failed: ${String(error)}\n`,
    );
  }
}
