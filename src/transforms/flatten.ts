import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';

class Flatten<T> extends PTransform<readonly PCollection<T>[], PCollection<T>> {
  readonly defaultName = 'flatten';

  expand(inputs: readonly PCollection<T>[], context: ExpandContext): PCollection<T> {
    if (inputs.length === 0) throw new TypeError(`flatten: "${context.fullName}" needs at least one input collection`);
    return context.addNode({ kind: 'flatten' }, inputs, 1)[0] as PCollection<T>;
  }
}

/** Merges several collections of the same type into one: `pcollections(a, b).apply(flatten())`. */
export function flatten<T>(): PTransform<readonly PCollection<T>[], PCollection<T>> {
  return new Flatten<T>();
}
