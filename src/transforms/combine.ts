import type { CombineFn } from '../core/combine-fn.js';
import type { KV } from '../core/element.js';
import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';

class CombinePerKey<K, In, Out> extends PTransform<PCollection<KV<K, In>>, PCollection<KV<K, Out>>> {
  readonly defaultName: string;

  constructor(private readonly fn: CombineFn<In, unknown, Out>) {
    super();
    this.defaultName = `combinePerKey(${fn.name ?? 'combineFn'})`;
  }

  expand(input: PCollection<KV<K, In>>, context: ExpandContext): PCollection<KV<K, Out>> {
    return context.addNode({ kind: 'combinePerKey', fn: this.fn }, [input], 1)[0] as PCollection<KV<K, Out>>;
  }
}

class CombineGlobally<In, Out> extends PTransform<PCollection<In>, PCollection<Out>> {
  readonly defaultName: string;

  constructor(private readonly fn: CombineFn<In, unknown, Out>) {
    super();
    this.defaultName = `combineGlobally(${fn.name ?? 'combineFn'})`;
  }

  expand(input: PCollection<In>, context: ExpandContext): PCollection<Out> {
    return context.addNode({ kind: 'combineGlobally', fn: this.fn }, [input], 1)[0] as PCollection<Out>;
  }
}

/**
 * Combines the values of each key, per window, with `fn`. The runner keeps one accumulator per
 * key and window (never the values), so memory is O(keys), not O(elements).
 */
export function combinePerKey<K, In, Acc, Out>(fn: CombineFn<In, Acc, Out>): PTransform<PCollection<KV<K, In>>, PCollection<KV<K, Out>>> {
  return new CombinePerKey<K, In, Out>(fn);
}

/**
 * Combines all elements of each window into one value. In the global window an empty input
 * still yields one output, `fn`'s result for no inputs (e.g. 0 for `sum()`), as in Beam.
 */
export function combineGlobally<In, Acc, Out>(fn: CombineFn<In, Acc, Out>): PTransform<PCollection<In>, PCollection<Out>> {
  return new CombineGlobally<In, Out>(fn);
}
