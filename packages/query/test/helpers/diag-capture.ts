import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';

/**
 * Collects every diag message (all levels) until `stop()`, as `level namespace message`:
 * component loggers pass their namespace as the first argument.
 */
export function captureDiag(): { messages: string[]; stop(): void } {
  const messages: string[] = [];
  const record =
    (level: string) =>
    (message: string, ...args: unknown[]) => {
      messages.push([level, message, ...args.map((arg) => String(arg))].join(' '));
    };
  const logger: DiagLogger = {
    error: record('error'),
    warn: record('warn'),
    info: record('info'),
    debug: record('debug'),
    verbose: record('verbose'),
  };

  diag.setLogger(logger, { logLevel: DiagLogLevel.ALL, suppressOverrideMessage: true });
  return { messages, stop: () => diag.disable() };
}
