import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { type ComponentLogger, createComponentLogger } from '../diagnostics/component-logger.js';
import { parseSettingsDocument } from './parse-settings-document.js';
import type { ReconfigurableSettings } from './types.js';
import { validateReconfiguration } from './validate-reconfiguration.js';

/** Variable naming the settings file to watch, such as a key of a mounted ConfigMap. */
export const SETTINGS_FILE_VARIABLE = 'MLSYSOPS_SETTINGS_FILE';

/** Default quiet time after the last file event before the file is read, in milliseconds. */
export const DEFAULT_SETTINGS_DEBOUNCE_MILLIS = 200;

/** Default interval of the periodic re-read that catches missed file events, in milliseconds. */
export const DEFAULT_SETTINGS_RECHECK_INTERVAL_MILLIS = 30_000;

/** Options of {@link watchSettingsFile}. */
export interface SettingsFileWatcherOptions {
  /** Path of the YAML or JSON settings file. */
  path: string;
  /**
   * Applies validated settings. It may throw to reject them, which logs a warning and keeps
   * the file content counted as rejected.
   */
  apply: (settings: ReconfigurableSettings) => void;
  /** Quiet time after the last file event before the file is read, in milliseconds. Default 200. */
  debounceMillis?: number;
  /** Interval of the periodic re-read, in milliseconds. Default 30 000; 0 turns it off. */
  recheckIntervalMillis?: number;
  /** Logger for the rate-limited warnings. Default: a logger of this component. */
  logger?: ComponentLogger;
}

/** Outcome of one read of the settings file. */
export type SettingsFileOutcome = 'applied' | 'unchanged' | 'rejected' | 'missing' | 'closed';

/** Counters and last outcome of a {@link SettingsFileWatcher}. */
export interface SettingsFileWatcherStatus {
  /** Absolute path of the watched file. */
  readonly path: string;
  /** Documents applied since start. */
  readonly applied: number;
  /** Documents rejected since start (parse or validation errors). */
  readonly rejected: number;
  /** Outcome of the last read. */
  readonly lastOutcome: SettingsFileOutcome | undefined;
  /** Reason of the last rejection or read failure. */
  readonly lastError: string | undefined;
  /** Wall-clock time of the last applied document, in milliseconds since the epoch. */
  readonly lastAppliedMillis: number | undefined;
}

/** A running settings file watcher. */
export interface SettingsFileWatcher {
  /** Reads the file now (waiting for a read in progress) and returns the outcome. */
  check(): Promise<SettingsFileOutcome>;
  /** Returns the counters and the last outcome. */
  status(): SettingsFileWatcherStatus;
  /** Stops watching; later reads do nothing. */
  close(): void;
}

class FileWatcher implements SettingsFileWatcher {
  private readonly path: string;
  private readonly logger: ComponentLogger;
  private readonly debounceMillis: number;
  private watcher: FSWatcher | undefined;
  private debounceTimer: NodeJS.Timeout | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private running: Promise<SettingsFileOutcome> | undefined;
  private pending = false;
  private lastText: string | undefined;
  private applied = 0;
  private rejected = 0;
  private lastOutcome: SettingsFileOutcome | undefined;
  private lastError: string | undefined;
  private lastAppliedMillis: number | undefined;
  private closed = false;

  constructor(private readonly options: SettingsFileWatcherOptions) {
    this.path = resolve(options.path);
    this.logger = options.logger ?? createComponentLogger('@mlsysops/telemetry-core/settings-file');
    this.debounceMillis = options.debounceMillis ?? DEFAULT_SETTINGS_DEBOUNCE_MILLIS;

    this.startWatching();

    const recheck = options.recheckIntervalMillis ?? DEFAULT_SETTINGS_RECHECK_INTERVAL_MILLIS;
    if (recheck > 0) {
      this.recheckTimer = setInterval(() => void this.check(), recheck);
      this.recheckTimer.unref();
    }
  }

  check(): Promise<SettingsFileOutcome> {
    if (this.closed) return Promise.resolve('closed');

    // A read requested while one runs starts once more afterwards, so a change made during
    // the read is not missed.
    if (this.running !== undefined) {
      this.pending = true;
      return this.running;
    }
    this.running = this.read().finally(() => {
      this.running = undefined;
      if (this.pending) {
        this.pending = false;
        void this.check();
      }
    });
    return this.running;
  }

  status(): SettingsFileWatcherStatus {
    return {
      path: this.path,
      applied: this.applied,
      rejected: this.rejected,
      lastOutcome: this.lastOutcome,
      lastError: this.lastError,
      lastAppliedMillis: this.lastAppliedMillis,
    };
  }

  close(): void {
    if (this.closed) return;

    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.debounceTimer);
    clearInterval(this.recheckTimer);
  }

  /**
   * Watches the directory, not the file: a ConfigMap volume replaces the `..data` symlink
   * on update, so a watch on the file itself would keep following the old inode.
   */
  private startWatching(): void {
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, () => this.schedule());
      this.watcher.on('error', (error) => {
        this.logger.warnRateLimited(
          'watch-error',
          `watching ${dirname(this.path)} failed: ${error.message}; the file is still re-read every interval`,
        );
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (error) {
      this.logger.warnRateLimited(
        'watch-error',
        `watching ${dirname(this.path)} failed: ${(error as Error).message}; the file is still re-read every interval`,
      );
    }
  }

  private schedule(): void {
    if (this.closed) return;

    clearTimeout(this.debounceTimer);
    this.debounceTimer = setTimeout(() => void this.check(), this.debounceMillis);
    this.debounceTimer.unref();
  }

  private async read(): Promise<SettingsFileOutcome> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'not found' : (error as Error).message;
      this.lastError = `settings file ${this.path}: ${reason}`;
      this.logger.warnRateLimited(
        'read',
        `${this.lastError}; the last good settings stay in force`,
      );
      return this.finish('missing');
    }

    if (this.closed) return 'closed';
    if (text === this.lastText) return this.finish('unchanged');
    this.lastText = text;

    let settings: ReconfigurableSettings;
    try {
      settings = validateReconfiguration(await parseSettingsDocument(basename(this.path), text));
      if (this.closed) return 'closed';
      this.options.apply(settings);
    } catch (error) {
      this.rejected++;
      this.lastError = (error as Error).message;
      this.logger.warnRateLimited(
        'rejected',
        `settings file ${this.path} rejected: ${this.lastError} The last good settings stay in force.`,
      );
      return this.finish('rejected');
    }

    this.applied++;
    this.lastError = undefined;
    this.lastAppliedMillis = Date.now();
    return this.finish('applied');
  }

  private finish(outcome: SettingsFileOutcome): SettingsFileOutcome {
    this.lastOutcome = outcome;
    return outcome;
  }
}

/**
 * Watches a YAML or JSON settings file and applies each valid new content through
 * `options.apply`. It reads the file once at start, after file events (debounced), and every
 * `recheckIntervalMillis` as a fallback for missed events. Invalid content is rejected as a
 * whole with a rate-limited warning, and the last good settings stay in force. The watcher and
 * timers never keep the process alive; call `close()` on shutdown.
 */
export function watchSettingsFile(options: SettingsFileWatcherOptions): SettingsFileWatcher {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new TypeError(
      `watchSettingsFile: invalid path ${JSON.stringify(options?.path)}; expected a file path`,
    );
  }
  if (typeof options.apply !== 'function') {
    throw new TypeError('watchSettingsFile: invalid apply; expected a function');
  }
  for (const name of ['debounceMillis', 'recheckIntervalMillis'] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isInteger(value) || value < 0 || value > 2_147_483_647)) {
      throw new RangeError(
        `watchSettingsFile: invalid ${name} ${JSON.stringify(value)}; expected an integer number of milliseconds from 0 to 2147483647`,
      );
    }
  }

  const watcher = new FileWatcher(options);
  void watcher.check();
  return watcher;
}
