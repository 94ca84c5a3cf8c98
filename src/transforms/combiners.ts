import type { CombineFn } from '../core/combine-fn.js';

/** Sum of numbers; 0 for no input. */
export function sum(): CombineFn<number, number, number> {
  return {
    name: 'sum',
    createAccumulator: () => 0,
    addInput: (acc, x) => acc + x,
    mergeAccumulators: (accs) => {
      let total = 0;
      for (const a of accs) total += a;
      return total;
    },
    extractOutput: (acc) => acc,
  };
}

/** Number of inputs. */
export function count(): CombineFn<unknown, number, number> {
  return {
    name: 'count',
    createAccumulator: () => 0,
    addInput: (acc) => acc + 1,
    mergeAccumulators: (accs) => {
      let total = 0;
      for (const a of accs) total += a;
      return total;
    },
    extractOutput: (acc) => acc,
  };
}

/** Accumulator of `mean()`: a running sum and count. */
export interface MeanAccumulator {
  sum: number;
  count: number;
}

/** Arithmetic mean of numbers; NaN for no input. */
export function mean(): CombineFn<number, MeanAccumulator, number> {
  return {
    name: 'mean',
    createAccumulator: () => ({ sum: 0, count: 0 }),
    addInput: (acc, x) => {
      acc.sum += x;
      acc.count += 1;
      return acc;
    },
    mergeAccumulators: (accs) => {
      const merged = { sum: 0, count: 0 };
      for (const a of accs) {
        merged.sum += a.sum;
        merged.count += a.count;
      }
      return merged;
    },
    extractOutput: (acc) => (acc.count === 0 ? NaN : acc.sum / acc.count),
  };
}

function extremum(name: string, better: (a: number, b: number) => boolean): CombineFn<number, number | null, number> {
  const pick = (acc: number | null, x: number): number => (acc === null || better(x, acc) ? x : acc);
  return {
    name,
    // null (not ±Infinity) marks "no input yet", so the accumulator stays JSON-serialisable.
    createAccumulator: () => null,
    addInput: pick,
    mergeAccumulators: (accs) => {
      let result: number | null = null;
      for (const a of accs) if (a !== null) result = pick(result, a);
      return result;
    },
    extractOutput: (acc) => acc ?? NaN,
  };
}

/** Smallest number; NaN for no input. */
export function min(): CombineFn<number, number | null, number> {
  return extremum('min', (a, b) => a < b);
}

/** Largest number; NaN for no input. */
export function max(): CombineFn<number, number | null, number> {
  return extremum('max', (a, b) => a > b);
}

/**
 * The `k` largest inputs by `compare` (numeric order by default), largest first.
 * The accumulator holds at most `k` values.
 */
export function topK<T = number>(k: number, compare: (a: T, b: T) => number = defaultCompare): CombineFn<T, T[], T[]> {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topK(k): k must be an integer >= 1, got ${k}`);
  const insert = (acc: T[], x: T): T[] => {
    if (acc.length === k && compare(x, acc[k - 1]!) <= 0) return acc;
    // Binary search for the first position whose value is smaller than x (acc is descending).
    let lo = 0;
    let hi = acc.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(acc[mid]!, x) >= 0) lo = mid + 1;
      else hi = mid;
    }
    acc.splice(lo, 0, x);
    if (acc.length > k) acc.pop();
    return acc;
  };
  return {
    name: `top${k}`,
    createAccumulator: () => [],
    addInput: insert,
    mergeAccumulators: (accs) => {
      let merged: T[] = [];
      for (const a of accs) for (const x of a) merged = insert(merged, x);
      return merged;
    },
    extractOutput: (acc) => acc.slice(),
  };
}

function defaultCompare<T>(a: T, b: T): number {
  return (a as unknown as number) - (b as unknown as number);
}

/** All inputs as one array, in arrival order (as Beam's ToList): use on small collections. */
export function toList<T>(): CombineFn<T, T[], T[]> {
  return {
    name: 'toList',
    createAccumulator: () => [],
    addInput: (acc, x) => {
      acc.push(x);
      return acc;
    },
    mergeAccumulators: (accs) => ([] as T[]).concat(...accs),
    extractOutput: (acc) => acc.slice(),
  };
}

type OutputsOf<F> = { [K in keyof F]: F[K] extends CombineFn<unknown, unknown, infer O> ? O : never };
type InputOf<F> = F[keyof F] extends CombineFn<infer I, unknown, unknown> ? I : never;

/**
 * Runs several combiners over the same input in one pass; the output has one field per
 * combiner: `combinePerKey(allOf({ mean: mean(), max: max(), n: count() }))`.
 */
export function allOf<F extends Record<string, CombineFn<unknown, unknown, unknown>>>(fns: F): CombineFn<InputOf<F>, Record<string, unknown>, OutputsOf<F>> {
  const entries = Object.entries(fns);
  if (entries.length === 0) throw new TypeError('allOf(fns): give at least one combiner');
  return {
    name: `allOf(${entries.map(([k]) => k).join(',')})`,
    createAccumulator: () => Object.fromEntries(entries.map(([k, fn]) => [k, fn.createAccumulator()])),
    addInput: (acc, x) => {
      for (const [k, fn] of entries) acc[k] = fn.addInput(acc[k], x);
      return acc;
    },
    mergeAccumulators: (accs) => {
      const list = [...accs];
      return Object.fromEntries(entries.map(([k, fn]) => [k, fn.mergeAccumulators(list.map((a) => a[k]))]));
    },
    extractOutput: (acc) => Object.fromEntries(entries.map(([k, fn]) => [k, fn.extractOutput(acc[k])])) as OutputsOf<F>,
  };
}
