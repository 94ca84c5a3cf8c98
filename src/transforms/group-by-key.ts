import type { KV } from '../core/element.js';
import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';

class GroupByKey<K, V> extends PTransform<PCollection<KV<K, V>>, PCollection<KV<K, V[]>>> {
  readonly defaultName = 'groupByKey';

  expand(input: PCollection<KV<K, V>>, context: ExpandContext): PCollection<KV<K, V[]>> {
    return context.addNode({ kind: 'groupByKey' }, [input], 1)[0] as PCollection<KV<K, V[]>>;
  }
}

/**
 * Groups values by key, per window: `{ key, value: V[] }` once per key and window, when the
 * watermark passes the window's end (at the end of a bounded input). Keys are compared by value:
 * strings and numbers directly, other keys by their JSON form.
 */
export function groupByKey<K, V>(): PTransform<PCollection<KV<K, V>>, PCollection<KV<K, V[]>>> {
  return new GroupByKey<K, V>();
}
