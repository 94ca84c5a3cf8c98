import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pipeline, collect, create, fixedWindows, kv, sum, run, type KV } from '../../src/index.js';
import { eventStream, timestamped } from '../../src/testing/index.js';

type Event = { key: string; value: number; t: number };

async function batch(events: Event[], size: number): Promise<string[]> {
  const p = new Pipeline();
  const out = collect<KV<string, number>>();
  p.apply(create(events))
    .withTimestamps((e) => e.t)
    .map((e) => kv(e.key, e.value))
    .windowInto(fixedWindows(size))
    .combinePerKey(sum())
    .apply(out);
  await run(p);
  return out.elements.map((e) => `${e.value.key}@${e.window.start}=${e.value.value}`).sort();
}

async function streaming(arrivals: Event[], size: number, maxLateness: number, bundleSize: number) {
  const p = new Pipeline();
  const out = collect<KV<string, number>>();
  p.apply(
    eventStream(
      arrivals.map((e) => timestamped(kv(e.key, e.value), e.t)),
      { maxLateness },
    ),
  )
    .windowInto(fixedWindows(size))
    .combinePerKey(sum())
    .apply(out);
  const result = await run(p, { bundleSize });
  return { rows: out.elements.map((e) => `${e.value.key}@${e.window.start}=${e.value.value}`).sort(), elements: out.elements, result };
}

describe('streaming equals batch (property)', () => {
  it('a windowed combinePerKey over a stream shuffled within maxLateness gives the batch result', async () => {
    const arbitraryCase = fc.record({
      events: fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), value: fc.integer({ min: -100, max: 100 }), t: fc.integer({ min: 0, max: 100_000 }) }), {
        maxLength: 200,
      }),
      jitter: fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 200, maxLength: 200 }),
      maxLateness: fc.integer({ min: 0, max: 20_000 }),
      size: fc.constantFrom(1000, 5000, 60_000),
      bundleSize: fc.integer({ min: 1, max: 50 }),
    });
    await fc.assert(
      fc.asyncProperty(arbitraryCase, async ({ events, jitter, maxLateness, size, bundleSize }) => {
        // Arrival order: by event time plus a delay below maxLateness, so nothing is late.
        const arrivals = events
          .map((e, i) => ({ e, arrival: e.t + jitter[i]! * maxLateness }))
          .sort((x, y) => x.arrival - y.arrival)
          .map((x) => x.e);
        const got = await streaming(arrivals, size, maxLateness, bundleSize);
        expect(got.result.deadLetterCount).toBe(0);
        expect(got.elements.every((e) => e.pane.timing === 'onTime' && e.pane.index === 0)).toBe(true);
        expect(got.rows).toEqual(await batch(events, size));
      }),
      { numRuns: 100 },
    );
  });

  it('the same stream shuffled beyond maxLateness loses late data to dead letters (the property can fail)', async () => {
    const events: Event[] = [
      { key: 'a', value: 1, t: 10_000 },
      { key: 'a', value: 2, t: 1000 }, // 9 s out of order, allowed 2 s: late
    ];
    const got = await streaming(events, 5000, 2000, 1);
    expect(got.rows).not.toEqual(await batch(events, 5000));
    expect(got.result.deadLetters.map((d) => d.reason)).toEqual([expect.stringMatching(/^late:/)]);
  });
});
