import type { DoFn, ProcessContext } from '../core/do-fn.js';
import type { WindowedValue } from '../core/element.js';
import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';
import { parDo } from '../transforms/par-do.js';

class CollectFn<T> implements DoFn<T, never> {
  constructor(private readonly into: Collect<T>) {}

  setup(): void {
    this.into.elements.length = 0;
  }

  process(value: T, context: ProcessContext<never>): void {
    this.into.elements.push({ value, timestamp: context.timestamp, window: context.window, pane: context.pane });
  }
}

/**
 * A sink that keeps a collection's elements in memory, readable after the run. For tests,
 * examples and small results; each run starts it empty.
 */
export class Collect<T> extends PTransform<PCollection<T>, void> {
  readonly defaultName = 'collect';
  /** The elements with timestamp, window and pane, in arrival order. */
  readonly elements: WindowedValue<T>[] = [];

  /** Just the values, in arrival order. */
  get values(): T[] {
    return this.elements.map((e) => e.value);
  }

  expand(input: PCollection<T>, context: ExpandContext): void {
    context.pipeline.applyTo(input, parDo(new CollectFn(this)).withName('keep'));
  }
}

/** Makes a `Collect` sink: `const out = collect<number>(); pc.apply(out); await run(p); out.values`. */
export function collect<T>(): Collect<T> {
  return new Collect<T>();
}
