import { describe, expect, it } from 'vitest';
import { Bundle } from '../../src/core/bundle.js';
import { NO_FIRING } from '../../src/core/pane.js';
import { MIN_TIMESTAMP } from '../../src/core/time.js';
import { GLOBAL_WINDOW, IntervalWindow } from '../../src/core/window.js';

describe('Bundle.of (shared metadata arrays)', () => {
  it('gives every element the bundle’s timestamp, window and pane, whatever came before', () => {
    const w = new IntervalWindow(0, 10);
    const cases: [number[], number | undefined, IntervalWindow | undefined][] = [
      [[1, 2, 3], undefined, undefined],
      [[4, 5, 6], undefined, undefined],
      [[7, 8, 9], 5, w],
      [[1], 5, w],
      [[2, 3, 4], -0, undefined],
      [[5, 6, 7], 0, undefined],
      [[], 1, w],
    ];
    for (const [values, timestamp, window] of cases) {
      const bundle = Bundle.of(values, timestamp, window);
      expect(bundle.values).toBe(values);
      expect(bundle.timestamps).toEqual(values.map(() => timestamp ?? MIN_TIMESTAMP));
      bundle.timestamps.forEach((t) => expect(Object.is(t, timestamp ?? MIN_TIMESTAMP)).toBe(true));
      expect(bundle.windows).toEqual(values.map(() => window ?? GLOBAL_WINDOW));
      expect(bundle.panes).toEqual(values.map(() => NO_FIRING));
    }
  });

  it('refuses to grow, since its metadata arrays are shared with other bundles', () => {
    const a = Bundle.of([1, 2]);
    const b = Bundle.of([3, 4]);
    expect(() => a.push(3, 0, GLOBAL_WINDOW, NO_FIRING)).toThrow(/Bundle.of .* cannot grow/);
    expect(b.timestamps).toEqual([MIN_TIMESTAMP, MIN_TIMESTAMP]);
    const built = new Bundle<number>();
    built.push(1, 0, GLOBAL_WINDOW, NO_FIRING);
    expect(built.at(0)).toEqual({ value: 1, timestamp: 0, window: GLOBAL_WINDOW, pane: NO_FIRING });
  });
});
