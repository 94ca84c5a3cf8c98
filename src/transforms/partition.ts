import type { DoFn, ProcessContext } from '../core/do-fn.js';
import { TupleTag } from '../core/do-fn.js';
import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';

class PartitionFn<T> implements DoFn<T, never> {
  constructor(
    private readonly fn: (value: T, partitions: number) => number,
    private readonly tags: readonly TupleTag<T>[],
  ) {}

  process(value: T, context: ProcessContext<never>): void {
    const index = this.fn(value, this.tags.length);
    const tag = Number.isInteger(index) ? this.tags[index] : undefined;
    if (!tag) {
      throw new RangeError(`partition function returned ${index}; expected an integer in [0, ${this.tags.length - 1}]`);
    }
    context.outputTo(tag, value);
  }
}

class Partition<T> extends PTransform<PCollection<T>, PCollection<T>[]> {
  readonly defaultName = 'partition';

  constructor(
    private readonly partitions: number,
    private readonly fn: (value: T, partitions: number) => number,
  ) {
    super();
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new RangeError(`partition(n, fn): n must be an integer >= 1, got ${partitions}`);
    }
  }

  expand(input: PCollection<T>, context: ExpandContext): PCollection<T>[] {
    const tags = Array.from({ length: this.partitions }, (_, i) => new TupleTag<T>(`partition${i}`));
    const outputs = context.addNode({ kind: 'elementwise', stage: { type: 'doFn', fn: new PartitionFn(this.fn, tags), tags } }, [input], this.partitions + 1);
    return outputs.slice(1) as PCollection<T>[];
  }
}

/**
 * Splits a collection into `n` by `fn(value, n)`, which returns the part's index. An element
 * whose index is out of range becomes a dead letter.
 */
export function partition<T>(n: number, fn: (value: T, partitions: number) => number): PTransform<PCollection<T>, PCollection<T>[]> {
  return new Partition(n, fn);
}
