import { describe, expect, it } from 'vitest';
import {
  Pipeline,
  create,
  collect,
  count,
  flatten,
  groupByKey,
  kv,
  max,
  mean,
  min,
  pcollections,
  sum,
  topK,
  toList,
  run,
  type PCollection,
  type PTransform,
} from '../../src/index.js';
import { assertDeepEqual } from '../../src/testing/index.js';

describe('element-wise transforms', () => {
  it('map, filter and flatMap (with a generator) in one fused chain', async () => {
    const p = new Pipeline();
    const out = collect<number>();
    p.apply(create([1, 2, 3, 4]))
      .map((x) => x * 10)
      .filter((x) => x !== 20)
      .flatMap(function* (x) {
        yield x;
        yield x + 1;
      })
      .apply(out);
    const result = await run(p);
    expect(out.values).toEqual([10, 11, 30, 31, 40, 41]);
    expect(result.deadLetterCount).toBe(0);
    // map → filter → flatMap → collect's DoFn fuse into one operator.
    expect(result.operators).toHaveLength(1);
    expect(result.operators[0]!.stages).toEqual(['map', 'filter', 'flatMap', 'collect/keep']);
  });

  it('assertDeepEqual passes on equal multisets and fails the run otherwise', async () => {
    const ok = new Pipeline();
    ok.apply(create([3, 1, 2]))
      .map((x) => x * x)
      .apply(assertDeepEqual([1, 4, 9]));
    await expect(run(ok)).resolves.toBeDefined();

    const bad = new Pipeline();
    bad
      .apply(create([3, 1, 2]))
      .map((x) => x * x)
      .apply(assertDeepEqual([1, 4, 10]));
    await expect(run(bad)).rejects.toThrow(/assertDeepEqual: expected \(any order\) \[1,10,4\]/);
  });
});

describe('keyed transforms', () => {
  const readings = [
    { sensor: 'a', t: 20 },
    { sensor: 'b', t: 10 },
    { sensor: 'a', t: 22 },
    { sensor: 'c', t: -5 },
    { sensor: 'a', t: 24 },
    { sensor: 'b', t: 14 },
  ];

  it('combinePerKey with each built-in combiner', async () => {
    const p = new Pipeline();
    const keyed = p
      .apply(create(readings))
      .withKeys((r) => r.sensor)
      .map((e) => kv(e.key, e.value.t));
    keyed.combinePerKey(mean()).apply(assertDeepEqual([kv('a', 22), kv('b', 12), kv('c', -5)]));
    keyed.combinePerKey(sum()).apply(assertDeepEqual([kv('a', 66), kv('b', 24), kv('c', -5)]));
    keyed.combinePerKey(count()).apply(assertDeepEqual([kv('a', 3), kv('b', 2), kv('c', 1)]));
    keyed.combinePerKey(min()).apply(assertDeepEqual([kv('a', 20), kv('b', 10), kv('c', -5)]));
    keyed.combinePerKey(max()).apply(assertDeepEqual([kv('a', 24), kv('b', 14), kv('c', -5)]));
    keyed.combinePerKey(topK(2)).apply(assertDeepEqual([kv('a', [24, 22]), kv('b', [14, 10]), kv('c', [-5])]));
    await run(p, { bundleSize: 2 });
  });

  it('groupByKey groups values; structured keys compare by value', async () => {
    const p = new Pipeline();
    const out = collect<{ key: { site: string }; value: number[] }>();
    p.apply(create([1, 2, 3, 4, 5]))
      .map((x) => kv({ site: x % 2 ? 'odd' : 'even' }, x))
      .groupByKey()
      .apply(out);
    await run(p, { bundleSize: 1 });
    expect(out.values).toEqual([
      { key: { site: 'odd' }, value: [1, 3, 5] },
      { key: { site: 'even' }, value: [2, 4] },
    ]);
  });

  it('combineGlobally emits the empty default for empty input, as Beam', async () => {
    const p = new Pipeline();
    const total = collect<number>();
    const items = collect<number[]>();
    const empty = p.apply(create<number>([]));
    empty.combineGlobally(sum()).apply(total);
    empty.combineGlobally(toList<number>()).apply(items);
    await run(p);
    expect(total.values).toEqual([0]);
    expect(items.values).toEqual([[]]);
  });

  it('a non-KV element reaching groupByKey is a dead letter, not a crash', async () => {
    const p = new Pipeline();
    const out = collect<unknown>();
    p.apply(create<unknown>([kv('a', 1), 42, kv('a', 2)]))
      .apply(groupByKeyUnchecked())
      .apply(out);
    const result = await run(p);
    expect(out.values).toEqual([{ key: 'a', value: [1, 2] }]);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]).toMatchObject({ stage: 'groupByKey', payload: 42 });
    expect(result.deadLetters[0]!.reason).toMatch(/apply withKeys first/);
  });
});

describe('flatten', () => {
  it('merges several inputs, including one used twice', async () => {
    const p = new Pipeline();
    const a = p.apply(create([1, 2]));
    const b = p.apply(create([10, 20, 30]));
    pcollections(a, b, a)
      .apply(flatten())
      .apply(assertDeepEqual([1, 2, 10, 20, 30, 1, 2]));
    a.flattenWith(b)
      .combineGlobally(sum())
      .apply(assertDeepEqual([63]));
    await run(p, { bundleSize: 2 });
  });
});

function groupByKeyUnchecked(): PTransform<PCollection<unknown>, PCollection<unknown>> {
  return groupByKey<unknown, unknown>();
}
