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
 * A log record processor that passes records at or above a minimum severity to the processors
 * it wraps, with a minimum that can change at run time. Records without a severity number pass,
 * as the SDK's logger configurator lets them pass.
 */
export interface SeverityFilterProcessor extends LogRecordProcessor {
  /** The minimum severity in force. */
  readonly minSeverity: LogSeverityName;
  /** Sets the minimum severity; records emitted afterwards use it. Throws for an unknown name. */
  setMinSeverity(minSeverity: LogSeverityName): void;
  /**
   * Returns the number of records below the minimum that reached `onEmit` since start. When
   * this filter is the provider's only processor, its `enabled()` result makes the SDK skip
   * such records before they are created, so they are not counted.
   */
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
    private readonly inner: readonly LogRecordProcessor[],
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
    for (const processor of this.inner) processor.onEmit(logRecord, context);
  }

  enabled(options: {
    context: Context;
    instrumentationScope: InstrumentationScope;
    severityNumber?: SeverityNumber;
    eventName?: string;
  }): boolean {
    if (this.isBelow(options.severityNumber)) return false;
    return this.inner.some((processor) => processor.enabled?.(options) ?? true);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.inner.map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.inner.map((processor) => processor.shutdown()));
  }

  private isBelow(severity: SeverityNumber | undefined): boolean {
    return (
      severity !== undefined && severity !== SeverityNumber.UNSPECIFIED && severity < this.floor
    );
  }
}

/**
 * Wraps `inner` (a processor, or several run in order, such as the application's processors and
 * the batch processor) in a {@link SeverityFilterProcessor} that starts at `minSeverity`.
 * Throws a `RangeError` for an unknown severity name.
 */
export function createSeverityFilterProcessor(
  inner: LogRecordProcessor | readonly LogRecordProcessor[],
  minSeverity: LogSeverityName = 'trace',
): SeverityFilterProcessor {
  const processors = Array.isArray(inner) ? [...inner] : [inner as LogRecordProcessor];
  return new SeverityFilter(processors, minSeverity);
}
