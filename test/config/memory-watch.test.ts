import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { watchMemory } from '../../src/config/memory-watch.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

it('warns once when RSS passes 90 % of the budget, once when it is back under 80 %, and again on the next rise', () => {
  const lines: string[] = [];
  let rssMiB = 100;
  const stop = watchMemory({ budgetMiB: 256, log: (line) => lines.push(line), rss: () => rssMiB * 2 ** 20 });
  const after = (mib: number): void => {
    rssMiB = mib;
    vi.advanceTimersByTime(1000);
  };
  after(230); // 89.8 %
  expect(lines).toEqual([]);
  after(231); // 90.2 %
  after(250);
  after(210); // 82 %: not yet cleared
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^memory: resident 231 MiB is 90 % of the device budget of 256 MiB/);
  after(200); // 78 %
  expect(lines[1]).toBe('memory: resident 200 MiB, back below 80 % of the budget of 256 MiB');
  after(240);
  expect(lines).toHaveLength(3);
  stop();
  after(100);
  expect(lines).toHaveLength(3);
});
