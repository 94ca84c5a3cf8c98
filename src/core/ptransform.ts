import type { GraphNode, PrimitiveSpec } from './graph.js';
import type { PCollection } from './pcollection.js';
import type { Pipeline } from './pipeline.js';
import type { WindowingStrategy } from './windowing/strategy.js';

/** Given to `expand`: the pipeline, the transform's full name, and a way to add primitives. */
export interface ExpandContext {
  readonly pipeline: Pipeline;
  /** The full, unique name of the transform being expanded (`parent/child`). */
  readonly fullName: string;
  /**
   * Adds a primitive node with `outputCount` new output collections, returned in order. The
   * outputs are windowed as the first input unless `windowing` is given.
   */
  addNode(spec: PrimitiveSpec, inputs: readonly PCollection<unknown>[], outputCount: number, windowing?: WindowingStrategy): PCollection<unknown>[];
}

/**
 * A step of a pipeline. Composite transforms implement `expand` by applying other transforms;
 * primitives call `context.addNode`. Every applied transform gets a unique, stable name.
 */
export abstract class PTransform<In, Out> {
  #name: string | undefined;

  /** The name used when none is given, e.g. `map(parse)`; made unique with `#2`, `#3`, … */
  abstract readonly defaultName: string;

  /** The name given with `withName`, if any. */
  get givenName(): string | undefined {
    return this.#name;
  }

  /** Names this transform; a given name must be unique in its scope. Returns `this`. */
  withName(name: string): this {
    if (!name || name.includes('/')) {
      throw new TypeError(`withName(name): name must be non-empty and must not contain "/", got "${name}"`);
    }
    this.#name = name;
    return this;
  }

  abstract expand(input: In, context: ExpandContext): Out;
}

/** A composite transform from a function; `name` becomes its scope. */
export function composite<In, Out>(name: string, expand: (input: In) => Out): PTransform<In, Out> {
  return new (class extends PTransform<In, Out> {
    readonly defaultName = name;
    expand(input: In): Out {
      return expand(input);
    }
  })();
}

export type { GraphNode };
