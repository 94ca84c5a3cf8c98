import { GLOBAL_WINDOW, IntervalWindow, type BoundedWindow } from '../window.js';

/** Assigns each element's event time to windows. */
export interface WindowFn {
  /** Short description for names and errors, e.g. `fixed(60000)`. */
  readonly description: string;
  /** True for the single global window. */
  readonly isGlobal: boolean;
  /** True when windows of one key merge when they overlap (sessions). */
  readonly merging: boolean;
  /** The windows an element at `timestamp` belongs to. */
  assign(timestamp: number): BoundedWindow[];
}

function positive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of milliseconds, got ${value}`);
}

/** `a mod m` in [0, m), also for negative `a`. */
function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/** Everything in one window; the default. */
export function globalWindows(): WindowFn {
  return { description: 'global', isGlobal: true, merging: false, assign: () => [GLOBAL_WINDOW] };
}

/** Back-to-back windows of `size` ms, starting at multiples of `size` shifted by `offset`. */
export function fixedWindows(size: number, offset = 0): WindowFn {
  positive('fixedWindows(size)', size);
  // Consecutive elements mostly share a window: reuse the last assignment (windows are immutable).
  let last: BoundedWindow[] | undefined;
  return {
    description: offset ? `fixed(${size}, ${offset})` : `fixed(${size})`,
    isGlobal: false,
    merging: false,
    assign: (t) => {
      const current = last?.[0];
      if (current && t >= current.start && t < current.end) return last!;
      const start = t - mod(t - offset, size);
      last = [new IntervalWindow(start, start + size)];
      return last;
    },
  };
}

/** Windows of `size` ms starting every `period` ms: each element lands in about size/period of them. */
export function slidingWindows(size: number, period: number, offset = 0): WindowFn {
  positive('slidingWindows(size)', size);
  positive('slidingWindows(period)', period);
  if (period > size) throw new RangeError(`slidingWindows: period (${period}) must not exceed size (${size}); use fixedWindows for gaps`);
  // Elements between two window starts get the same windows: reuse the last assignment.
  let cachedStart = NaN;
  let cached: BoundedWindow[] = [];
  return {
    description: `sliding(${size}, ${period})`,
    isGlobal: false,
    merging: false,
    assign: (t) => {
      const lastStart = t - mod(t - offset, period);
      if (lastStart === cachedStart) return cached;
      const windows: BoundedWindow[] = [];
      for (let start = lastStart; start > t - size; start -= period) windows.push(new IntervalWindow(start, start + size));
      cachedStart = lastStart;
      cached = windows;
      return windows;
    },
  };
}

/** Per-key sessions: an element opens `[t, t + gap)`; windows of one key that overlap merge. */
export function sessions(gap: number): WindowFn {
  positive('sessions(gap)', gap);
  return { description: `sessions(${gap})`, isGlobal: false, merging: true, assign: (t) => [new IntervalWindow(t, t + gap)] };
}
