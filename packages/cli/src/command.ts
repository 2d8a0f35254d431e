/** Streams and environment a command runs with; tests pass their own. */
export interface CommandIo {
  /** Writes to standard output. */
  stdout(text: string): void;
  /** Writes to standard error. */
  stderr(text: string): void;
  /** Environment variables the command reads settings from. */
  env: Readonly<Record<string, string | undefined>>;
}

/** A subcommand module: `commands/<name>.ts` exports `run`. */
export interface CommandModule {
  /**
   * Runs the command with the arguments after its name and returns the exit code:
   * 0 on success, 1 on a usage error, other codes as the command documents.
   */
  run(argv: readonly string[], io: CommandIo): Promise<number>;
}

/** One row of the command table. */
export interface CommandEntry {
  /** One line for the command list in `mlsysops-telemetry --help`. */
  summary: string;
  /** Loads the command module on demand, so a command's dependencies load only when it runs. */
  load(): Promise<CommandModule>;
}

/** Exit code of a usage error (unknown command or option, invalid option value). */
export const EXIT_USAGE = 1;

/** Returns the `CommandIo` of the current process. */
export function processIo(): CommandIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
  };
}
