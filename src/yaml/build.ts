import { RunnelError, messageOf } from '../common/errors.js';
import { pcollections, type PCollection } from '../core/pcollection.js';
import { Pipeline, type PBegin } from '../core/pipeline.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';
import type { WindowFn } from '../core/windowing/window-fns.js';
import { flatten } from '../transforms/flatten.js';
import { ConfigReader } from './config.js';
import type { Row } from './expressions.js';
import type { YamlPath, YamlSource } from './source-map.js';
import { NO_OUTPUT, outputOf, referenceTable, resolve, type Built, type Reader, type ReferenceTable } from './references.js';
import { scopeName, type CompositeSpec, type PipelineSpec, type ScopeSpec, type TransformSpec } from './spec.js';
import { YAML_TRANSFORMS } from './transforms/index.js';
import type { BuildContext, BuildOptions } from './transforms/yaml-transform.js';
import { windowFnOf } from './windowing.js';

/** A `windowing:` spec and where it is written. */
interface Windowing {
  readonly value: unknown;
  readonly path: YamlPath;
}

/** An error output, whether something reads it (a transform, or a composite's `output:`), and where it is declared. */
interface ErrorOutput {
  readonly output: string;
  read: boolean;
  readonly declared: TransformSpec;
  /** How the scope that must read it names it (`C.errors` for a chain C's last transform's). */
  readAs: string;
}

/** One scope being built: the pipeline's, or a composite's. */
interface Scope {
  readonly spec: ScopeSpec;
  /** The collections the scope's input names stand for (a composite's `input:` tags). */
  readonly bound: ReadonlyMap<string, PCollection<Row>>;
  /** Applied to each root transform without a `windowing:` of its own. */
  readonly rootWindowing: Windowing | undefined;
  readonly refs: ReferenceTable;
  readonly built: Map<number, Built>;
  readonly building: Set<number>;
}

/** Builds the Runnel pipeline of a Beam YAML file's transforms, in dependency order, composites as nested scopes. */
export function buildPipeline(source: YamlSource, spec: PipelineSpec, options: BuildOptions): Pipeline {
  const builder = new Builder(source, options);
  builder.scope(spec, new Map(), spec.windowing === undefined ? undefined : { value: spec.windowing, path: ['pipeline', 'windowing'] });
  builder.checkErrorOutputsRead();
  return builder.pipeline;
}

class Builder {
  readonly pipeline = new Pipeline();
  /** The error output of each transform that has one (a chain has its last transform's). */
  readonly #errorOutputs = new Map<TransformSpec, ErrorOutput>();

  constructor(
    private readonly source: YamlSource,
    private readonly options: BuildOptions,
  ) {}

  /** Builds every transform of a scope. */
  scope(spec: ScopeSpec, bound: ReadonlyMap<string, PCollection<Row>>, rootWindowing: Windowing | undefined): Scope {
    const scope: Scope = { spec, bound, rootWindowing, refs: referenceTable(spec.transforms), built: new Map(), building: new Set() };
    spec.transforms.forEach((_t, i) => this.#visit(scope, i));
    return scope;
  }

  checkErrorOutputsRead(): void {
    for (const { output, read, declared, readAs } of new Set(this.#errorOutputs.values())) {
      if (read) continue;
      throw this.source.error(
        [...declared.path, 'config', 'error_handling', 'output'],
        `no transform reads the error output "${output}" (Beam refuses such a pipeline): read it as "${readAs}", e.g. with LogForTesting or WriteToJson, or leave out error_handling to send bad rows to Runnel's dead letters`,
        declared.label,
      );
    }
  }

  #visit(scope: Scope, index: number, from?: TransformSpec): Built {
    const done = scope.built.get(index);
    if (done) return done;
    const t = scope.spec.transforms[index]!;
    if (scope.building.has(index)) throw this.source.error(from?.inputsPath ?? t.path, 'is part of a cycle of inputs: a pipeline is a graph without loops', t.label);
    scope.building.add(index);
    const inputs = t.composite ? [] : t.inputs.map((ref) => this.#collection(scope, t, ref, t));
    const out = t.composite ? this.#applyComposite(scope, t, t.composite) : this.#apply(scope, t, inputs);
    if (out !== NO_OUTPUT && 'named' in out && out.errorOutput !== undefined && !this.#errorOutputs.has(t)) {
      this.#errorOutputs.set(t, { output: out.errorOutput, read: false, declared: t, readAs: `${t.name ?? t.type}.${out.errorOutput}` });
    }
    scope.built.set(index, out);
    return out;
  }

  /** The collection `ref` names in `scope`, read by `reader`: an input of the scope, or an output of one of its transforms. */
  #collection(scope: Scope, reader: Reader, ref: string | number, by?: TransformSpec): PCollection<Row> {
    const bound = typeof ref === 'string' ? scope.bound.get(ref) : undefined;
    if (bound) return bound;
    const { index, output } = typeof ref === 'number' ? { index: ref, output: undefined } : resolve(this.source, reader, ref, scope.refs);
    const from = scope.spec.transforms[index]!;
    const collection = outputOf(this.source, reader, ref, from, this.#visit(scope, index, by), output);
    const error = this.#errorOutputs.get(from);
    if (error && output === error.output) error.read = true;
    return collection;
  }

  /** A leaf transform, through its type's builder, in a Runnel scope of its name. */
  #apply(scope: Scope, t: TransformSpec, inputs: PCollection<Row>[]): Built {
    const impl = YAML_TRANSFORMS[t.type]!; // the schema refused other types
    const windowFn = this.#windowing(t, impl.kind === 'root' ? scope.rootWindowing : undefined);
    const context = (fullName: string): BuildContext => ({
      ...this.options,
      spec: t,
      scope: fullName,
      config: new ConfigReader(this.source, [...t.path, 'config'], t.config, t.label),
    });
    try {
      if (impl.kind === 'root') {
        if (inputs.length > 0) throw this.source.error(t.inputsPath, 'reads no input: leave out "input:"', t.label);
        return this.pipeline.apply(
          named(t, (begin: PBegin, fullName) => {
            const out = impl.build(begin, context(fullName));
            return windowFn ? out.windowInto(windowFn) : out;
          }),
        );
      }
      if (inputs.length === 0) throw this.source.error(t.path, 'needs "input:" naming the transform it reads (or put the pipeline in "type: chain")', t.label);
      return this.pipeline.applyTo(
        inputs,
        named(t, (ins: PCollection<Row>[], fullName) => {
          const input = windowed(merged(ins), windowFn);
          return impl.kind === 'sink' ? (impl.build(input, context(fullName)), NO_OUTPUT) : impl.build(input, context(fullName));
        }),
      );
    } catch (error) {
      if (error instanceof RunnelError) throw error;
      throw this.source.error(t.path, messageOf(error), t.label);
    }
  }

  /**
   * A composite (or chain): its inputs (each tag's references flattened, windowed by its
   * `windowing:`) bound to their tags, its transforms built as a scope inside a Runnel scope of
   * its name, and its `output:` (a chain: its last transform's outputs) read from that scope.
   */
  #applyComposite(scope: Scope, t: TransformSpec, composite: CompositeSpec): Built {
    const tags = [...composite.inputs.entries()].map(([tag, refs]) => ({ tag, inputs: refs.map((ref) => this.#collection(scope, t, ref, t)) }));
    const own = t.windowing === undefined ? undefined : { value: t.windowing, path: [...t.path, 'windowing'] };
    const windowFn = tags.length > 0 ? this.#windowing(t, undefined) : undefined;
    const build = (): Built => {
      const bound = new Map(tags.map(({ tag, inputs }) => [tag, windowed(merged(inputs), windowFn)]));
      const inner = this.scope(composite, bound, own ?? (tags.length === 0 ? scope.rootWindowing : undefined));
      return this.#outputs(inner, t, composite);
    };
    const all = tags.flatMap(({ inputs }) => inputs);
    return all.length === 0 ? this.pipeline.apply(named(t, build)) : this.pipeline.applyTo(all, named(t, build));
  }

  #outputs(inner: Scope, t: TransformSpec, composite: CompositeSpec): Built {
    if (composite.outputs === 'last') {
      // The chain's outputs are its last transform's: so is its error output, read through the chain.
      const error = this.#errorOutputs.get(inner.spec.transforms[inner.spec.last!]!);
      if (error) {
        error.readAs = `${t.name ?? t.type}.${error.output}`;
        this.#errorOutputs.set(t, error);
      }
      return inner.built.get(inner.spec.last!)!;
    }
    if (composite.outputs.size === 0) return NO_OUTPUT;
    const named = new Map([...composite.outputs].map(([name, { ref, path }]) => [name, this.#collection(inner, { label: t.label, inputsPath: path }, ref)] as const));
    return named.size === 1 ? { main: [...named.values()][0]!, named } : { named };
  }

  /** The window function a transform applies: its own `windowing:`, else `inherited` (a root's). */
  #windowing(t: TransformSpec, inherited: Windowing | undefined): WindowFn | undefined {
    const { value, path } = t.windowing !== undefined ? { value: t.windowing, path: [...t.path, 'windowing'] } : (inherited ?? { value: undefined, path: [] });
    if (value === undefined) {
      if (t.type === 'WindowInto') throw this.source.error(t.path, 'needs "windowing:", e.g. { type: fixed, size: 10s }', t.label);
      return undefined;
    }
    return windowFnOf(new ConfigReader(this.source, path, value, `${t.label} windowing`));
  }
}

/** A transform applied as a Runnel scope named as the YAML names it; `fn` gets its full name (`Clean/Filter`). */
function named<In, Out>(t: TransformSpec, fn: (input: In, fullName: string) => Out): PTransform<In, Out> {
  const scoped = new (class extends PTransform<In, Out> {
    readonly defaultName = t.type;
    expand(input: In, context: ExpandContext): Out {
      return fn(input, context.fullName);
    }
  })();
  return t.name === undefined ? scoped : scoped.withName(scopeName(t));
}

/** One collection, or several flattened (Beam's implicit Flatten of a list of inputs). */
function merged(inputs: PCollection<Row>[]): PCollection<Row> {
  return inputs.length === 1 ? inputs[0]! : pcollections(...inputs).apply(flatten<Row>());
}

function windowed(input: PCollection<Row>, windowFn: WindowFn | undefined): PCollection<Row> {
  return windowFn ? input.windowInto(windowFn) : input;
}
