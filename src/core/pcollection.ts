import type { CombineFn } from './combine-fn.js';
import type { DoFn } from './do-fn.js';
import type { KV } from './element.js';
import type { Applicable, Pipeline } from './pipeline.js';
import type { PTransform } from './ptransform.js';
import { combineGlobally, combinePerKey } from '../transforms/combine.js';
import { filter, flatMap, map } from '../transforms/element-wise.js';
import { flatten } from '../transforms/flatten.js';
import { groupByKey } from '../transforms/group-by-key.js';
import { parDo } from '../transforms/par-do.js';
import { partition } from '../transforms/partition.js';
import { withKeys } from '../transforms/with-keys.js';
import { windowInto, withTimestamps } from '../transforms/windowing.js';
import type { WindowFn } from './windowing/window-fns.js';
import type { WindowingStrategy, WindowOptions } from './windowing/strategy.js';

function named<In, Out>(transform: PTransform<In, Out>, name: string | undefined): PTransform<In, Out> {
  return name === undefined ? transform : transform.withName(name);
}

/**
 * A distributed-in-time collection of elements of type `T`, produced by one transform. The
 * methods apply the transform of the same name; `name` (optional) names the step.
 */
export class PCollection<T> {
  constructor(
    readonly pipeline: Pipeline,
    /** Unique within the pipeline. */
    readonly id: number,
    /** Full name of the transform that produces this collection. */
    readonly producer: string,
    /** How the elements are windowed and when aggregations over them fire. */
    readonly windowing: WindowingStrategy,
  ) {}

  /** Applies a transform (or a function used as a composite) to this collection. */
  apply<Out>(transform: Applicable<PCollection<T>, Out>): Out {
    return this.pipeline.applyTo(this, transform);
  }

  map<Out>(fn: (value: T) => Out, name?: string): PCollection<Out> {
    return this.apply(named(map(fn), name));
  }

  filter(predicate: (value: T) => boolean, name?: string): PCollection<T> {
    return this.apply(named(filter(predicate), name));
  }

  flatMap<Out>(fn: (value: T) => Iterable<Out>, name?: string): PCollection<Out> {
    return this.apply(named(flatMap(fn), name));
  }

  parDo<Out>(doFn: DoFn<T, Out>, name?: string): PCollection<Out> {
    return this.apply(named(parDo(doFn), name));
  }

  withKeys<K>(keyFn: (value: T) => K, name?: string): PCollection<KV<K, T>> {
    return this.apply(named(withKeys(keyFn), name));
  }

  groupByKey<K, V>(this: PCollection<KV<K, V>>, name?: string): PCollection<KV<K, V[]>> {
    return this.apply(named(groupByKey<K, V>(), name));
  }

  combinePerKey<K, V, Acc, Out>(this: PCollection<KV<K, V>>, fn: CombineFn<V, Acc, Out>, name?: string): PCollection<KV<K, Out>> {
    return this.apply(named(combinePerKey<K, V, Acc, Out>(fn), name));
  }

  combineGlobally<Acc, Out>(fn: CombineFn<T, Acc, Out>, name?: string): PCollection<Out> {
    return this.apply(named(combineGlobally(fn), name));
  }

  partition(n: number, fn: (value: T, partitions: number) => number, name?: string): PCollection<T>[] {
    return this.apply(named(partition(n, fn), name));
  }

  withTimestamps(fn: (value: T) => number, name?: string): PCollection<T> {
    return this.apply(named(withTimestamps(fn), name));
  }

  windowInto(windowFn: WindowFn, options?: WindowOptions, name?: string): PCollection<T> {
    return this.apply(named(windowInto<T>(windowFn, options), name));
  }

  /** Flattens this collection with `others` into one. */
  flattenWith(...others: PCollection<T>[]): PCollection<T> {
    return this.pipeline.applyTo([this, ...others], flatten<T>());
  }
}

/** Several collections, to apply a transform that takes a list (such as `flatten()`). */
export class PCollectionList<T> {
  constructor(readonly collections: readonly PCollection<T>[]) {
    if (collections.length === 0) throw new TypeError('pcollections(...): give at least one collection');
  }

  apply<Out>(transform: Applicable<readonly PCollection<T>[], Out>): Out {
    return this.collections[0]!.pipeline.applyTo(this.collections, transform);
  }
}

/** Groups collections so a list transform can be applied: `pcollections(a, b).apply(flatten())`. */
export function pcollections<T>(...collections: PCollection<T>[]): PCollectionList<T> {
  return new PCollectionList(collections);
}
