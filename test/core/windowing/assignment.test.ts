import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pipeline, collect, count, countWindows, create, fixedWindows, kv, sessions, slidingWindows, sum, run, type KV, type WindowedValue } from '../../../src/index.js';

const S = 1000;

describe('window functions', () => {
  it('fixedWindows: back-to-back windows, with an offset, negative times too', () => {
    const w = fixedWindows(10 * S);
    expect(w.assign(0).map(String)).toEqual([String(w.assign(9999)[0])]);
    expect(w.assign(10_000)[0]).toMatchObject({ start: 10_000, end: 20_000 });
    expect(w.assign(-1)[0]).toMatchObject({ start: -10_000, end: 0 });
    expect(fixedWindows(10 * S, 3 * S).assign(2999)[0]).toMatchObject({ start: -7000, end: 3000 });
  });

  it('slidingWindows: each element lands in size/period windows that contain it (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 10 }), (t, period, k) => {
        const size = period * k;
        const windows = slidingWindows(size, period).assign(t);
        expect(windows).toHaveLength(k);
        for (const w of windows) {
          expect(w.start <= t && t < w.end).toBe(true);
          expect(w.end - w.start).toBe(size);
          expect(((w.start % period) + period) % period).toBe(0);
        }
        expect(new Set(windows.map((w) => w.id)).size).toBe(k);
      }),
    );
  });

  it('rejects nonsense sizes with a message naming the option', () => {
    expect(() => fixedWindows(0)).toThrow('fixedWindows(size) must be a positive number of milliseconds, got 0');
    expect(() => slidingWindows(10, 20)).toThrow(/period \(20\) must not exceed size \(10\)/);
    expect(() => sessions(-5)).toThrow(/sessions\(gap\)/);
  });
});

function windowedPipeline<T>(values: { v: T; t: number }[]) {
  const p = new Pipeline();
  return {
    p,
    input: p
      .apply(create(values))
      .withTimestamps((e) => e.t)
      .map((e) => e.v),
  };
}

describe('aggregation per window (batch)', () => {
  it('fixed windows: one on-time pane per key and window, stamped with the window end', async () => {
    const { p, input } = windowedPipeline([
      { v: kv('a', 1), t: 1 * S },
      { v: kv('a', 2), t: 2 * S },
      { v: kv('b', 5), t: 3 * S },
      { v: kv('a', 3), t: 11 * S },
    ]);
    const out = collect<KV<string, number>>();
    input
      .windowInto(fixedWindows(10 * S))
      .combinePerKey(sum())
      .apply(out);
    await run(p);
    const rows = out.elements.map((e) => [e.value.key, e.value.value, e.window.start, e.timestamp, e.pane.timing, e.pane.isLast]);
    expect(rows).toEqual([
      ['a', 3, 0, 9999, 'onTime', true],
      ['b', 5, 0, 9999, 'onTime', true],
      ['a', 3, 10_000, 19_999, 'onTime', true],
    ]);
  });

  it('sliding windows: an element counts in every window that contains it', async () => {
    const { p, input } = windowedPipeline([
      { v: 'x', t: 7 * S },
      { v: 'x', t: 12 * S },
    ]);
    const out = collect<number>();
    input
      .windowInto(slidingWindows(10 * S, 5 * S))
      .combineGlobally(count())
      .apply(out);
    await run(p);
    expect(out.elements.map((e) => [e.window.start / S, e.value])).toEqual([
      [0, 1],
      [5, 2],
      [10, 1],
    ]);
  });

  const countWindowPanes = async (bundleSize: number) => {
    const p = new Pipeline();
    const out = collect<KV<string, number[]>>();
    p.apply(create([1, 2, 3, 4, 5, 6, 7].map((x) => kv('a', x))))
      .apply(countWindows(3))
      .groupByKey()
      .apply(out);
    await run(p, { bundleSize });
    return out.elements.map((e) => [e.value.value, e.pane.index]);
  };

  it('count windows: a pane every N readings per key, the remainder last', async () => {
    expect(await countWindowPanes(1)).toEqual([
      [[1, 2, 3], 0],
      [[4, 5, 6], 1],
      [[7], 2],
    ]);
  });

  it('count windows are asked once per bundle, as Beam asks AfterCount: a pane holds at least N', async () => {
    // Bundles [1, 2] [3, 4] [5, 6] [7]: the count reaches 3 inside the second and the fourth bundle.
    expect(await countWindowPanes(2)).toEqual([
      [[1, 2, 3, 4], 0],
      [[5, 6, 7], 1],
    ]);
  });
});

/** Reference sessions: sort each key's times, split where the next is `gap` or more later. */
function referenceSessions(events: { key: string; t: number }[], gap: number): string[] {
  const byKey = new Map<string, number[]>();
  for (const e of events) byKey.set(e.key, [...(byKey.get(e.key) ?? []), e.t]);
  const out: string[] = [];
  for (const [key, times] of byKey) {
    times.sort((a, b) => a - b);
    let start = times[0]!;
    let members = [times[0]!];
    for (const t of times.slice(1)) {
      if (t - members.at(-1)! < gap) members.push(t);
      else {
        out.push(`${key} ${start}..${members.at(-1)! + gap} ${members.join(',')}`);
        start = t;
        members = [t];
      }
    }
    out.push(`${key} ${start}..${members.at(-1)! + gap} ${members.join(',')}`);
  }
  return out.sort();
}

describe('sessions', () => {
  it('merge overlapping windows per key in any arrival order and split at gaps (property)', async () => {
    const events = fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), t: fc.integer({ min: 0, max: 500 }) }), { minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(events, fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 8 }), async (input, gap, bundleSize) => {
        const p = new Pipeline();
        const out = collect<KV<string, number[]>>();
        p.apply(create(input))
          .withTimestamps((e) => e.t)
          .map((e) => kv(e.key, e.t))
          .windowInto(sessions(gap))
          .groupByKey()
          .apply(out);
        await run(p, { bundleSize });
        const got = out.elements.map(
          (e: WindowedValue<KV<string, number[]>>) => `${e.value.key} ${e.window.start}..${e.window.end} ${[...e.value.value].sort((a, b) => a - b).join(',')}`,
        );
        expect(got.sort()).toEqual(referenceSessions(input, gap));
      }),
      { numRuns: 150 },
    );
  });
});
