import { parseArgs } from 'node:util';
import {
  createPromQLClient,
  formatSampleValue,
  type InstantQueryResult,
  type PromQLClientOptions,
  QUERY_SERVER_KINDS,
  QueryError,
  type QueryServerKind,
  type RangeQueryResult,
  type SamplePoint,
  type SeriesLabels,
} from '@mlsysops/telemetry-query';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { type CommandIo, EXIT_USAGE } from '../command.js';

/** Exit code when the server could not be reached or responded with an error. */
export const EXIT_QUERY_FAILED = 2;

const HELP = `Usage: mlsysops-telemetry query '<promql>' [options]

Runs a PromQL query against Prometheus, Grafana Mimir or Grafana's data source proxy and
prints the result as a table, or as JSON with --json. Without --start it runs an instant
query; with --start it runs a range query.

Options:
  --time <time>             Evaluation time of an instant query (default: now).
  --start <time>            Start of a range query.
  --end <time>              End of a range query (default: now).
  --step <duration>         Resolution of a range query, such as 15s or 1m (default: the
                            range divided by 250, at least 1s).
  --url <url>               Server base URL (MLSYSOPS_QUERY_URL).
  --kind <kind>             prometheus, mimir or grafana (MLSYSOPS_QUERY_KIND).
  --datasource-uid <uid>    Grafana data source UID (MLSYSOPS_QUERY_DATASOURCE_UID).
  --tenant <id>             X-Scope-OrgID tenant (MLSYSOPS_QUERY_TENANT).
  --path-prefix <path>      Path before /api/v1 (MLSYSOPS_QUERY_PATH_PREFIX).
  --timeout-millis <ms>     Time limit including retries, in milliseconds
                            (MLSYSOPS_QUERY_TIMEOUT_MILLIS, default 30000).
  --json                    Print the result as JSON.
  -h, --help                Print this help.

The bearer token is read only from MLSYSOPS_QUERY_TOKEN, so it never appears in the process
list. Times are Unix seconds, RFC 3339 (2026-01-02T03:04:05Z), "now", or "now-<duration>"
such as now-1h.

Exit codes: 0 success; 1 usage error; 2 server or connection error.
`;

const DURATION_MILLIS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration such as `90s`, `1h30m` or `500ms` into milliseconds; returns `undefined`
 * for anything else.
 */
export function parseDurationMillis(text: string): number | undefined {
  const parts = text.match(/\d+(?:ms|s|m|h|d|w)/g);
  if (parts === null || parts.join('') !== text) return undefined;

  let total = 0;
  for (const part of parts) {
    const unit = part.endsWith('ms') ? 'ms' : part.slice(-1);
    total += Number(part.slice(0, -unit.length)) * DURATION_MILLIS[unit]!;
  }
  return total;
}

/**
 * Parses a command-line time: Unix seconds, RFC 3339, `now` or `now-<duration>`. Throws
 * `RangeError` naming the option for anything else.
 */
export function parseCliTime(option: string, text: string, nowMillis: number): Date {
  if (text === 'now') return new Date(nowMillis);

  if (text.startsWith('now-')) {
    const millis = parseDurationMillis(text.slice(4));
    if (millis !== undefined) return new Date(nowMillis - millis);
  } else if (/^\d+(?:\.\d+)?$/.test(text)) {
    return new Date(Number(text) * 1000);
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(text) && !Number.isNaN(Date.parse(text))) {
    return new Date(text);
  }
  throw new RangeError(
    `--${option} "${text}" is invalid: expected Unix seconds, an RFC 3339 time, now or now-<duration>`,
  );
}

/** Formats labels in PromQL notation: `up{job="api"}`. */
export function formatSeries(labels: SeriesLabels): string {
  const { __name__: name, ...rest } = labels;
  const pairs = Object.entries(rest).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  if (pairs.length === 0) return name ?? '{}';
  return `${name ?? ''}{${pairs.join(', ')}}`;
}

/** Renders rows as left-aligned columns separated by two spaces, with a header row. */
export function renderTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/**
 * Serialises to JSON with `NaN`, `+Inf` and `-Inf` as strings, the way the Prometheus API
 * writes them, because JSON has no literal for them.
 */
export function toJson(value: unknown): string {
  return `${JSON.stringify(
    value,
    (_key, item: unknown) =>
      typeof item === 'number' && !Number.isFinite(item) ? formatSampleValue(item) : item,
    2,
  )}\n`;
}

/**
 * Routes `diag` warnings to standard error while `body` runs, so invalid environment values
 * are visible on the command line, then restores the no-op logger.
 */
export async function withDiagOnStderr<T>(io: CommandIo, body: () => Promise<T>): Promise<T> {
  const write = (message: string, ...args: unknown[]) => {
    // Component loggers pass their namespace first; the CLI shows only the message.
    const text = args.length > 0 ? args.map((arg) => String(arg)).join(' ') : message;
    io.stderr(`warning: ${text}\n`);
  };
  const logger: DiagLogger = {
    error: write,
    warn: write,
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  };

  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  try {
    return await body();
  } finally {
    diag.disable();
  }
}

function formatTime(timestampMillis: number): string {
  return new Date(timestampMillis).toISOString();
}

function formatInstant(result: InstantQueryResult | RangeQueryResult): string {
  switch (result.resultType) {
    case 'scalar':
      return renderTable(['VALUE', 'TIME'], [pointRow(result.result)]);
    case 'string':
      return renderTable(
        ['VALUE', 'TIME'],
        [[result.result.value, formatTime(result.result.timestampMillis)]],
      );
    case 'vector': {
      if (result.result.length === 0) return 'No series matched.\n';
      const rows = result.result.map((sample) => {
        if (sample.value !== undefined)
          return [formatSeries(sample.metric), ...pointRow(sample.value)];
        const histogram = sample.histogram!;
        return [
          formatSeries(sample.metric),
          `histogram count=${formatSampleValue(histogram.histogram.count)} sum=${formatSampleValue(histogram.histogram.sum)}`,
          formatTime(histogram.timestampMillis),
        ];
      });
      return renderTable(['SERIES', 'VALUE', 'TIME'], rows);
    }
    case 'matrix': {
      if (result.result.length === 0) return 'No series matched.\n';
      const rows: string[][] = [];
      for (const series of result.result) {
        const name = formatSeries(series.metric);
        for (const point of series.values) rows.push([name, ...pointRow(point)]);
        for (const point of series.histograms) {
          rows.push([
            name,
            `histogram count=${formatSampleValue(point.histogram.count)} sum=${formatSampleValue(point.histogram.sum)}`,
            formatTime(point.timestampMillis),
          ]);
        }
      }
      return renderTable(['SERIES', 'VALUE', 'TIME'], rows);
    }
  }
}

function pointRow(point: SamplePoint): string[] {
  return [formatSampleValue(point.value), formatTime(point.timestampMillis)];
}

function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new RangeError(`--timeout-millis "${text}" is invalid: expected a positive integer`);
  }
  return Number(text);
}

function parseKind(text: string | undefined): QueryServerKind | undefined {
  if (text === undefined) return undefined;
  const kind = QUERY_SERVER_KINDS.find((candidate) => candidate === text.toLowerCase());
  if (kind === undefined) {
    throw new RangeError(
      `--kind "${text}" is invalid: expected one of ${QUERY_SERVER_KINDS.join(', ')}`,
    );
  }
  return kind;
}

/** Runs `mlsysops-telemetry query`; see the help text for arguments and exit codes. */
export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  let clientOptions: PromQLClientOptions;
  let range: { start: Date; end: Date; step: string } | undefined;
  let time: Date | undefined;

  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        time: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
        step: { type: 'string' },
        url: { type: 'string' },
        kind: { type: 'string' },
        'datasource-uid': { type: 'string' },
        tenant: { type: 'string' },
        'path-prefix': { type: 'string' },
        'timeout-millis': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
    if (values.help === true) {
      io.stdout(HELP);
      return 0;
    }
    if (positionals.length !== 1 || positionals[0]!.trim() === '') {
      throw new RangeError('expected exactly one PromQL expression (quote it)');
    }

    const now = Date.now();
    const text = (name: string) => values[name] as string | undefined;
    if (text('start') === undefined && (text('end') !== undefined || text('step') !== undefined)) {
      throw new RangeError('--end and --step need --start');
    }
    if (text('start') !== undefined && text('time') !== undefined) {
      throw new RangeError('--time applies to instant queries; drop it or --start');
    }
    if (text('time') !== undefined) time = parseCliTime('time', text('time')!, now);
    if (text('start') !== undefined) {
      const start = parseCliTime('start', text('start')!, now);
      const end =
        text('end') === undefined ? new Date(now) : parseCliTime('end', text('end')!, now);
      if (end.getTime() < start.getTime()) throw new RangeError('--end is before --start');
      range = { start, end, step: resolveStep(text('step'), start, end) };
    }

    clientOptions = {
      url: text('url'),
      kind: parseKind(text('kind')),
      datasourceUid: text('datasource-uid'),
      tenantId: text('tenant'),
      pathPrefix: text('path-prefix'),
      timeoutMillis: parseTimeout(text('timeout-millis')),
      env: io.env,
    };
  } catch (error) {
    io.stderr(
      `mlsysops-telemetry query: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    io.stderr('Run `mlsysops-telemetry query --help` for usage.\n');
    return EXIT_USAGE;
  }

  return withDiagOnStderr(io, async () => {
    let result: InstantQueryResult | RangeQueryResult;
    try {
      const client = createPromQLClient(clientOptions);
      const promql = positionals[0]!;
      result =
        range === undefined
          ? await client.query(promql, time === undefined ? {} : { time })
          : await client.queryRange(promql, range.start, range.end, range.step);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`mlsysops-telemetry query: ${message}\n`);
      return error instanceof QueryError ? EXIT_QUERY_FAILED : EXIT_USAGE;
    }

    for (const warning of result.warnings) io.stderr(`warning: ${warning}\n`);
    for (const info of result.infos) io.stderr(`info: ${info}\n`);
    io.stdout(values.json === true ? toJson(result) : formatInstant(result));
    return 0;
  });
}

function resolveStep(text: string | undefined, start: Date, end: Date): string {
  if (text !== undefined) {
    const asSeconds = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) * 1000 : undefined;
    const millis = asSeconds ?? parseDurationMillis(text);
    if (millis === undefined || millis <= 0) {
      throw new RangeError(`--step "${text}" is invalid: expected a positive duration such as 15s`);
    }
    return text;
  }

  // Prometheus rejects more than 11 000 points per series; 250 points keep tables readable.
  const seconds = Math.max(1, Math.ceil((end.getTime() - start.getTime()) / 1000 / 250));
  return `${seconds}s`;
}
