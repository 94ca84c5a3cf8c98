import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';

class WriteOutbox<T> extends PTransform<PCollection<T>, void> {
  readonly defaultName = 'outbox';

  expand(input: PCollection<T>, context: ExpandContext): void {
    context.addNode({ kind: 'outbox' }, [input], 0);
  }
}

/**
 * Sends elements to the store's outbox table, committed in the same transaction as the step
 * that produced them, each with a stable `output_id` (`stage:step:n`). Egress sinks (MQTT) read
 * the outbox and delete a row only once delivered. Needs a durable run: `run(pipeline, { store })`.
 */
export function writeOutbox<T>(): PTransform<PCollection<T>, void> {
  return new WriteOutbox<T>();
}
