/** An exporter as the SDK's processors and readers see it: `forceFlush` is optional. */
export interface FlushableExporter {
  forceFlush?(): Promise<void>;
}

/**
 * The deadline-aware methods that the OTLP exporters of these packages add to the SDK's
 * exporter interfaces.
 */
export interface DeadlineAwareExporter {
  /** Tries to deliver everything queued within `timeoutMillis`. */
  flush(timeoutMillis: number): Promise<unknown>;
  /** Flushes within `timeoutMillis`, then drops and counts what is left. */
  shutdownWithReport(timeoutMillis: number): Promise<unknown>;
}

/** Returns whether `exporter` takes deadlines, as the OTLP exporters of these packages do. */
export function isDeadlineAware(exporter: unknown): exporter is DeadlineAwareExporter {
  const candidate = exporter as Partial<DeadlineAwareExporter> | undefined;
  return (
    typeof candidate?.flush === 'function' && typeof candidate.shutdownWithReport === 'function'
  );
}

/**
 * Flushes an exporter within `timeoutMillis`. A deadline-aware exporter gets the deadline
 * itself, so no wait of its own outlives it. Any other exporter gets its own `forceFlush`,
 * which the caller bounds.
 */
export async function flushExporter(
  exporter: FlushableExporter,
  timeoutMillis: number,
): Promise<void> {
  if (isDeadlineAware(exporter)) {
    await exporter.flush(timeoutMillis);
    return;
  }
  await exporter.forceFlush?.();
}

/**
 * Stops a deadline-aware exporter at once: what is still queued is dropped and counted, and
 * its connections and timers are released, so nothing of it keeps the process alive after a
 * shutdown deadline passed. Other exporters are left alone.
 */
export function stopExporterNow(exporter: unknown): void {
  if (isDeadlineAware(exporter)) {
    void exporter.shutdownWithReport(0);
  }
}
