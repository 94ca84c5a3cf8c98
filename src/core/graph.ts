import type { CombineFn } from './combine-fn.js';
import type { DoFn, TupleTag } from './do-fn.js';
import type { PCollection } from './pcollection.js';
import type { Source } from './source.js';
import type { SinkWriter } from './sink.js';
import type { ErasedStatefulDoFn } from './state.js';
import type { WindowFn } from './windowing/window-fns.js';

/**
 * A user function of one element, its element type erased (the typed API is in transforms/):
 * any one-argument function fits. The runner calls it as `(value: unknown) => R` with the
 * elements of the collection it was applied to.
 */
export type ElementFn<R> = (value: never) => R;

/** An element-wise step; chains of these are fused into one operator by the runner. */
export type ElementwiseStage =
  | { readonly type: 'map'; readonly fn: ElementFn<unknown> }
  | { readonly type: 'withKeys'; readonly fn: ElementFn<unknown> }
  | { readonly type: 'timestamp'; readonly fn: ElementFn<number> }
  | { readonly type: 'assignWindows'; readonly windowFn: WindowFn }
  | { readonly type: 'filter'; readonly fn: ElementFn<boolean> }
  | { readonly type: 'flatMap'; readonly fn: ElementFn<Iterable<unknown>> }
  | { readonly type: 'doFn'; readonly fn: DoFn<unknown, unknown>; readonly tags: readonly TupleTag<unknown>[] };

/** A row for the store's training tables: a sample (`writeSamples`) or a label (`writeLabels`). */
export type TrainingRow =
  | {
      readonly table: 'samples';
      readonly model: string;
      readonly key: string;
      readonly eventTime: number;
      readonly features: Float32Array;
      readonly target: number | null;
    }
  | { readonly table: 'labels'; readonly model: string; readonly key: string; readonly eventTime: number; readonly label: number };

/** What a primitive transform does; composites expand into these. */
export type PrimitiveSpec =
  | { readonly kind: 'read'; readonly source: Source<unknown> }
  | { readonly kind: 'elementwise'; readonly stage: ElementwiseStage }
  | { readonly kind: 'groupByKey' }
  | { readonly kind: 'combinePerKey'; readonly fn: CombineFn<unknown, unknown, unknown> }
  | { readonly kind: 'combineGlobally'; readonly fn: CombineFn<unknown, unknown, unknown> }
  | { readonly kind: 'flatten' }
  | { readonly kind: 'outbox' }
  /** A sink writing outside the store (a file); `writer` makes one run's writer. */
  | { readonly kind: 'sink'; readonly writer: () => SinkWriter }
  /** A sink into the training tables, committed with the step; `row` gets each element and its event time. */
  | { readonly kind: 'training'; readonly row: (value: never, timestamp: number) => TrainingRow }
  | { readonly kind: 'statefulParDo'; readonly fn: ErasedStatefulDoFn };

/**
 * One applied primitive transform. `outputs[0]` is the main output; for a `doFn` stage with
 * tags, `outputs[i + 1]` is the output of `tags[i]`.
 */
export interface GraphNode {
  readonly name: string;
  readonly spec: PrimitiveSpec;
  readonly inputs: readonly PCollection<unknown>[];
  readonly outputs: readonly PCollection<unknown>[];
}
