import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Pipeline, allOf, collect, count, create, kv, max, mean, min, sum, toList, topK, run, type CombineFn } from '../../src/index.js';

/** Folds `values` into one accumulator. */
function fold<I, A, O>(fn: CombineFn<I, A, O>, values: readonly I[]): A {
  let acc = fn.createAccumulator();
  for (const v of values) acc = fn.addInput(acc, v);
  return acc;
}

const combiners: [string, CombineFn<number, unknown, unknown>][] = [
  ['sum', sum()],
  ['count', count()],
  ['mean', mean()],
  ['min', min()],
  ['max', max()],
  ['top3', topK(3)],
  ['toList', toList<number>()],
  ['allOf', allOf({ s: sum(), m: max() })],
];

describe('built-in combiners', () => {
  it.each(combiners)('%s: merging accumulators of any split equals one fold (property)', (_, fn) => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { maxLength: 60 }), fc.array(fc.nat(60), { maxLength: 5 }), (values, cuts) => {
        const bounds = [0, ...cuts.map((c) => Math.min(c, values.length)).sort((a, b) => a - b), values.length];
        const parts = bounds.slice(1).map((end, i) => values.slice(bounds[i], end));
        const merged = fn.extractOutput(fn.mergeAccumulators(parts.map((part) => fold(fn, part))));
        const whole = fn.extractOutput(fold(fn, values));
        if (_ === 'toList') expect([...(merged as number[])].sort()).toEqual([...(whole as number[])].sort());
        else expect(merged).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('known answers, and the documented empty-input results', () => {
    const data = [4, -2, 9, 9, 0];
    expect(fold(sum(), data)).toBe(20);
    expect(mean().extractOutput(fold(mean(), data))).toBe(4);
    expect(min().extractOutput(fold(min(), data))).toBe(-2);
    expect(max().extractOutput(fold(max(), data))).toBe(9);
    expect(topK(2).extractOutput(fold(topK(2), data))).toEqual([9, 9]);
    expect(
      topK<string>(2, (a, b) => a.length - b.length).extractOutput(
        fold(
          topK<string>(2, (a, b) => a.length - b.length),
          ['aa', 'a', 'aaaa', 'aaa'],
        ),
      ),
    ).toEqual(['aaaa', 'aaa']);
    expect(mean().extractOutput(mean().createAccumulator())).toBeNaN();
    expect(min().extractOutput(min().createAccumulator())).toBeNaN();
    // Empty accumulators stay JSON-serialisable (a streaming runner persists them).
    expect(JSON.parse(JSON.stringify(min().createAccumulator()))).toBeNull();
    expect(() => topK(0)).toThrow(/k must be an integer >= 1/);
  });

  it('allOf computes several statistics per key in one pass', async () => {
    const p = new Pipeline();
    const out = collect<{ key: string; value: { n: number; mean: number; max: number } }>();
    p.apply(create([kv('a', 1), kv('b', 5), kv('a', 3)]))
      .combinePerKey(allOf({ n: count(), mean: mean(), max: max() }))
      .apply(out);
    await run(p);
    expect(out.values).toEqual([
      { key: 'a', value: { n: 2, mean: 2, max: 3 } },
      { key: 'b', value: { n: 1, mean: 5, max: 5 } },
    ]);
  });

  it('a combiner that throws for one input dead-letters that input only', async () => {
    const picky: CombineFn<number, number, number> = {
      ...sum(),
      addInput: (acc, x) => {
        if (x < 0) throw new Error(`negative reading ${x}`);
        return acc + x;
      },
    };
    const p = new Pipeline();
    const out = collect<unknown>();
    p.apply(create([kv('a', 1), kv('a', -1), kv('a', 2)]))
      .combinePerKey(picky, 'total')
      .apply(out);
    const progress: number[] = [];
    const result = await run(p, { bundleSize: 1, onProgress: (pr) => progress.push(pr.elementsRead) });
    expect(out.values).toEqual([{ key: 'a', value: 3 }]);
    expect(result.deadLetters).toEqual([expect.objectContaining({ stage: 'total', reason: 'negative reading -1', payload: { key: 'a', value: -1 } })]);
    expect(progress).toEqual([1, 2, 3]);
  });
});
