import { parseArgs } from 'node:util';
import {
  createMlsysopsResource,
  type DiscoveryResult,
  discoverAgent,
  type ProbedCandidate,
  redactSettings,
  resolveSettings,
  type TelemetryOptions,
} from '@mlsysops/telemetry-core';
import { type CommandIo, EXIT_USAGE } from '../command.js';
import { checkLocalEndpoint, type LocalEndpointCheck } from '../local-endpoint-check.js';

/** Exit code when the report was printed but the chosen agent did not respond as an OTLP receiver. */
export const EXIT_AGENT_UNREACHABLE = 2;

const HELP = `Usage: mlsysops-telemetry doctor [options]

Resolves the telemetry settings from the environment the same way the packages do, builds
the resource, probes the node-local OpenTelemetry agent and prints what it found. Secrets
(header values, URL credentials) are redacted.

Options:
  --json                       Print one JSON object instead of text.
  --endpoint <url>             Check this OTLP endpoint, like OTEL_EXPORTER_OTLP_ENDPOINT.
  --protocol <name>            http/protobuf, http/json or grpc, like OTEL_EXPORTER_OTLP_PROTOCOL.
  --probe-budget-millis <ms>   Total probe time in milliseconds (default 300, or
                               MLSYSOPS_DISCOVERY_PROBE_BUDGET_MILLIS).
  --http-ports <list>          Comma-separated OTLP/HTTP ports to try (default 4318,43180).
  --grpc-ports <list>          Comma-separated OTLP/gRPC ports to try (default 4317,43170).
  --no-localhost               Do not try 127.0.0.1 and ::1.
  --no-local-check             Do not read the local Prometheus endpoint (LOCAL_OTEL_ENDPOINT).
  -h, --help                   Print this help.

Exit codes: 0 the chosen agent responded as an OTLP receiver; 2 it did not (the report is
still printed); 1 usage error.
`;

/** The agent part of the report. */
export interface DoctorAgent {
  /** Base URL, such as `http://127.0.0.1:4318`. */
  endpoint: string;
  protocol: string;
  /** Option or variable that named the agent, `localhost`, or `default`. */
  source: string;
  reachable: boolean;
}

/** Everything `doctor --json` prints. */
export interface DoctorReport {
  /** Resource attributes by name. */
  resource: Record<string, unknown>;
  agent: DoctorAgent;
  /** Target of each signal. */
  targets: DiscoveryResult['targets'];
  /** Every candidate in order, with outcome and time in milliseconds. */
  candidates: ProbedCandidate[];
  /** One read of the node agent's local Prometheus endpoint; absent with `--no-local-check`. */
  localEndpoint?: LocalEndpointCheck;
  /** Resolved settings with secrets redacted. */
  settings: Record<string, unknown>;
  /** Source of each setting (option or variable name, or `default`), by dotted path. */
  sources: Record<string, string>;
  /** Invalid environment values that were ignored, and other problems found. */
  warnings: string[];
}

function parsePortList(name: string, text: string): number[] {
  const entries = text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const ports = entries.map((entry) => (/^\d{1,5}$/.test(entry) ? Number(entry) : Number.NaN));
  if (ports.some((port) => !(port >= 1 && port <= 65_535))) {
    throw new RangeError(
      `--${name} "${text}" is invalid: expected comma-separated ports from 1 to 65535`,
    );
  }
  return ports;
}

function parseMillis(name: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) {
    throw new RangeError(
      `--${name} "${text}" is invalid: expected a positive integer of milliseconds`,
    );
  }
  return Number(text);
}

/** Turns command-line options into telemetry options; throws on invalid values. */
function optionsFromArgs(values: Record<string, string | boolean | undefined>): TelemetryOptions {
  const discovery: NonNullable<TelemetryOptions['discovery']> = {};
  const otlp: NonNullable<TelemetryOptions['otlp']> = {};

  if (typeof values['probe-budget-millis'] === 'string') {
    discovery.probeBudgetMillis = parseMillis('probe-budget-millis', values['probe-budget-millis']);
  }
  if (typeof values['http-ports'] === 'string') {
    discovery.httpPorts = parsePortList('http-ports', values['http-ports']);
  }
  if (typeof values['grpc-ports'] === 'string') {
    discovery.grpcPorts = parsePortList('grpc-ports', values['grpc-ports']);
  }
  if (values.localhost === false) discovery.localhost = false;
  if (typeof values.endpoint === 'string') otlp.endpoint = values.endpoint;
  if (typeof values.protocol === 'string') {
    otlp.protocol = values.protocol as NonNullable<TelemetryOptions['otlp']>['protocol'];
  }

  return { discovery, otlp };
}

/** Options of {@link buildDoctorReport} beyond the telemetry options. */
export interface DoctorReportOptions {
  /** Read the local Prometheus endpoint once. Default true. */
  checkLocalEndpoint?: boolean;
}

/**
 * Resolves settings from `options` and `env`, builds the resource, runs discovery and reads
 * the local Prometheus endpoint, the last two at the same time. Throws only when `options`
 * are invalid.
 */
export async function buildDoctorReport(
  options: TelemetryOptions,
  env: Readonly<Record<string, string | undefined>>,
  reportOptions: DoctorReportOptions = {},
): Promise<DoctorReport> {
  const settings = resolveSettings(options, env);
  const resource = createMlsysopsResource(settings);
  const [result, localEndpoint] = await Promise.all([
    discoverAgent(settings),
    reportOptions.checkLocalEndpoint === false
      ? undefined
      : checkLocalEndpoint(
          settings.localEndpoint.url,
          settings.localEndpoint.source,
          // The scrape may be larger than a probe, so it gets at least one second.
          Math.max(settings.discovery.probeBudgetMillis, 1_000),
        ),
  ]);

  const warnings = [...settings.warnings];
  if (settings.disabled) {
    warnings.push(
      'OTEL_SDK_DISABLED is true: the packages create no-op providers and export nothing',
    );
  }
  if (!result.reachable) {
    warnings.push(
      `no OTLP receiver responded at ${result.endpoint} (${result.protocol}, from ${result.source})`,
    );
  }

  if (localEndpoint !== undefined && !localEndpoint.reachable) {
    warnings.push(
      `local Prometheus endpoint ${localEndpoint.url} (from ${localEndpoint.source}) did not respond: ` +
        `${localEndpoint.outcome}${localEndpoint.detail === undefined ? '' : ` (${localEndpoint.detail})`}`,
    );
  }

  const { sources, warnings: _warnings, key: _key, ...printable } = redactSettings(settings);
  return {
    resource: { ...resource.attributes },
    agent: {
      endpoint: result.endpoint,
      protocol: result.protocol,
      source: result.source,
      reachable: result.reachable,
    },
    targets: result.targets,
    candidates: [...result.candidates],
    ...(localEndpoint === undefined ? {} : { localEndpoint }),
    settings: printable,
    sources: sources as Record<string, string>,
    warnings,
  };
}

function flatten(value: unknown, prefix: string, rows: [string, string][]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) {
      flatten(item, prefix === '' ? key : `${prefix}.${key}`, rows);
    }
    return;
  }
  rows.push([prefix, Array.isArray(value) ? value.join(',') : String(value)]);
}

function table(rows: string[][]): string[] {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  return rows.map((row) =>
    `  ${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')}`.trimEnd(),
  );
}

/** Formats the report as text for a terminal. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];

  lines.push('Resource');
  const attributes = Object.entries(report.resource).sort(([a], [b]) => a.localeCompare(b));
  lines.push(...table(attributes.map(([key, value]) => [key, String(value)])), '');

  lines.push('Agent');
  lines.push(
    ...table([
      ['endpoint', `${report.agent.endpoint} (${report.agent.protocol})`],
      ['source', report.agent.source],
      ['reachable', report.agent.reachable ? 'yes' : 'no'],
    ]),
  );
  for (const target of Object.values(report.targets)) {
    lines.push(`  ${target.signal} -> ${target.url} (${target.protocol})`);
  }
  lines.push('');

  lines.push('Candidates, in the order tried');
  if (report.candidates.length === 0) {
    lines.push('  none');
  } else {
    lines.push(
      ...table([
        ['OUTCOME', 'TIME', 'PROTOCOL', 'ENDPOINT', 'SOURCE', 'DETAIL'],
        ...report.candidates.map((candidate) => [
          candidate.outcome,
          `${candidate.millis} ms`,
          candidate.protocol,
          candidate.endpoint,
          candidate.explicit ? `${candidate.source} (explicit)` : candidate.source,
          candidate.detail ?? '',
        ]),
      ]),
    );
  }
  lines.push('');

  if (report.localEndpoint !== undefined) {
    const local = report.localEndpoint;
    lines.push('Local Prometheus endpoint');
    lines.push(
      ...table([
        ['url', `${local.url} (${local.source})`],
        [
          'outcome',
          `${local.outcome}${local.detail === undefined ? '' : ` (${local.detail})`}, ${local.millis} ms`,
        ],
        ...(local.samples === undefined ? [] : [['samples', String(local.samples)]]),
      ]),
      '',
    );
  }

  lines.push('Settings (secrets redacted; source in brackets)');
  const rows: [string, string][] = [];
  flatten(report.settings, '', rows);
  lines.push(
    ...table(
      rows.map(([path, value]) => {
        const source = report.sources[path];
        return [path, source === undefined ? value : `${value}  [${source}]`];
      }),
    ),
  );
  lines.push('');

  lines.push('Warnings');
  lines.push(
    ...(report.warnings.length === 0
      ? ['  none']
      : report.warnings.map((warning) => `  - ${warning}`)),
  );
  lines.push('');
  return lines.join('\n');
}

/** Runs `mlsysops-telemetry doctor`. */
export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowPositionals: false,
      allowNegative: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        endpoint: { type: 'string' },
        protocol: { type: 'string' },
        'probe-budget-millis': { type: 'string' },
        'http-ports': { type: 'string' },
        'grpc-ports': { type: 'string' },
        localhost: { type: 'boolean' },
        'local-check': { type: 'boolean' },
      },
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\nRun \`mlsysops-telemetry doctor --help\` for usage.\n`);
    return EXIT_USAGE;
  }

  if (values.help === true) {
    io.stdout(HELP);
    return 0;
  }

  let report: DoctorReport;
  try {
    report = await buildDoctorReport(optionsFromArgs(values), io.env, {
      checkLocalEndpoint: values['local-check'] !== false,
    });
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) {
      io.stderr(`${error.message}\nRun \`mlsysops-telemetry doctor --help\` for usage.\n`);
      return EXIT_USAGE;
    }
    throw error;
  }

  io.stdout(
    values.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report),
  );
  return report.agent.reachable ? 0 : EXIT_AGENT_UNREACHABLE;
}
