import type { DoFn, TupleTag } from '../core/do-fn.js';
import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';
import { ElementwiseTransform } from './element-wise.js';
import { classOf, nameAfter } from './naming.js';

/** Applies a `DoFn` with its lifecycle; see `DoFn`. */
export function parDo<In, Out>(doFn: DoFn<In, Out>): PTransform<PCollection<In>, PCollection<Out>> {
  return new ElementwiseTransform<In, Out>(nameAfter('parDo', classOf(doFn)), { type: 'doFn', fn: doFn, tags: [] });
}

type TagsOf<Tags> = { [K in keyof Tags]: Tags[K] extends TupleTag<infer T> ? PCollection<T> : never };

/** The outputs of `parDoWithOutputs`: `main`, plus one collection per tag, under the tag's key. */
export type ParDoOutputs<Out, Tags extends Record<string, TupleTag<unknown>>> = { main: PCollection<Out> } & TagsOf<Tags>;

class ParDoWithOutputs<In, Out, Tags extends Record<string, TupleTag<unknown>>> extends PTransform<PCollection<In>, ParDoOutputs<Out, Tags>> {
  readonly defaultName: string;

  constructor(
    private readonly doFn: DoFn<In, Out>,
    private readonly tags: Tags,
  ) {
    super();
    this.defaultName = nameAfter('parDo', classOf(doFn));
    if ('main' in tags) throw new TypeError('parDoWithOutputs(doFn, tags): "main" is reserved for the main output');
  }

  expand(input: PCollection<In>, context: ExpandContext): ParDoOutputs<Out, Tags> {
    const entries = Object.entries(this.tags);
    const ids = new Set(entries.map(([, t]) => t.id));
    if (ids.size !== entries.length) throw new TypeError(`parDoWithOutputs: two tags share an id in "${context.fullName}"`);
    const outputs = context.addNode({ kind: 'elementwise', stage: { type: 'doFn', fn: this.doFn, tags: entries.map(([, t]) => t) } }, [input], entries.length + 1);
    const result: Record<string, PCollection<unknown>> = { main: outputs[0]! };
    entries.forEach(([key], i) => (result[key] = outputs[i + 1]!));
    return result as ParDoOutputs<Out, Tags>;
  }
}

/**
 * Applies a `DoFn` that also emits to tagged side outputs (`context.outputTo(tag, value)`).
 *
 * @example
 * const errors = tag<string>('errors');
 * const { main, errors: bad } = readings.apply(parDoWithOutputs(new Validate(), { errors }));
 */
export function parDoWithOutputs<In, Out, Tags extends Record<string, TupleTag<unknown>>>(doFn: DoFn<In, Out>, tags: Tags): PTransform<PCollection<In>, ParDoOutputs<Out, Tags>> {
  return new ParDoWithOutputs(doFn, tags);
}
