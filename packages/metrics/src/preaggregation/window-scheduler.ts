/** Something whose current window a scheduler closes. */
export interface WindowOwner {
  closeWindow(nowMillis: number): void;
}

interface WindowGroup {
  intervalMillis: number;
  offsetMillis: number;
  members: WindowOwner[];
  timer: ReturnType<typeof setTimeout> | undefined;
  lastBoundaryMillis: number;
}

/**
 * Returns the first window boundary after `afterMillis`. Boundaries lie at
 * `k * intervalMillis + offsetMillis` on the epoch time line.
 */
export function nextWindowBoundary(
  afterMillis: number,
  intervalMillis: number,
  offsetMillis: number,
): number {
  const steps = Math.floor((afterMillis - offsetMillis) / intervalMillis) + 1;
  return steps * intervalMillis + offsetMillis;
}

/**
 * Closes windows at wall-clock aligned boundaries, one unref'd timer per distinct interval, so
 * the hot path never reads the clock. A window ends when its timer fires, which Node.js does
 * at or shortly after the boundary.
 */
export class WindowScheduler {
  private readonly groups = new Map<number, WindowGroup>();
  private stopped = false;

  constructor(
    private readonly now: () => number,
    private readonly offsetFor: (intervalMillis: number) => number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Adds `owner` to the group of `intervalMillis`, starting that group's timer if needed. */
  add(owner: WindowOwner, intervalMillis: number): void {
    let group = this.groups.get(intervalMillis);
    if (group === undefined) {
      group = {
        intervalMillis,
        offsetMillis: this.offsetFor(intervalMillis),
        members: [],
        timer: undefined,
        lastBoundaryMillis: this.now(),
      };
      this.groups.set(intervalMillis, group);
      this.schedule(group);
    }
    group.members.push(owner);
  }

  /** Closes the current window of every owner now, without moving the boundaries. */
  closeAll(): void {
    const nowMillis = this.now();
    for (const group of this.groups.values()) {
      for (const member of group.members) member.closeWindow(nowMillis);
    }
  }

  /** Stops every timer. Later `add` calls schedule nothing. */
  stop(): void {
    this.stopped = true;
    for (const group of this.groups.values()) {
      clearTimeout(group.timer);
      group.timer = undefined;
    }
  }

  /** Returns the offset used by the group of `intervalMillis`, or undefined when there is none. */
  offsetOf(intervalMillis: number): number | undefined {
    return this.groups.get(intervalMillis)?.offsetMillis;
  }

  private schedule(group: WindowGroup): void {
    if (this.stopped) return;

    const nowMillis = this.now();
    // Starting after the last boundary as well keeps a timer that fired a little early from
    // closing the same window twice.
    const after = Math.max(nowMillis, group.lastBoundaryMillis);
    const boundary = nextWindowBoundary(after, group.intervalMillis, group.offsetMillis);
    group.lastBoundaryMillis = boundary;

    group.timer = setTimeout(() => this.fire(group), boundary - nowMillis);
    group.timer.unref?.();
  }

  private fire(group: WindowGroup): void {
    const nowMillis = this.now();
    for (const member of group.members) {
      // An exception here would escape from a timer into the application, so it is logged.
      try {
        member.closeWindow(nowMillis);
      } catch (error) {
        this.onError(error);
      }
    }
    this.schedule(group);
  }
}
