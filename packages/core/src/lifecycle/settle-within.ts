/** Outcome of a flush or shutdown that ran under a deadline. */
export interface FlushResult {
  /** True when the operation completed without error before the deadline. */
  ok: boolean;
  /** True when the deadline passed first; the operation may still finish in the background. */
  timedOut: boolean;
  /** Error message, when `ok` is false and the deadline did not pass. */
  error?: string;
}

/**
 * Waits for `operation` at most `timeoutMillis` and never rejects. The timer is unreferenced,
 * so a pending deadline does not keep the process alive on its own.
 */
export async function settleWithin(
  operation: () => Promise<unknown>,
  timeoutMillis: number,
): Promise<FlushResult> {
  let timer: NodeJS.Timeout | undefined;

  const deadline = new Promise<FlushResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, timedOut: true }), Math.max(0, timeoutMillis));
    timer.unref();
  });

  const work = (async (): Promise<FlushResult> => {
    try {
      await operation();
      return { ok: true, timedOut: false };
    } catch (error) {
      return {
        ok: false,
        timedOut: false,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  })();

  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
