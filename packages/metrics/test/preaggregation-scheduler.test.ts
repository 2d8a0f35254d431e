import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WindowScheduler } from '../src/preaggregation/window-scheduler.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('window scheduler', () => {
  it('early timer ends window at boundary', () => {
    let clockMillis = 10_000;
    const scheduler = new WindowScheduler(
      () => clockMillis,
      () => 0,
      (error) => {
        throw error;
      },
    );
    const ends: number[] = [];
    scheduler.add({ closeWindow: (nowMillis) => ends.push(nowMillis) }, 1_000);

    // The timer is due at 11 000; the wall clock reads one millisecond less when it fires.
    clockMillis = 10_999;
    vi.advanceTimersByTime(1_000);

    expect(ends).toEqual([11_000]);
    scheduler.stop();
  });
});
