/** Processing time, injected into everything periodic so tests run on virtual time. */
export interface Clock {
  /** Current processing time in ms since the epoch. */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for deterministic tests. */
export class VirtualClock implements Clock {
  #now: number;

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward by `ms` (never backward). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`VirtualClock.advance(ms): ms must be >= 0, got ${ms}`);
    this.#now += ms;
  }

  /** Sets time to `ms`, which must not be earlier than now. */
  set(ms: number): void {
    if (ms < this.#now) throw new RangeError(`VirtualClock.set(ms): cannot move back from ${this.#now} to ${ms}`);
    this.#now = ms;
  }
}
