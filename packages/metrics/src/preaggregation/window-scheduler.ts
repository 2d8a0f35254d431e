/** Something whose current window a scheduler closes. */
export interface WindowOwner {
  closeWindow(nowMillis: number): void;
  /** Called when the owner's windows start to follow `intervalMillis` after {@link WindowScheduler.move}. */
  onIntervalMoved?(intervalMillis: number): void;
}

interface WindowGroup {
  intervalMillis: number;
  offsetMillis: number;
  members: WindowOwner[];
  /** Members that join the group of another interval after their current window closes. */
  moves: Map<WindowOwner, number>;
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
  private readonly groupOf = new Map<WindowOwner, WindowGroup>();
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
        moves: new Map(),
        timer: undefined,
        lastBoundaryMillis: this.now(),
      };
      this.groups.set(intervalMillis, group);
      this.schedule(group);
    }
    group.members.push(owner);
    this.groupOf.set(owner, group);
  }

  /**
   * Moves `owner` to the group of `intervalMillis` when the next boundary of its current
   * interval closes its window. A `closeAll()` before that boundary does not move it.
   * A later call replaces the target, and the current interval cancels the move.
   * After `stop()` the owner moves at once, because no boundary comes any more.
   */
  move(owner: WindowOwner, intervalMillis: number): void {
    const group = this.groupOf.get(owner);
    if (group === undefined) throw new Error('Cannot move a window owner that was never added.');

    if (intervalMillis === group.intervalMillis) {
      group.moves.delete(owner);
      return;
    }
    group.moves.set(owner, intervalMillis);
    if (this.stopped) this.applyMoves(group);
  }

  /** Returns the interval whose boundaries close the windows of `owner` now. */
  intervalOf(owner: WindowOwner): number | undefined {
    return this.groupOf.get(owner)?.intervalMillis;
  }

  /** Returns the interval that `owner` moves to at its next boundary, or undefined when none. */
  pendingIntervalOf(owner: WindowOwner): number | undefined {
    return this.groupOf.get(owner)?.moves.get(owner);
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
    // Node.js timers may fire up to a millisecond before the wall-clock boundary they were set
    // for. The window then ends at its boundary, never before it.
    const nowMillis = Math.max(this.now(), group.lastBoundaryMillis);
    for (const member of group.members) {
      // An exception here would escape from a timer into the application, so it is logged.
      try {
        member.closeWindow(nowMillis);
      } catch (error) {
        this.onError(error);
      }
    }

    group.timer = undefined;
    if (group.moves.size > 0) this.applyMoves(group);
    if (this.groups.get(group.intervalMillis) === group) this.schedule(group);
  }

  /**
   * Moves the members with a pending move to the groups of their new intervals, whose next
   * aligned boundary closes their first window there. An emptied group loses its timer and is
   * removed.
   */
  private applyMoves(group: WindowGroup): void {
    const moves = [...group.moves];
    group.moves.clear();
    const leaving = new Set(moves.map(([owner]) => owner));
    group.members = group.members.filter((member) => !leaving.has(member));

    if (group.members.length === 0) {
      clearTimeout(group.timer);
      group.timer = undefined;
      this.groups.delete(group.intervalMillis);
    }

    for (const [owner, intervalMillis] of moves) {
      this.add(owner, intervalMillis);
      try {
        owner.onIntervalMoved?.(intervalMillis);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
