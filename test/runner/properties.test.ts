import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pipeline, create, collect, kv, mean, sum, run, type KV } from '../../src/index.js';

type Event = { key: string | number; value: number };

const events = fc.array(
  fc.record({
    key: fc.oneof(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 20 })),
    value: fc.integer({ min: -1000, max: 1000 }),
  }),
  { maxLength: 300 },
);

/** The reference: a plain fold over the events, independent of the runner. */
function referenceSums(input: Event[]): Map<string | number, { sum: number; n: number; values: number[] }> {
  const acc = new Map<string | number, { sum: number; n: number; values: number[] }>();
  for (const { key, value } of input) {
    const entry = acc.get(key) ?? { sum: 0, n: 0, values: [] };
    entry.sum += value;
    entry.n += 1;
    entry.values.push(value);
    acc.set(key, entry);
  }
  return acc;
}

async function runKeyed(input: Event[], bundleSize: number) {
  const p = new Pipeline();
  const keyed = p.apply(create(input)).map((e) => kv(e.key, e.value));
  const sums = collect<KV<string | number, number>>();
  const means = collect<KV<string | number, number>>();
  const groups = collect<KV<string | number, number[]>>();
  keyed.combinePerKey(sum()).apply(sums);
  keyed.combinePerKey(mean()).apply(means);
  keyed.groupByKey().apply(groups);
  await run(p, { bundleSize });
  const byKey = <V>(c: { values: KV<string | number, V>[] }) => new Map(c.values.map((e) => [e.key, e.value]));
  return { sums: byKey(sums), means: byKey(means), groups: byKey(groups), emitted: sums.values.length };
}

describe('keyed aggregation (property)', () => {
  it('groupByKey and combinePerKey equal a reference fold, whatever the bundle size', async () => {
    await fc.assert(
      fc.asyncProperty(events, fc.integer({ min: 1, max: 64 }), async (input, bundleSize) => {
        const expected = referenceSums(input);
        const got = await runKeyed(input, bundleSize);
        expect(got.emitted).toBe(expected.size);
        for (const [key, { sum: s, n, values }] of expected) {
          expect(got.sums.get(key)).toBe(s);
          expect(got.means.get(key)).toBeCloseTo(s / n, 9);
          // Within a key, values keep arrival order.
          expect(got.groups.get(key)).toEqual(values);
        }
        const single = await runKeyed(input, 1);
        const whole = await runKeyed(input, Math.max(1, input.length));
        expect(single.sums).toEqual(got.sums);
        expect(whole.groups).toEqual(got.groups);
      }),
      { numRuns: 60 },
    );
  });
});
