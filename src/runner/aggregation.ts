import type { CombineFn } from '../core/combine-fn.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- accumulators are type-erased at run time */

/** What a keyed aggregation keeps per key and window, and how it turns into output. */
export interface Aggregation {
  create(): any;
  add(accumulator: any, value: unknown): any;
  merge(accumulators: any[]): any;
  /** The output of a pane; must not share mutable parts with the accumulator. */
  extract(accumulator: any): unknown;
}

/** `groupByKey`: the accumulator is the list of values. */
export const groupAggregation: Aggregation = {
  create: () => [],
  add: (values: unknown[], value) => {
    values.push(value);
    return values;
  },
  merge: (lists: unknown[][]) => ([] as unknown[]).concat(...lists),
  extract: (values: unknown[]) => values.slice(),
};

/** `combinePerKey` / `combineGlobally`: the CombineFn's accumulator. */
export function combineAggregation(fn: CombineFn<any, any, any>): Aggregation {
  return {
    create: () => fn.createAccumulator(),
    add: (acc, value) => fn.addInput(acc, value),
    merge: (accs) => fn.mergeAccumulators(accs),
    extract: (acc) => fn.extractOutput(acc),
  };
}
