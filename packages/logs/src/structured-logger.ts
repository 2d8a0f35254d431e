import { createComponentLogger } from '@mlsysops/telemetry-core';
import {
  type AnyValue,
  type Attributes,
  type Logger,
  type LoggerProvider,
  logs,
  SeverityNumber,
} from '@opentelemetry/api';

const log = createComponentLogger('@mlsysops/telemetry-logs/structured-logger');

/** Levels of the structured logger, in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Severity number and text emitted for each {@link LogLevel}. */
export const LOG_LEVEL_SEVERITY: Readonly<Record<LogLevel, SeverityNumber>> = {
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
};

const SEVERITY_TEXT: Readonly<Record<LogLevel, string>> = {
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

/** Destination of the development mirror; `console` by default. */
export interface ConsoleMirror {
  /** Writes one formatted line. */
  write(level: LogLevel, line: string): void;
}

/** Options for {@link createStructuredLogger}. */
export interface StructuredLoggerOptions {
  /** Instrumentation scope name of the emitted records. Default `@mlsysops/telemetry-logs`. */
  name?: string;
  /** Scope version. */
  version?: string;
  /** Provider that creates the OpenTelemetry logger. Default: the global logger provider. */
  loggerProvider?: LoggerProvider;
  /** Lowest level that is emitted. Default `debug`; the provider may filter further. */
  minLevel?: LogLevel;
  /** Attributes added to every record of this logger. */
  attributes?: Attributes;
  /**
   * Also writes every emitted record as one line to the console (development aid). `true`
   * uses `console.debug/info/warn/error`; an object receives the lines instead. Default off.
   */
  console?: boolean | ConsoleMirror;
}

/** A structured logger that emits OpenTelemetry log records with trace correlation. */
export interface StructuredLogger {
  /** Emits a DEBUG record. */
  debug(message: string, attributes?: Attributes): void;
  /** Emits an INFO record. */
  info(message: string, attributes?: Attributes): void;
  /** Emits a WARN record; `error` adds `exception.type`, `exception.message`, `exception.stacktrace`. */
  warn(message: string, attributes?: Attributes, error?: unknown): void;
  /** Emits an ERROR record; `error` adds `exception.type`, `exception.message`, `exception.stacktrace`. */
  error(message: string, attributes?: Attributes, error?: unknown): void;
  /** Returns whether a record of `level` would be emitted, so callers can skip costly attributes. */
  isEnabled(level: LogLevel): boolean;
  /** Returns a logger that adds `attributes` to every record, on top of this logger's own. */
  child(attributes: Attributes): StructuredLogger;
}

const LEVEL_ORDER: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

function validateLevel(level: unknown): LogLevel {
  if (typeof level === 'string' && level in LEVEL_ORDER) return level as LogLevel;
  throw new RangeError(
    `createStructuredLogger: invalid minLevel ${JSON.stringify(level)}; expected debug, info, warn or error`,
  );
}

const defaultMirror: ConsoleMirror = {
  write: (level, line) => {
    console[level](line);
  },
};

/**
 * Creates a structured logger. Each call emits one log record whose context is the active
 * context, so the SDK stamps the active trace id and span id on it. An error thrown by the
 * processor chain or the console mirror is caught and logged as one rate-limited `diag` warning.
 */
export function createStructuredLogger(options: StructuredLoggerOptions = {}): StructuredLogger {
  const minLevel = options.minLevel === undefined ? 'debug' : validateLevel(options.minLevel);
  const name = options.name ?? '@mlsysops/telemetry-logs';
  const provider = options.loggerProvider ?? logs.getLoggerProvider();
  const otelLogger = provider.getLogger(name, options.version);

  let mirror: ConsoleMirror | undefined;
  if (options.console === true) mirror = defaultMirror;
  else if (options.console && typeof options.console === 'object') mirror = options.console;

  return buildLogger(otelLogger, LEVEL_ORDER[minLevel], options.attributes ?? {}, mirror);
}

function buildLogger(
  otelLogger: Logger,
  minOrder: number,
  baseAttributes: Attributes,
  mirror: ConsoleMirror | undefined,
): StructuredLogger {
  const emit = (level: LogLevel, message: string, attributes?: Attributes, error?: unknown) => {
    if (LEVEL_ORDER[level] < minOrder) return;

    const merged = attributes === undefined ? baseAttributes : { ...baseAttributes, ...attributes };
    try {
      otelLogger.emit({
        severityNumber: LOG_LEVEL_SEVERITY[level],
        severityText: SEVERITY_TEXT[level],
        body: message as AnyValue,
        attributes: merged,
        exception: error,
      });
    } catch (emitError) {
      log.warnRateLimited('emit', `emitting a log record failed: ${String(emitError)}`);
    }

    if (mirror !== undefined) writeMirror(mirror, level, message, merged, error);
  };

  return {
    debug: (message, attributes) => emit('debug', message, attributes),
    info: (message, attributes) => emit('info', message, attributes),
    warn: (message, attributes, error) => emit('warn', message, attributes, error),
    error: (message, attributes, error) => emit('error', message, attributes, error),
    isEnabled: (level) =>
      LEVEL_ORDER[level] >= minOrder &&
      otelLogger.enabled({ severityNumber: LOG_LEVEL_SEVERITY[level] }),
    child: (attributes) =>
      buildLogger(otelLogger, minOrder, { ...baseAttributes, ...attributes }, mirror),
  };
}

function writeMirror(
  mirror: ConsoleMirror,
  level: LogLevel,
  message: string,
  attributes: Attributes,
  error: unknown,
): void {
  try {
    const parts = [`${SEVERITY_TEXT[level]} ${message}`];
    if (Object.keys(attributes).length > 0) parts.push(JSON.stringify(attributes));
    if (error instanceof Error) parts.push(error.stack ?? `${error.name}: ${error.message}`);
    else if (error !== undefined) parts.push(String(error));
    mirror.write(level, parts.join(' '));
  } catch (mirrorError) {
    log.warnRateLimited('mirror', `writing to the console mirror failed: ${String(mirrorError)}`);
  }
}
