/**
 * examples/learning-loop.ts: windows of a durable pipeline become samples; the first retrain (on
 * the interval) beats the "as now" baseline, and after the machines change the drift check
 * retrains on the new regime and promotes again.
 */
import { describe, expect, it } from 'vitest';
import { learningLoopExample } from '../../examples/learning-loop.js';

describe('examples/learning-loop', () => {
  it('promotes on the interval, then on drift after the regime change', async () => {
    const { events, champion } = await learningLoopExample();
    expect(events.map((e) => [e.action, e.version])).toEqual([
      ['promoted', 2],
      ['promoted', 3],
    ]);
    expect(events[0]!.trigger).toBe('60000 ms since the last fit');
    expect(events[1]!.trigger).toMatch(/^drift: rolling rmse/);
    expect(events[1]!.scores!.challenger).toBeLessThan(events[1]!.scores!.champion / 2);
    expect(champion).toBe(3);
  });
});
