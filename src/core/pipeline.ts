import type { GraphNode, PrimitiveSpec } from './graph.js';
import { PCollection } from './pcollection.js';
import { PTransform, type ExpandContext } from './ptransform.js';
import { continuationStrategy, DEFAULT_WINDOWING, type WindowingStrategy } from './windowing/strategy.js';

/** The input of root transforms such as `create` and `readCsv`. */
export class PBegin {
  constructor(readonly pipeline: Pipeline) {}
}

/** Anything that can be applied: a transform, or a function used as a composite. */
export type Applicable<In, Out> = PTransform<In, Out> | ((input: In) => Out);

/**
 * A dataflow graph under construction. Apply root transforms to it, then transforms to the
 * collections they return; `run(pipeline)` (from `runner/`) executes it.
 *
 * @example
 * const p = new Pipeline();
 * p.apply(create([1, 2, 3])).map((x) => x * x).apply(collect());
 * await run(p);
 */
export class Pipeline {
  readonly #nodes: GraphNode[] = [];
  readonly #names = new Set<string>();
  readonly #scope: string[] = [];
  readonly #begin = new PBegin(this);
  #nextCollectionId = 0;

  /** The primitive nodes, in the order they were applied (a topological order). */
  get nodes(): readonly GraphNode[] {
    return this.#nodes;
  }

  /** Applies a root transform (a source). */
  apply<Out>(transform: Applicable<PBegin, Out>): Out {
    return this.applyTo(this.#begin, transform);
  }

  /** Applies `transform` to `input` inside the current name scope. */
  applyTo<In, Out>(input: In, transform: Applicable<In, Out>): Out {
    const t = typeof transform === 'function' ? functionTransform(transform) : transform;
    const fullName = this.#claimName(t);
    this.#scope.push(fullName);
    try {
      const context: ExpandContext = {
        pipeline: this,
        fullName,
        addNode: (spec, inputs, outputCount, windowing) => this.#addNode(fullName, spec, inputs, outputCount, windowing),
      };
      return t.expand(input, context);
    } finally {
      this.#scope.pop();
    }
  }

  #claimName(transform: PTransform<unknown, unknown>): string {
    const parent = this.#scope.at(-1);
    const qualify = (name: string): string => (parent ? `${parent}/${name}` : name);
    const given = transform.givenName;
    if (given !== undefined) {
      const fullName = qualify(given);
      if (this.#names.has(fullName)) {
        throw new TypeError(
          `Duplicate transform name "${fullName}": every applied transform needs a unique name; ` + `pass a different name to withName() (or to the method's name argument).`,
        );
      }
      this.#names.add(fullName);
      return fullName;
    }
    let fullName = qualify(transform.defaultName);
    for (let n = 2; this.#names.has(fullName); n++) fullName = qualify(`${transform.defaultName}#${n}`);
    this.#names.add(fullName);
    return fullName;
  }

  #addNode(name: string, spec: PrimitiveSpec, inputs: readonly PCollection<unknown>[], outputCount: number, windowing: WindowingStrategy | undefined): PCollection<unknown>[] {
    for (const input of inputs) {
      if (input.pipeline !== this) {
        throw new TypeError(`Transform "${name}" is applied to a collection of another pipeline`);
      }
      if (input.windowing.windowFn.description !== inputs[0]!.windowing.windowFn.description) {
        throw new TypeError(
          `Transform "${name}" joins collections windowed differently (${inputs[0]!.windowing.windowFn.description} and ` +
            `${input.windowing.windowFn.description}); window them the same way first.`,
        );
      }
    }
    const inherited = inputs[0]?.windowing ?? DEFAULT_WINDOWING;
    // An aggregation's output continues its input's trigger (Beam's continuation trigger).
    const strategy = windowing ?? (AGGREGATIONS.has(spec.kind) ? continuationStrategy(inherited) : inherited);
    const outputs = Array.from({ length: outputCount }, () => new PCollection<unknown>(this, this.#nextCollectionId++, name, strategy));
    this.#nodes.push({ name, spec, inputs, outputs });
    return outputs;
  }
}

const AGGREGATIONS: ReadonlySet<PrimitiveSpec['kind']> = new Set(['groupByKey', 'combinePerKey', 'combineGlobally']);

function functionTransform<In, Out>(fn: (input: In) => Out): PTransform<In, Out> {
  return new (class extends PTransform<In, Out> {
    readonly defaultName = fn.name || 'composite';
    expand(input: In): Out {
      return fn(input);
    }
  })();
}
