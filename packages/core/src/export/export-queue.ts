import type { OtlpEncoding } from './export-target.js';

/**
 * Marks a batch that a later batch can replace without losing information, such as a
 * snapshot of cumulative metrics: a newer snapshot of the same series carries every count
 * of the older one.
 */
export interface SupersedeKey {
  /** Only batches of the same group replace each other. */
  group: string;
  /** Series in the batch. A later batch replaces this one when it contains all of them. */
  series: ReadonlySet<string>;
}

/** One serialized export request handed to the transport. */
export interface OtlpBatch {
  /** Serialized `Export<Signal>ServiceRequest`, uncompressed. */
  body: Uint8Array;
  /** Encoding of `body`. */
  encoding: OtlpEncoding;
  /** Spans, log records or metric data points in the batch; used for caps and counters. */
  itemCount: number;
  /** Set when a later batch can replace this one; see {@link SupersedeKey}. */
  supersede?: SupersedeKey;
}

/** A batch in the queue. */
export interface QueuedBatch extends OtlpBatch {
  /** Position in arrival order; flush waits for every batch up to a sequence number. */
  readonly sequence: number;
  /** Bytes charged against the byte cap. */
  readonly chargedBytes: number;
}

/** Reason a batch left the queue without being delivered. */
export type DropReason = 'overflow' | 'superseded' | 'too-large' | 'shutdown';

/** Fixed memory charged per batch on top of its body, for the queue's own bookkeeping. */
const BATCH_OVERHEAD_BYTES = 256;

/** Estimated memory of a batch's series keys: two bytes per UTF-16 code unit plus overhead. */
function seriesBytes(batch: OtlpBatch): number {
  if (batch.supersede === undefined) return 0;
  let total = 0;
  for (const series of batch.supersede.series) total += series.length * 2 + 32;
  return total;
}

/**
 * A FIFO of batches bounded in bytes and items. When a new batch does not fit, batches that a
 * later batch supersedes go first, then the oldest ones. The batch being sent is never
 * evicted, so the queue can exceed its caps by at most that one batch.
 */
export class ExportQueue {
  // A deque: live batches are slots[head..]. Removing near the front shifts only the
  // batches before the removed one, so evicting the batch behind the one in flight is O(1).
  private slots: (QueuedBatch | undefined)[] = [];
  private head = 0;
  private nextSequence = 1;
  private bytes = 0;
  private items = 0;
  /** Batches with a supersede key; when 0, eviction skips the superseded search. */
  private supersedable = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly maxItems: number,
  ) {}

  /** Batches in the queue, including the one being sent. */
  get batchCount(): number {
    return this.slots.length - this.head;
  }

  /** Bytes charged by the batches in the queue. */
  get byteCount(): number {
    return this.bytes;
  }

  /** Items in the queue. */
  get itemCount(): number {
    return this.items;
  }

  /** Sequence number of the most recent batch, 0 before the first. */
  get lastSequence(): number {
    return this.nextSequence - 1;
  }

  /** Sequence number of the oldest batch, or undefined when the queue is empty. */
  get firstSequence(): number | undefined {
    return this.peek()?.sequence;
  }

  /**
   * Adds `batch` at the tail and evicts older batches until the caps hold again.
   * `inFlight` is the batch being sent, which is never evicted.
   * Returns the evicted batches with their reason, or `too-large` for `batch` itself
   * when it alone exceeds a cap.
   */
  push(
    batch: OtlpBatch,
    inFlight: QueuedBatch | undefined,
  ): { batch: OtlpBatch; reason: DropReason }[] {
    const chargedBytes = batch.body.byteLength + BATCH_OVERHEAD_BYTES + seriesBytes(batch);
    if (chargedBytes > this.maxBytes || batch.itemCount > this.maxItems) {
      return [{ batch, reason: 'too-large' }];
    }

    const queued: QueuedBatch = { ...batch, sequence: this.nextSequence++, chargedBytes };
    this.slots.push(queued);
    this.bytes += chargedBytes;
    this.items += batch.itemCount;
    if (batch.supersede !== undefined) this.supersedable++;

    const dropped: { batch: OtlpBatch; reason: DropReason }[] = [];
    while (this.bytes > this.maxBytes || this.items > this.maxItems) {
      const victim = this.pickVictim(inFlight);
      if (victim === undefined) break;
      this.removeAt(victim.index);
      dropped.push({ batch: victim.batch, reason: victim.reason });
    }
    return dropped;
  }

  /** Returns the oldest batch without removing it. */
  peek(): QueuedBatch | undefined {
    return this.slots[this.head];
  }

  /** Removes `batch` if it is still queued. Returns true when it was. */
  remove(batch: QueuedBatch): boolean {
    if (this.peek() === batch) {
      this.removeAt(0);
      return true;
    }
    const physical = this.slots.indexOf(batch, this.head);
    if (physical < 0) return false;
    this.removeAt(physical - this.head);
    return true;
  }

  /** Removes and returns every batch. */
  clear(): QueuedBatch[] {
    const all = this.slots.slice(this.head) as QueuedBatch[];
    this.slots = [];
    this.head = 0;
    this.bytes = 0;
    this.items = 0;
    this.supersedable = 0;
    return all;
  }

  /** Returns the batch at position `index` from the front. */
  private at(index: number): QueuedBatch {
    return this.slots[this.head + index]!;
  }

  private removeAt(index: number): void {
    const removed = this.at(index);

    for (let k = this.head + index; k > this.head; k--) this.slots[k] = this.slots[k - 1];
    this.slots[this.head] = undefined;
    this.head++;
    if (this.head === this.slots.length) {
      this.slots = [];
      this.head = 0;
    } else if (this.head >= 1_024 && this.head * 2 >= this.slots.length) {
      this.slots = this.slots.slice(this.head);
      this.head = 0;
    }

    this.bytes -= removed.chargedBytes;
    this.items -= removed.itemCount;
    if (removed.supersede !== undefined) this.supersedable--;
  }

  private pickVictim(
    inFlight: QueuedBatch | undefined,
  ): { index: number; batch: QueuedBatch; reason: DropReason } | undefined {
    const size = this.batchCount;

    // The newest batch is never superseded and is evicted only when nothing older can go.
    const searchLimit = this.supersedable > 1 ? size - 1 : 0;
    for (let i = 0; i < searchLimit; i++) {
      const candidate = this.at(i);
      if (candidate !== inFlight && this.isSuperseded(i)) {
        return { index: i, batch: candidate, reason: 'superseded' };
      }
    }

    // Only the batch in flight is skipped, and it is always the oldest one.
    for (let i = 0; i < Math.min(size, 2); i++) {
      const candidate = this.at(i);
      if (candidate !== inFlight) return { index: i, batch: candidate, reason: 'overflow' };
    }
    return undefined;
  }

  /** True when a later batch of the same group contains every series of batch `index`. */
  private isSuperseded(index: number): boolean {
    const older = this.at(index).supersede;
    if (older === undefined) return false;

    for (let j = this.batchCount - 1; j > index; j--) {
      const newer = this.at(j).supersede;
      if (newer === undefined || newer.group !== older.group) continue;
      if (newer.series.size < older.series.size) continue;

      let containsAll = true;
      for (const series of older.series) {
        if (!newer.series.has(series)) {
          containsAll = false;
          break;
        }
      }
      if (containsAll) return true;
    }
    return false;
  }
}
