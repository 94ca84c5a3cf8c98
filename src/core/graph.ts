import type { CombineFn } from './combine-fn.js';
import type { DoFn, TupleTag } from './do-fn.js';
import type { PCollection } from './pcollection.js';
import type { Source } from './source.js';
import type { StatefulDoFn } from './state.js';
import type { WindowFn } from './windowing/window-fns.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the graph is type-erased; the typed API is in transforms/ */

/** An element-wise step; chains of these are fused into one operator by the runner. */
export type ElementwiseStage =
  | { readonly type: 'map'; readonly fn: (value: any) => unknown }
  | { readonly type: 'withKeys'; readonly fn: (value: any) => unknown }
  | { readonly type: 'timestamp'; readonly fn: (value: any) => number }
  | { readonly type: 'assignWindows'; readonly windowFn: WindowFn }
  | { readonly type: 'filter'; readonly fn: (value: any) => boolean }
  | { readonly type: 'flatMap'; readonly fn: (value: any) => Iterable<unknown> }
  | { readonly type: 'doFn'; readonly fn: DoFn<any, any>; readonly tags: readonly TupleTag<unknown>[] };

/** What a primitive transform does; composites expand into these. */
export type PrimitiveSpec =
  | { readonly kind: 'read'; readonly source: Source<unknown> }
  | { readonly kind: 'elementwise'; readonly stage: ElementwiseStage }
  | { readonly kind: 'groupByKey' }
  | { readonly kind: 'combinePerKey'; readonly fn: CombineFn<any, any, any> }
  | { readonly kind: 'combineGlobally'; readonly fn: CombineFn<any, any, any> }
  | { readonly kind: 'flatten' }
  | { readonly kind: 'outbox' }
  | { readonly kind: 'statefulParDo'; readonly fn: StatefulDoFn<any, any, any, any, any> };

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
