import type { KV } from '../core/element.js';
import type { PCollection } from '../core/pcollection.js';
import type { PTransform } from '../core/ptransform.js';
import { ElementwiseTransform } from './element-wise.js';
import { nameAfter } from './naming.js';

/** Pairs each element with the key `keyFn` computes: `{ key, value }`. */
export function withKeys<T, K>(keyFn: (value: T) => K): PTransform<PCollection<T>, PCollection<KV<K, T>>> {
  // A stage type of its own, so a chain ending in a keyed aggregation can pass key and value
  // straight to it without allocating the pair.
  return new ElementwiseTransform<T, KV<K, T>>(nameAfter('withKeys', keyFn), { type: 'withKeys', fn: keyFn });
}
