import { END_OF_GLOBAL_WINDOW, MIN_TIMESTAMP } from './time.js';

/** A window of event time that elements are grouped in. `id` identifies it for grouping. */
export interface BoundedWindow {
  /** Inclusive start (ms). */
  readonly start: number;
  /** Exclusive end (ms). */
  readonly end: number;
  /** Identity of the window: equal ids mean the same window. */
  readonly id: string;
  /** The latest timestamp an element of this window can have; the window fires after it. */
  maxTimestamp(): number;
  /** How the window reads in messages (late data, dead-letter reasons). */
  toString(): string;
}

/** The window `[start, end)` used by fixed, sliding and session windows. */
export class IntervalWindow implements BoundedWindow {
  readonly id: string;

  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    if (!(end > start)) throw new RangeError(`IntervalWindow: end (${end}) must be after start (${start})`);
    this.id = `${start}..${end}`;
  }

  maxTimestamp(): number {
    return this.end - 1;
  }

  /** True when the windows overlap (windows that only touch do not); used to merge sessions. */
  intersects(other: IntervalWindow): boolean {
    return this.start < other.end && other.start < this.end;
  }

  /** The smallest window covering both. */
  span(other: IntervalWindow): IntervalWindow {
    return new IntervalWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  toString(): string {
    return `[${new Date(this.start).toISOString()}, ${new Date(this.end).toISOString()})`;
  }
}

class GlobalWindowImpl implements BoundedWindow {
  readonly start = MIN_TIMESTAMP;
  readonly end = END_OF_GLOBAL_WINDOW + 1;
  readonly id = 'global';

  maxTimestamp(): number {
    return END_OF_GLOBAL_WINDOW;
  }

  toString(): string {
    return 'GlobalWindow';
  }
}

/** The single window every element is in unless a pipeline windows its data. */
export const GLOBAL_WINDOW: BoundedWindow = new GlobalWindowImpl();

/** The window with the given `id` (the inverse of `BoundedWindow.id`). */
export function windowFromId(id: string): BoundedWindow {
  if (id === GLOBAL_WINDOW.id) return GLOBAL_WINDOW;
  const match = /^(-?\d+(?:\.\d+)?)\.\.(-?\d+(?:\.\d+)?)$/.exec(id);
  if (!match) throw new Error(`not a window id: "${id}"`);
  return new IntervalWindow(Number(match[1]), Number(match[2]));
}
