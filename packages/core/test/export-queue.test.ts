import { describe, expect, it } from 'vitest';
import { ExportQueue, type OtlpBatch } from '../src/export/export-queue.js';

function batch(name: string, itemCount: number, series?: string[]): OtlpBatch {
  const body = new TextEncoder().encode(name);
  return series === undefined
    ? { body, encoding: 'protobuf', itemCount }
    : { body, encoding: 'protobuf', itemCount, supersede: { group: 'g', series: new Set(series) } };
}

function names(queue: ExportQueue): string[] {
  const result: string[] = [];
  const all = queue.clear();
  for (const queued of all) result.push(new TextDecoder().decode(queued.body));
  return result;
}

describe('export queue', () => {
  it('numbers batches in order', () => {
    const queue = new ExportQueue(1_000_000, 100);

    queue.push(batch('a', 1), undefined);
    queue.push(batch('b', 2), undefined);

    expect(queue.firstSequence).toBe(1);
    expect(queue.lastSequence).toBe(2);
    expect(queue.itemCount).toBe(3);
    expect(queue.batchCount).toBe(2);
  });

  it('evicts oldest over item cap', () => {
    const queue = new ExportQueue(1_000_000, 4);

    queue.push(batch('a', 2), undefined);
    queue.push(batch('b', 2), undefined);
    const dropped = queue.push(batch('c', 2), undefined);

    expect(dropped.map((entry) => entry.reason)).toEqual(['overflow']);
    expect(names(queue)).toEqual(['b', 'c']);
  });

  it('evicts by bytes', () => {
    // Each batch charges its body plus 256 bytes of bookkeeping.
    const queue = new ExportQueue(2 * (256 + 100), 1_000);
    const body = (name: string) => ({
      body: new Uint8Array(100).fill(name.charCodeAt(0)),
      encoding: 'protobuf' as const,
      itemCount: 1,
    });

    queue.push(body('a'), undefined);
    queue.push(body('b'), undefined);
    const dropped = queue.push(body('c'), undefined);

    expect(dropped).toHaveLength(1);
    expect(queue.byteCount).toBe(2 * (256 + 100));
  });

  it('protects batch in flight', () => {
    const queue = new ExportQueue(1_000_000, 4);
    queue.push(batch('a', 2), undefined);
    const inFlight = queue.peek();

    queue.push(batch('b', 2), inFlight);
    queue.push(batch('c', 2), inFlight);

    expect(names(queue)).toEqual(['a', 'c']);
  });

  it('prefers superseded batches', () => {
    const queue = new ExportQueue(1_000_000, 4);

    queue.push(batch('delta', 1), undefined);
    queue.push(batch('old', 2, ['x', 'y']), undefined);
    const dropped = queue.push(batch('new', 2, ['x', 'y', 'z']), undefined);

    expect(dropped.map((entry) => entry.reason)).toEqual(['superseded']);
    expect(names(queue)).toEqual(['delta', 'new']);
  });

  it('keeps batches with extra series', () => {
    const queue = new ExportQueue(1_000_000, 4);

    queue.push(batch('old', 2, ['x', 'w']), undefined);
    const dropped = queue.push(batch('new', 3, ['x', 'y', 'z']), undefined);

    // 'w' appears only in the old batch, so the old batch is evicted as overflow.
    expect(dropped.map((entry) => entry.reason)).toEqual(['overflow']);
  });

  it('rejects batch over cap', () => {
    const queue = new ExportQueue(1_000_000, 4);

    const dropped = queue.push(batch('huge', 5), undefined);

    expect(dropped.map((entry) => entry.reason)).toEqual(['too-large']);
    expect(queue.batchCount).toBe(0);
    expect(queue.lastSequence).toBe(0);
  });

  it('evicts quickly at scale', () => {
    const queue = new ExportQueue(64 * 1024 * 1024, 20_000);
    const started = performance.now();

    for (let i = 0; i < 60_000; i++) queue.push(batch('s', 1), undefined);

    expect(queue.itemCount).toBe(20_000);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
