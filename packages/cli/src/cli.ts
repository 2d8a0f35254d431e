import { type CommandEntry, type CommandIo, EXIT_USAGE } from './command.js';

/** Subcommands by name. Add a command by adding one row that loads `commands/<name>.js`. */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  doctor: {
    summary: 'Check settings, the resource and the node-local OpenTelemetry agent',
    load: () => import('./commands/doctor.js'),
  },
  query: {
    summary: 'Run a PromQL query against Prometheus, Mimir or the Grafana data source proxy',
    load: () => import('./commands/query.js'),
  },
  scrape: {
    summary: 'Read and parse the node-local Prometheus endpoint (LOCAL_OTEL_ENDPOINT)',
    load: () => import('./commands/scrape.js'),
  },
};

function topLevelHelp(): string {
  const names = Object.keys(COMMANDS);
  const width = Math.max(...names.map((name) => name.length));
  return [
    'Usage: mlsysops-telemetry <command> [options]',
    '',
    'Commands:',
    ...names.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name]?.summary ?? ''}`),
    '',
    'Run `mlsysops-telemetry <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/**
 * Runs the CLI with `argv` (the arguments after the program name) and returns the exit code.
 * Never rejects: an unexpected error is printed and returns 1.
 */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;

  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topLevelHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }

  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    io.stderr(`Unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}.\n`);
    return EXIT_USAGE;
  }

  try {
    const command = await entry.load();
    return await command.run(rest, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`mlsysops-telemetry ${name} failed: ${message}\n`);
    return EXIT_USAGE;
  }
}
