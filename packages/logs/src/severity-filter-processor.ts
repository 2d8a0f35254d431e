import type { LogSeverityName } from '@mlsysops/telemetry-core';
import { type Context, SeverityNumber } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';

/** Severity number of the lowest record kept for each severity name. */
const SEVERITY_FLOOR: Readonly<Record<LogSeverityName, SeverityNumber>> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

const SEVERITY_NAMES = Object.keys(SEVERITY_FLOOR) as LogSeverityName[];

/**
 * A log record processor that passes records at or above a minimum severity to the processor
 * it wraps, with a minimum that can change at run time. Records without a severity number pass,
 * as the SDK's logger configurator lets them pass.
 */
export interface SeverityFilterProcessor extends LogRecordProcessor {
  /** The minimum severity in force. */
  readonly minSeverity: LogSeverityName;
  /** Sets the minimum severity; records emitted afterwards use it. Throws for an unknown name. */
  setMinSeverity(minSeverity: LogSeverityName): void;
  /** Returns the number of records filtered out since start. */
  filteredRecords(): number;
}

function checkSeverity(value: unknown): LogSeverityName {
  if (!SEVERITY_NAMES.includes(value as LogSeverityName)) {
    throw new RangeError(
      `Invalid minimum log severity: ${JSON.stringify(value)}; expected one of ${SEVERITY_NAMES.join(', ')}.`,
    );
  }
  return value as LogSeverityName;
}

class SeverityFilter implements SeverityFilterProcessor {
  minSeverity: LogSeverityName;
  private floor: SeverityNumber;
  private filtered = 0;

  constructor(
    private readonly inner: LogRecordProcessor,
    minSeverity: LogSeverityName,
  ) {
    this.minSeverity = checkSeverity(minSeverity);
    this.floor = SEVERITY_FLOOR[minSeverity];
  }

  setMinSeverity(minSeverity: LogSeverityName): void {
    this.floor = SEVERITY_FLOOR[checkSeverity(minSeverity)];
    this.minSeverity = minSeverity;
  }

  filteredRecords(): number {
    return this.filtered;
  }

  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    if (this.isBelow(logRecord.severityNumber)) {
      this.filtered++;
      return;
    }
    this.inner.onEmit(logRecord, context);
  }

  enabled(options: {
    context: Context;
    instrumentationScope: InstrumentationScope;
    severityNumber?: SeverityNumber;
    eventName?: string;
  }): boolean {
    if (this.isBelow(options.severityNumber)) return false;
    return this.inner.enabled?.(options) ?? true;
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  private isBelow(severity: SeverityNumber | undefined): boolean {
    return (
      severity !== undefined && severity !== SeverityNumber.UNSPECIFIED && severity < this.floor
    );
  }
}

/**
 * Wraps `inner` (usually the batch processor) in a {@link SeverityFilterProcessor} that starts
 * at `minSeverity`. Throws a `RangeError` for an unknown severity name.
 */
export function createSeverityFilterProcessor(
  inner: LogRecordProcessor,
  minSeverity: LogSeverityName = 'trace',
): SeverityFilterProcessor {
  return new SeverityFilter(inner, minSeverity);
}
