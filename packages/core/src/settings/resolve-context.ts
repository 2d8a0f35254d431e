import type { ComponentLogger } from '../diagnostics/component-logger.js';
import type { EnvSource } from './env-parsers.js';

/** One candidate value and the option or variable it came from. */
export type Candidate<T> = readonly [source: string, value: T | undefined];

/**
 * State shared by the steps of one `resolveSettings` call: the environment, the warnings
 * about invalid variables, and the source of each resolved field.
 */
export class ResolveContext {
  readonly warnings: string[] = [];
  readonly sources: Record<string, string> = {};
  readonly report = (message: string): void => {
    // A generic variable is read once per signal, so the same message can arrive three times.
    if (this.warnings.includes(message)) return;

    this.warnings.push(message);
    this.logger.warnRateLimited(message, `${message}; the value is ignored`);
  };

  constructor(
    readonly env: EnvSource,
    private readonly logger: ComponentLogger,
  ) {}

  /**
   * Returns the first defined candidate value, or `fallback`, and records where it came
   * from under `path`.
   */
  pick<T>(path: string, candidates: readonly Candidate<T>[], fallback: T): T {
    for (const [source, value] of candidates) {
      if (value !== undefined) {
        this.sources[path] = source;
        return value;
      }
    }
    this.sources[path] = 'default';
    return fallback;
  }

  /** Like {@link pick} but without a fallback: an unknown field stays undefined. */
  pickOptional<T>(path: string, candidates: readonly Candidate<T>[]): T | undefined {
    for (const [source, value] of candidates) {
      if (value !== undefined) {
        this.sources[path] = source;
        return value;
      }
    }
    return undefined;
  }

  /**
   * Like {@link pick} for enum fields: a value outside `accepted` is reported and the next
   * candidate is tried. Values compare in lower case.
   */
  pickEnum<T extends string>(
    path: string,
    candidates: readonly Candidate<string>[],
    accepted: readonly T[],
  ): T | undefined {
    for (const [source, value] of candidates) {
      if (value === undefined) continue;

      const match = accepted.find((candidate) => candidate === value.toLowerCase());
      if (match !== undefined) {
        this.sources[path] = source;
        return match;
      }
      this.report(`${source}="${value}" is invalid: expected one of ${accepted.join(', ')}`);
    }
    this.sources[path] = 'default';
    return undefined;
  }
}
