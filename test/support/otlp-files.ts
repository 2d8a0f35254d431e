// Readers for the Collector file exporter's output: one OTLP/JSON export request per line
// (ExportTraceServiceRequest, ExportLogsServiceRequest or ExportMetricsServiceRequest).
import { existsSync, readFileSync } from 'node:fs';

/** Attribute value as decoded from OTLP/JSON `AnyValue`. */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

/** Attributes as a plain object. */
export type Attributes = Record<string, AttributeValue>;

/** Instrumentation scope of a record. */
export interface Scope {
  name: string;
  version: string;
  attributes: Attributes;
}

/** One span with its resource and scope. */
export interface SpanRecord {
  resource: Attributes;
  scope: Scope;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind number (1 internal, 2 server, 3 client, 4 producer, 5 consumer). */
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attributes;
  events: { name: string; timeUnixNano: string; attributes: Attributes }[];
  /** OTLP StatusCode number (0 unset, 1 ok, 2 error) and message. */
  status: { code: number; message: string };
}

/** One log record with its resource and scope. */
export interface LogRecord {
  resource: Attributes;
  scope: Scope;
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: AttributeValue;
  attributes: Attributes;
  traceId: string;
  spanId: string;
  eventName: string;
}

/** One metric with its resource and scope; `data` is the OTLP/JSON sum, gauge or histogram. */
export interface MetricRecord {
  resource: Attributes;
  scope: Scope;
  name: string;
  description: string;
  unit: string;
  /** `sum`, `gauge`, `histogram`, `exponentialHistogram` or `summary`. */
  type: string;
  data: Record<string, unknown>;
}

type Json = Record<string, unknown>;

/** Decodes an OTLP/JSON `AnyValue`. 64-bit integers beyond 2^53 stay strings. */
export function decodeAnyValue(value: unknown): AttributeValue {
  if (value === null || typeof value !== 'object') return null;
  const v = value as Json;

  if ('stringValue' in v) return String(v.stringValue);
  if ('boolValue' in v) return Boolean(v.boolValue);
  if ('intValue' in v) {
    const parsed = Number(v.intValue);
    return Number.isSafeInteger(parsed) ? parsed : String(v.intValue);
  }
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('bytesValue' in v) return String(v.bytesValue);
  if ('arrayValue' in v) {
    const values = ((v.arrayValue as Json | undefined)?.values ?? []) as unknown[];
    return values.map(decodeAnyValue);
  }
  if ('kvlistValue' in v) {
    return decodeAttributes((v.kvlistValue as Json | undefined)?.values);
  }
  return null;
}

/** Decodes an OTLP/JSON `KeyValue` list into a plain object. */
export function decodeAttributes(list: unknown): Attributes {
  const attributes: Attributes = {};

  for (const entry of (list ?? []) as Json[]) {
    attributes[String(entry.key)] = decodeAnyValue(entry.value);
  }
  return attributes;
}

/** Parses every line of a file exporter's output; a missing file gives an empty list. */
export function readJsonLines(path: string): Json[] {
  if (!existsSync(path)) return [];

  const lines = readFileSync(path, 'utf8').split('\n');
  const requests: Json[] = [];
  for (const line of lines) {
    // The exporter may be in the middle of writing the last line.
    if (line.trim() === '') continue;
    try {
      requests.push(JSON.parse(line) as Json);
    } catch {
      // NOTE: a partly written last line is skipped here and read on the next poll.
    }
  }
  return requests;
}

/** Reads every span from a traces file written by the file exporter. */
export function readSpans(path: string): SpanRecord[] {
  const spans: SpanRecord[] = [];

  for (const request of readJsonLines(path)) {
    for (const resourceSpans of (request.resourceSpans ?? []) as Json[]) {
      const resource = decodeAttributes((resourceSpans.resource as Json | undefined)?.attributes);
      for (const scopeSpans of (resourceSpans.scopeSpans ?? []) as Json[]) {
        const scope = decodeScope(scopeSpans.scope);
        for (const span of (scopeSpans.spans ?? []) as Json[]) {
          spans.push(decodeSpan(span, resource, scope));
        }
      }
    }
  }
  return spans;
}

/** Reads every log record from a logs file written by the file exporter. */
export function readLogRecords(path: string): LogRecord[] {
  const records: LogRecord[] = [];

  for (const request of readJsonLines(path)) {
    for (const resourceLogs of (request.resourceLogs ?? []) as Json[]) {
      const resource = decodeAttributes((resourceLogs.resource as Json | undefined)?.attributes);
      for (const scopeLogs of (resourceLogs.scopeLogs ?? []) as Json[]) {
        const scope = decodeScope(scopeLogs.scope);
        for (const record of (scopeLogs.logRecords ?? []) as Json[]) {
          records.push(decodeLogRecord(record, resource, scope));
        }
      }
    }
  }
  return records;
}

/** Reads every metric from a metrics file written by the file exporter. */
export function readMetrics(path: string): MetricRecord[] {
  const metrics: MetricRecord[] = [];
  const types = ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'];

  for (const request of readJsonLines(path)) {
    for (const resourceMetrics of (request.resourceMetrics ?? []) as Json[]) {
      const resource = decodeAttributes((resourceMetrics.resource as Json | undefined)?.attributes);
      for (const scopeMetrics of (resourceMetrics.scopeMetrics ?? []) as Json[]) {
        const scope = decodeScope(scopeMetrics.scope);
        for (const metric of (scopeMetrics.metrics ?? []) as Json[]) {
          const type = types.find((name) => name in metric) ?? 'unknown';
          metrics.push({
            resource,
            scope,
            name: String(metric.name ?? ''),
            description: String(metric.description ?? ''),
            unit: String(metric.unit ?? ''),
            type,
            data: (metric[type] ?? {}) as Record<string, unknown>,
          });
        }
      }
    }
  }
  return metrics;
}

/** Options of {@link waitForRecords}. */
export interface WaitForRecordsOptions {
  /** Maximum wait in milliseconds; default 15000. */
  timeoutMillis?: number;
  /** Pause between two reads in milliseconds; default 100. */
  pollMillis?: number;
}

/**
 * Re-reads a file with `read` until `predicate` holds for the records, and returns them.
 * Throws after `timeoutMillis` with the number of records seen and the file path.
 */
export async function waitForRecords<T>(
  read: (path: string) => T[],
  path: string,
  predicate: (records: T[]) => boolean,
  options: WaitForRecordsOptions = {},
): Promise<T[]> {
  const timeoutMillis = options.timeoutMillis ?? 15_000;
  const pollMillis = options.pollMillis ?? 100;
  const deadline = Date.now() + timeoutMillis;

  while (true) {
    const records = read(path);
    if (predicate(records)) return records;

    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${timeoutMillis} ms waiting for matching records in ${path} ` +
          `(${records.length} records read, predicate still false)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, pollMillis));
  }
}

/** Waits until some span in `path` matches `match`, and returns that span. */
export async function waitForSpan(
  path: string,
  match: (span: SpanRecord) => boolean,
  options?: WaitForRecordsOptions,
): Promise<SpanRecord> {
  const spans = await waitForRecords(readSpans, path, (all) => all.some(match), options);
  return spans.find(match) as SpanRecord;
}

/** Waits until some log record in `path` matches `match`, and returns that record. */
export async function waitForLogRecord(
  path: string,
  match: (record: LogRecord) => boolean,
  options?: WaitForRecordsOptions,
): Promise<LogRecord> {
  const records = await waitForRecords(readLogRecords, path, (all) => all.some(match), options);
  return records.find(match) as LogRecord;
}

function decodeScope(scope: unknown): Scope {
  const s = (scope ?? {}) as Json;
  return {
    name: String(s.name ?? ''),
    version: String(s.version ?? ''),
    attributes: decodeAttributes(s.attributes),
  };
}

function decodeSpan(span: Json, resource: Attributes, scope: Scope): SpanRecord {
  const status = (span.status ?? {}) as Json;

  return {
    resource,
    scope,
    traceId: String(span.traceId ?? ''),
    spanId: String(span.spanId ?? ''),
    parentSpanId: String(span.parentSpanId ?? ''),
    name: String(span.name ?? ''),
    kind: Number(span.kind ?? 0),
    startTimeUnixNano: String(span.startTimeUnixNano ?? '0'),
    endTimeUnixNano: String(span.endTimeUnixNano ?? '0'),
    attributes: decodeAttributes(span.attributes),
    events: ((span.events ?? []) as Json[]).map((event) => ({
      name: String(event.name ?? ''),
      timeUnixNano: String(event.timeUnixNano ?? '0'),
      attributes: decodeAttributes(event.attributes),
    })),
    status: { code: Number(status.code ?? 0), message: String(status.message ?? '') },
  };
}

function decodeLogRecord(record: Json, resource: Attributes, scope: Scope): LogRecord {
  return {
    resource,
    scope,
    timeUnixNano: String(record.timeUnixNano ?? '0'),
    observedTimeUnixNano: String(record.observedTimeUnixNano ?? '0'),
    severityNumber: Number(record.severityNumber ?? 0),
    severityText: String(record.severityText ?? ''),
    body: decodeAnyValue(record.body),
    attributes: decodeAttributes(record.attributes),
    traceId: String(record.traceId ?? ''),
    spanId: String(record.spanId ?? ''),
    eventName: String(record.eventName ?? ''),
  };
}
