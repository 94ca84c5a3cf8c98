import type { KV } from '../core/element.js';
import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';
import type { ErasedStatefulDoFn, StatefulDoFn, StateSpec, TimerSpec } from '../core/state.js';
import { classOf, nameAfter } from './naming.js';

class StatefulParDo<K, V, Out> extends PTransform<PCollection<KV<K, V>>, PCollection<Out>> {
  readonly defaultName: string;

  constructor(private readonly fn: ErasedStatefulDoFn) {
    super();
    this.defaultName = nameAfter('statefulParDo', classOf(fn));
  }

  expand(input: PCollection<KV<K, V>>, context: ExpandContext): PCollection<Out> {
    return context.addNode({ kind: 'statefulParDo', fn: this.fn }, [input], 1)[0] as PCollection<Out>;
  }
}

/**
 * Applies a DoFn with keyed state and timers to `{ key, value }` pairs. State is kept per key
 * and window, dropped when the window expires, and persisted with each step in a durable run.
 */
export function statefulParDo<K, V, Out, S extends Record<string, StateSpec>, T extends Record<string, TimerSpec>>(
  fn: StatefulDoFn<K, V, Out, S, T>,
): PTransform<PCollection<KV<K, V>>, PCollection<Out>> {
  for (const [name, spec] of Object.entries(fn.timers ?? {})) {
    if (spec.domain !== 'eventTime' && spec.domain !== 'processingTime') throw new TypeError(`statefulParDo: timer "${name}" has an unknown domain`);
  }
  if (Object.keys(fn.timers ?? {}).length > 0 && !fn.onTimer) throw new TypeError('statefulParDo: the DoFn declares timers but has no onTimer()');
  return new StatefulParDo<K, V, Out>(fn);
}
