import { setTimeout as sleep } from 'node:timers/promises';

/** Settings the ML agent may change at run time through the control endpoint. */
export interface BatchSettings {
  /** Largest number of requests one worker processes together, 1 to 256. */
  batchSize: number;
  /** Number of batches processed concurrently, 1 to 32. */
  workers: number;
}

/** Options of {@link createBatcher}. */
export interface BatcherOptions<I, O> extends BatchSettings {
  /** Maximum time the oldest queued request waits for a batch to fill, in milliseconds. */
  maxWaitMillis: number;
  /** Queue length above which {@link Batcher.submit} rejects new requests. */
  maxQueueLength: number;
  /**
   * Fixed cost of dispatching one batch, in milliseconds, spent as a timer (not CPU), as
   * the launch and transfer overhead of an accelerator would be. Zero disables it.
   */
  dispatchMillis: number;
  /** Extra cost per item of a batch, in milliseconds, also spent as a timer. */
  perItemMillis: number;
  /** Computes the outputs of one batch, in input order. */
  process(inputs: I[]): O[];
  /** Called after each batch with its size and its processing time in milliseconds. */
  onBatch?(size: number, durationMillis: number): void;
  /** Called with +1 when a request is queued and -n when n requests leave the queue. */
  onQueueChange?(delta: number): void;
}

/** Raised by {@link Batcher.submit} when the queue is full or the batcher is closed. */
export class BatcherRejectedError extends Error {
  constructor(
    message: string,
    /** `queue_full` or `shutting_down`. */
    readonly reason: 'queue_full' | 'shutting_down',
  ) {
    super(message);
    this.name = 'BatcherRejectedError';
  }
}

/** Dynamic request batcher: queues single requests and processes them in batches. */
export interface Batcher<I, O> {
  /** Queues one input; resolves with its output or rejects with {@link BatcherRejectedError}. */
  submit(input: I): Promise<O>;
  /** Number of queued requests not yet taken by a worker. */
  queueDepth(): number;
  /** Number of workers processing a batch right now. */
  busyWorkers(): number;
  /** Current batch size and worker count. */
  settings(): BatchSettings;
  /** Applies new settings; queued requests are batched with them from the next dispatch. */
  configure(settings: Partial<BatchSettings>): BatchSettings;
  /** Rejects new requests, waits for running batches, and rejects what is still queued. */
  close(): Promise<void>;
}

interface Pending<I, O> {
  input: I;
  enqueuedAt: number;
  resolve(output: O): void;
  reject(error: Error): void;
}

class DynamicBatcher<I, O> implements Batcher<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private readonly running = new Set<Promise<void>>();
  private current: BatchSettings;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: BatcherOptions<I, O>) {
    this.current = { batchSize: options.batchSize, workers: options.workers };
  }

  submit(input: I): Promise<O> {
    if (this.closed) {
      return Promise.reject(new BatcherRejectedError('service is shutting down', 'shutting_down'));
    }
    if (this.queue.length >= this.options.maxQueueLength) {
      return Promise.reject(
        new BatcherRejectedError(
          `queue is full (${this.options.maxQueueLength} requests)`,
          'queue_full',
        ),
      );
    }

    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, enqueuedAt: performance.now(), resolve, reject });
      this.options.onQueueChange?.(1);
      this.schedule();
    });
  }

  queueDepth(): number {
    return this.queue.length;
  }

  busyWorkers(): number {
    return this.running.size;
  }

  settings(): BatchSettings {
    return { ...this.current };
  }

  configure(settings: Partial<BatchSettings>): BatchSettings {
    this.current = { ...this.current, ...settings };
    this.schedule();
    return this.settings();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.running]);

    const error = new BatcherRejectedError('service is shutting down', 'shutting_down');
    const left = this.queue.splice(0);
    if (left.length > 0) this.options.onQueueChange?.(-left.length);
    for (const pending of left) pending.reject(error);
  }

  /**
   * Dispatches batches while workers are free and either a full batch is queued or the
   * oldest request has waited `maxWaitMillis`. Otherwise it arms one timer for that deadline.
   */
  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = undefined;

    while (!this.closed && this.queue.length > 0 && this.running.size < this.current.workers) {
      const waitedMillis = performance.now() - this.queue[0]!.enqueuedAt;
      const full = this.queue.length >= this.current.batchSize;

      if (!full && waitedMillis < this.options.maxWaitMillis) {
        this.timer = setTimeout(() => this.schedule(), this.options.maxWaitMillis - waitedMillis);
        this.timer.unref();
        return;
      }

      const batch = this.queue.splice(0, this.current.batchSize);
      this.options.onQueueChange?.(-batch.length);
      const run = this.runBatch(batch).finally(() => {
        this.running.delete(run);
        this.schedule();
      });
      this.running.add(run);
    }
  }

  private async runBatch(batch: Pending<I, O>[]): Promise<void> {
    const started = performance.now();
    const costMillis = this.options.dispatchMillis + this.options.perItemMillis * batch.length;
    if (costMillis > 0) await sleep(costMillis);

    let outputs: O[];
    try {
      outputs = this.options.process(batch.map((pending) => pending.input));
    } catch (error) {
      const reason = error instanceof Error ? error : new Error(String(error));
      for (const pending of batch) pending.reject(reason);
      return;
    }

    for (const [i, pending] of batch.entries()) pending.resolve(outputs[i]!);
    this.options.onBatch?.(batch.length, performance.now() - started);
  }
}

/** Creates a dynamic batcher; see {@link BatcherOptions} for the cost model. */
export function createBatcher<I, O>(options: BatcherOptions<I, O>): Batcher<I, O> {
  return new DynamicBatcher(options);
}
