import { createComponentLogger } from '@mlsysops/telemetry-core';

const log = createComponentLogger('@mlsysops/telemetry/shutdown-signals');

/** Signals that trigger a flush and shutdown by default. */
export const DEFAULT_SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** Options for {@link installShutdownHandlers}. */
export interface ShutdownHandlerOptions {
  /** Flushes and stops telemetry; must resolve within `timeoutMillis` and never reject. */
  shutdown: (timeoutMillis: number) => Promise<unknown>;
  /** Time allowed for `shutdown`, in milliseconds. */
  timeoutMillis: number;
  /** Signals to handle. Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /**
   * Also shut down on `beforeExit`, when the event loop has no more work, so a short script
   * delivers what it buffered. Default true.
   */
  flushBeforeExit?: boolean;
  /** Process to attach to; tests pass a stand-in. Default `process`. */
  process?: NodeJS.Process;
}

/**
 * Installs handlers that shut telemetry down on a termination signal and then let the
 * process end as it would have without them. When no other listener is registered for
 * the signal, the handler removes itself and sends the same signal again, so the exit
 * status is the default one (128 + signal number). When the application has its own
 * listener, the application decides when to exit, and the handler only shuts down
 * telemetry. Returns a function that removes the handlers.
 */
export function installShutdownHandlers(options: ShutdownHandlerOptions): () => void {
  const proc = options.process ?? process;
  const signals = options.signals ?? DEFAULT_SHUTDOWN_SIGNALS;
  let installed = true;
  let shuttingDown = false;

  const uninstall = (): void => {
    if (!installed) return;
    installed = false;
    for (const signal of signals) proc.removeListener(signal, onSignal);
    proc.removeListener('beforeExit', onBeforeExit);
  };

  function onSignal(signal: NodeJS.Signals): void {
    uninstall();
    if (shuttingDown) return;
    shuttingDown = true;

    log.debug(`received ${signal}; flushing telemetry within ${options.timeoutMillis} ms`);
    void runShutdown().then(() => {
      // Another listener means the application handles the signal and decides when to exit.
      if (proc.listenerCount(signal) > 0) return;
      proc.kill(proc.pid, signal);
    });
  }

  function onBeforeExit(): void {
    uninstall();
    if (shuttingDown) return;
    shuttingDown = true;
    // The pending shutdown keeps the event loop alive; Node emits beforeExit again when it
    // settles, and the process then exits with the status it had.
    void runShutdown();
  }

  async function runShutdown(): Promise<void> {
    try {
      await options.shutdown(options.timeoutMillis);
    } catch (error) {
      log.error(`telemetry shutdown failed: ${String(error)}`);
    }
  }

  for (const signal of signals) proc.on(signal, onSignal);
  if (options.flushBeforeExit ?? true) proc.on('beforeExit', onBeforeExit);
  return uninstall;
}
