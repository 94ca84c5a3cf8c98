import type { ElementwiseStage } from '../core/graph.js';
import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';
import { nameAfter } from './naming.js';

/** A primitive one-in, one-out element-wise transform; the runner fuses chains of these. */
export class ElementwiseTransform<In, Out> extends PTransform<PCollection<In>, PCollection<Out>> {
  constructor(
    readonly defaultName: string,
    private readonly stage: ElementwiseStage,
  ) {
    super();
  }

  expand(input: PCollection<In>, context: ExpandContext): PCollection<Out> {
    return context.addNode({ kind: 'elementwise', stage: this.stage }, [input], 1)[0] as PCollection<Out>;
  }
}

/** Applies `fn` to every element. */
export function map<In, Out>(fn: (value: In) => Out): PTransform<PCollection<In>, PCollection<Out>> {
  return new ElementwiseTransform<In, Out>(nameAfter('map', fn), { type: 'map', fn });
}

/** Keeps the elements for which `predicate` is true. */
export function filter<T>(predicate: (value: T) => boolean): PTransform<PCollection<T>, PCollection<T>> {
  return new ElementwiseTransform<T, T>(nameAfter('filter', predicate), { type: 'filter', fn: predicate });
}

/** Emits every value of the iterable `fn` returns (an array, a generator, …) for each element. */
export function flatMap<In, Out>(fn: (value: In) => Iterable<Out>): PTransform<PCollection<In>, PCollection<Out>> {
  return new ElementwiseTransform<In, Out>(nameAfter('flatMap', fn), { type: 'flatMap', fn });
}
