import type { PBegin } from '../core/pipeline.js';
import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';
import type { Source } from '../core/source.js';

class Read<T> extends PTransform<PBegin, PCollection<T>> {
  constructor(
    readonly defaultName: string,
    private readonly source: Source<T>,
  ) {
    super();
  }

  expand(_input: PBegin, context: ExpandContext): PCollection<T> {
    return context.addNode({ kind: 'read', source: this.source }, [], 1)[0] as PCollection<T>;
  }
}

/** Reads a `Source` as the root of a pipeline; `name` is the default stage name. */
export function read<T>(source: Source<T>, name = 'read'): PTransform<PBegin, PCollection<T>> {
  return new Read(name, source);
}
