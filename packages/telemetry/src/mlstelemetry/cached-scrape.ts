import type { Exposition, LocalReader } from '@mlsysops/telemetry-query';

/**
 * Shares one scrape of the node agent's endpoint between the reads of `maxAgeMillis`:
 * calls while a scrape is in flight wait for it, and calls after it reuse its result until
 * it is `maxAgeMillis` old. A failed scrape is not kept. mlstelemetry keeps its local read
 * for 1 s in the same way, so an agent loop that reads several metrics scrapes once.
 */
export class CachedScrape {
  private inFlight: Promise<Exposition> | undefined;
  private latest: { exposition: Exposition; readAtMillis: number } | undefined;

  constructor(
    private readonly reader: LocalReader,
    private readonly maxAgeMillis: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns a parsed scrape at most `maxAgeMillis` old; rejects like `LocalReader.scrape`. */
  read(): Promise<Exposition> {
    if (this.maxAgeMillis === 0) return this.reader.scrape();

    const latest = this.latest;
    if (latest !== undefined && this.now() - latest.readAtMillis < this.maxAgeMillis) {
      return Promise.resolve(latest.exposition);
    }
    if (this.inFlight !== undefined) return this.inFlight;

    const scrape = this.reader.scrape().then(
      (exposition) => {
        this.latest = { exposition, readAtMillis: this.now() };
        this.inFlight = undefined;
        return exposition;
      },
      (error: unknown) => {
        this.inFlight = undefined;
        throw error;
      },
    );
    this.inFlight = scrape;
    return scrape;
  }

  /** Forgets the kept scrape, so the next read fetches. */
  clear(): void {
    this.latest = undefined;
  }
}
