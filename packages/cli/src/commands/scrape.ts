import { parseArgs } from 'node:util';
import {
  createLocalReader,
  type Exposition,
  type ExpositionFormat,
  formatSampleValue,
  type LocalReaderOptions,
  type MetricFamily,
  QueryError,
} from '@mlsysops/telemetry-query';
import { type CommandIo, EXIT_USAGE } from '../command.js';
import { EXIT_QUERY_FAILED, renderTable, toJson, withDiagOnStderr } from './query.js';

const HELP = `Usage: mlsysops-telemetry scrape [options]

Reads the node-local Prometheus endpoint (the OpenTelemetry Collector agent's prometheus
exporter), parses the Prometheus text format or OpenMetrics, and prints the samples as a
table, or the metric families as JSON with --json.

Options:
  --url <endpoint>          host:port or URL of the endpoint (MLSYSOPS_LOCAL_ENDPOINT or
                            LOCAL_OTEL_ENDPOINT, default localhost:9999); a URL without a
                            path gets /metrics.
  --match <name>            Only this metric: a family name (e2e_requests) or a sample name
                            (e2e_requests_total, rpc_seconds_bucket). Repeatable.
  --label <name=value>      Only samples with this label value. Repeatable.
  --format <format>         auto (default), openmetrics or prometheus-text.
  --timeout-millis <ms>     Time limit of the scrape in milliseconds (default 5000).
  --json                    Print the metric families as JSON.
  -h, --help                Print this help.

Exit codes: 0 success; 1 usage error; 2 the endpoint could not be read or parsed.
`;

const FORMATS = ['auto', 'openmetrics', 'prometheus-text'] as const;

/**
 * Keeps the families and samples that match: a family matches `names` by its own name or by
 * one of its sample names, and a sample matches when it has every label of `labels`. Families
 * left without samples are dropped when a filter is given.
 */
export function filterExposition(
  exposition: Exposition,
  names: readonly string[],
  labels: Readonly<Record<string, string>>,
): MetricFamily[] {
  const wanted = Object.entries(labels);
  if (names.length === 0 && wanted.length === 0) return exposition.families;
  const out: MetricFamily[] = [];

  for (const family of exposition.families) {
    const familyMatches = names.length === 0 || names.includes(family.name);
    const samples = family.samples.filter(
      (sample) =>
        (familyMatches || names.includes(sample.name)) &&
        wanted.every(([key, value]) => sample.labels[key] === value),
    );
    if (samples.length > 0) out.push({ ...family, samples });
  }
  return out;
}

function formatSample(name: string, labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
  return pairs.length === 0 ? name : `${name}{${pairs.join(', ')}}`;
}

function formatFamilies(families: readonly MetricFamily[]): string {
  const rows: string[][] = [];

  for (const family of families) {
    for (const sample of family.samples) {
      rows.push([
        formatSample(sample.name, sample.labels),
        formatSampleValue(sample.value),
        family.type,
        sample.timestampMillis === undefined ? '' : new Date(sample.timestampMillis).toISOString(),
      ]);
    }
  }
  if (rows.length === 0) return 'No samples matched.\n';
  return renderTable(['SAMPLE', 'VALUE', 'TYPE', 'TIME'], rows);
}

function parseLabels(entries: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};

  for (const entry of entries) {
    const separator = entry.indexOf('=');
    if (separator <= 0) throw new RangeError(`--label "${entry}" is invalid: expected name=value`);
    labels[entry.slice(0, separator)] = entry.slice(separator + 1);
  }
  return labels;
}

/** Runs `mlsysops-telemetry scrape`; see the help text for arguments and exit codes. */
export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  let json: boolean;
  let names: string[];
  let labels: Record<string, string>;
  let options: LocalReaderOptions;

  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        match: { type: 'string', multiple: true },
        label: { type: 'string', multiple: true },
        format: { type: 'string' },
        'timeout-millis': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help === true) {
      io.stdout(HELP);
      return 0;
    }
    if (positionals.length > 0) {
      throw new RangeError(`unexpected argument "${positionals[0]}"; use --match <name> to filter`);
    }

    const format = values.format ?? 'auto';
    if (!FORMATS.includes(format as (typeof FORMATS)[number])) {
      throw new RangeError(`--format "${format}" is invalid: expected ${FORMATS.join(', ')}`);
    }
    const timeout = values['timeout-millis'];
    if (timeout !== undefined && (!/^\d+$/.test(timeout) || Number(timeout) < 1)) {
      throw new RangeError(`--timeout-millis "${timeout}" is invalid: expected a positive integer`);
    }

    json = values.json === true;
    names = values.match ?? [];
    labels = parseLabels(values.label ?? []);
    options = {
      endpoint: values.url,
      format: format as 'auto' | ExpositionFormat,
      timeoutMillis: timeout === undefined ? undefined : Number(timeout),
      env: io.env,
    };
    createLocalReader(options);
  } catch (error) {
    io.stderr(
      `mlsysops-telemetry scrape: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    io.stderr('Run `mlsysops-telemetry scrape --help` for usage.\n');
    return EXIT_USAGE;
  }

  return withDiagOnStderr(io, async () => {
    const reader = createLocalReader(options);
    let exposition: Exposition;
    try {
      exposition = await reader.scrape();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      io.stderr(`mlsysops-telemetry scrape: ${message}\n`);
      return error instanceof QueryError ? EXIT_QUERY_FAILED : EXIT_USAGE;
    }

    const families = filterExposition(exposition, names, labels);
    io.stdout(
      json
        ? toJson({ url: reader.url, format: exposition.format, families })
        : formatFamilies(families),
    );
    return 0;
  });
}
