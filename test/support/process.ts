import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

// Children that are still running. They get SIGKILL when the worker process exits, so a test
// that never calls stop() leaves no Collector or Prometheus behind.
const running = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Options of {@link spawnLogged}. */
export interface SpawnLoggedOptions {
  /** File that receives stdout and stderr; appended to, so restarts keep earlier output. */
  logPath: string;
  /** Working directory of the child. */
  cwd?: string;
  /** Full environment of the child. */
  env?: NodeJS.ProcessEnv;
}

/** Starts `command` with stdout and stderr appended to `logPath`. */
export function spawnLogged(
  command: string,
  args: string[],
  options: SpawnLoggedOptions,
): ChildProcess {
  const fd = openSync(options.logPath, 'a');

  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });

    running.add(child);
    child.once('exit', () => running.delete(child));
    // A spawn failure (ENOENT, EACCES) arrives as an 'error' event, which waitForHttpOk
    // reports. This listener stays so that a later 'error' never becomes an uncaught one.
    child.on('error', () => running.delete(child));
    return child;
  } finally {
    // The child keeps its own copy of the descriptor.
    closeSync(fd);
  }
}

/** Returns true while `child` has neither exited nor failed to start. */
export function isRunning(child: ChildProcess): boolean {
  return running.has(child) && child.exitCode === null && child.signalCode === null;
}

/**
 * Sends SIGTERM to `child` and SIGKILL when it is still running after `timeoutMillis`.
 * Resolves once the process has exited; does nothing for a process that already exited.
 */
export async function stopProcess(child: ChildProcess, timeoutMillis: number): Promise<void> {
  if (!isRunning(child)) return;

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');

  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMillis);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Returns the last `maxLines` lines of a log file, or a note when the file is missing. */
export function logTail(logPath: string, maxLines = 40): string {
  if (!existsSync(logPath)) return `(no log file at ${logPath})`;

  const lines = readFileSync(logPath, 'utf8').trimEnd().split('\n');
  return lines.slice(-maxLines).join('\n');
}

/** Options of {@link waitForHttpOk}. */
export interface WaitForHttpOkOptions {
  /** The process that serves `url`; an exit ends the wait at once. */
  child: ChildProcess;
  /** Name used in error messages, for example `Collector`. */
  name: string;
  /** Log of the process; its tail goes into the error message. */
  logPath: string;
  /** Maximum wait in milliseconds. */
  timeoutMillis: number;
  /** Pause between two requests in milliseconds. */
  pollMillis?: number;
}

/**
 * Polls `url` until it returns HTTP 200. Rejects with the tail of the log when the process
 * exits or fails to start, or when `timeoutMillis` pass.
 */
export async function waitForHttpOk(url: string, options: WaitForHttpOkOptions): Promise<void> {
  const { child, name, logPath, timeoutMillis } = options;
  const pollMillis = options.pollMillis ?? 100;
  const deadline = Date.now() + timeoutMillis;
  let spawnError: Error | undefined;
  let lastProblem = 'no request answered yet';

  const onError = (error: Error) => {
    spawnError = error;
  };
  child.once('error', onError);

  try {
    while (true) {
      if (spawnError) {
        throw new Error(`${name} failed to start: ${spawnError.message}`);
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        const exitReason = child.signalCode
          ? `signal ${child.signalCode}`
          : `code ${child.exitCode}`;
        throw new Error(
          `${name} exited with ${exitReason} before ${url} was ready. Log tail (${logPath}):\n` +
            logTail(logPath),
        );
      }

      const remainingMillis = deadline - Date.now();
      if (remainingMillis <= 0) {
        throw new Error(
          `timed out after ${timeoutMillis} ms waiting for ${name} at ${url} ` +
            `(last result: ${lastProblem}). Log tail (${logPath}):\n${logTail(logPath)}`,
        );
      }

      try {
        const response = await fetch(url, {
          signal: AbortSignal.timeout(Math.min(2_000, remainingMillis)),
        });
        await response.arrayBuffer();
        if (response.status === 200) return;
        lastProblem = `HTTP ${response.status}`;
      } catch (error) {
        lastProblem = (error as Error).cause
          ? String((error as { cause: unknown }).cause)
          : (error as Error).message;
      }

      await new Promise((resolve) => setTimeout(resolve, pollMillis));
    }
  } finally {
    child.off('error', onError);
  }
}
