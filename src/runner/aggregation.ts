import type { CombineFn } from '../core/combine-fn.js';

/**
 * What a keyed aggregation keeps per key and window (`A`, its accumulator), and how it turns
 * into output. The operator holds accumulators as `unknown` and hands them back to the
 * aggregation that made them.
 */
export interface Aggregation<A = unknown> {
  create(): A;
  add(accumulator: A, value: unknown): A;
  merge(accumulators: A[]): A;
  /** The output of a pane; must not share mutable parts with the accumulator. */
  extract(accumulator: A): unknown;
}

/** `groupByKey`: the accumulator is the list of values. */
export const groupAggregation: Aggregation<unknown[]> = {
  create: () => [],
  add: (values, value) => {
    values.push(value);
    return values;
  },
  merge: (lists) => ([] as unknown[]).concat(...lists),
  extract: (values) => values.slice(),
};

/** `combinePerKey` / `combineGlobally`: the CombineFn's accumulator. */
export function combineAggregation<A>(fn: CombineFn<unknown, A, unknown>): Aggregation<A> {
  return {
    create: () => fn.createAccumulator(),
    add: (acc, value) => fn.addInput(acc, value),
    merge: (accs) => fn.mergeAccumulators(accs),
    extract: (acc) => fn.extractOutput(acc),
  };
}
