import type { Mapping } from './config.js';
import type { YamlPath, YamlSource } from './source-map.js';

/** One transform of a pipeline file, with its inputs made explicit (chains resolved). */
export interface TransformSpec {
  readonly type: string;
  readonly name: string | undefined;
  /** How messages name it: `Filter "keep big ones"`, or `Filter` when unnamed. */
  readonly label: string;
  readonly config: unknown;
  /**
   * What it reads: names (or unique types) of transforms of its scope, `<name>.<output>` for one
   * of a transform's named outputs, the inputs of the composite it is in (`input`, or the tags of
   * its `input:` mapping), or, in a chain, the index of the transform before it. Several inputs
   * mean an implicit Flatten.
   */
  readonly inputs: readonly (string | number)[];
  /** Where the inputs were given (for errors about them). */
  readonly inputsPath: YamlPath;
  readonly windowing: unknown;
  /** Where the transform is in the file. */
  readonly path: YamlPath;
  /** For `type: composite` and `type: chain`: what is inside. */
  readonly composite?: CompositeSpec;
}

/** The inside of a composite (or a chain, or the pipeline itself): a scope of transforms. */
export interface ScopeSpec {
  readonly transforms: readonly TransformSpec[];
  /** In a chain, the index of its last transform (before `extra_transforms`), whose outputs are the chain's. */
  readonly last?: number;
}

/** A composite transform: its scope, the names its inputs have inside, and what it outputs. */
export interface CompositeSpec extends ScopeSpec {
  /** Input tag → the references (in the enclosing scope) it stands for; several are flattened. */
  readonly inputs: ReadonlyMap<string, readonly string[]>;
  /**
   * Output name → the reference (inside) it gives; `last` for a chain, whose outputs are those of
   * its last transform (`ScopeSpec.last`). No entries: the composite has no output.
   */
  readonly outputs: ReadonlyMap<string, { readonly ref: string; readonly path: YamlPath }> | 'last';
}

/** A whole pipeline file. */
export interface PipelineSpec extends ScopeSpec {
  /** `pipeline.windowing`: applied to every root transform that has none of its own. */
  readonly windowing: unknown;
  /** `options:` as given (Runnel reads none of them yet). */
  readonly options: Mapping;
}

/**
 * Reads the structure of a Beam YAML file that the pipeline schema has checked: `pipeline:` (a
 * chain or explicit `input:` wiring, composites and chains nested in it) and `options:`.
 */
export function readPipelineSpec(source: YamlSource, document: unknown): PipelineSpec {
  const root = document as Mapping;
  const pipeline = root.pipeline as Mapping;
  return { ...readScope(source, pipeline, ['pipeline'], []), windowing: pipeline.windowing, options: (root.options ?? {}) as Mapping };
}

/** The transforms of a pipeline, composite or chain body at `path`; in a chain the first reads `chainInputs`. */
function readScope(source: YamlSource, body: Mapping, path: YamlPath, chainInputs: readonly string[]): ScopeSpec {
  const chain = body.type === 'chain';
  const listed = (key: string): { value: Mapping; path: YamlPath }[] => ((body[key] ?? []) as Mapping[]).map((value, i) => ({ value, path: [...path, key, i] }));
  const entries = listed('transforms');
  if (body.source !== undefined) entries.unshift({ value: body.source as Mapping, path: [...path, 'source'] });
  if (body.sink !== undefined) entries.push({ value: body.sink as Mapping, path: [...path, 'sink'] });
  const transforms = [
    ...entries.map(({ value, path }, i) => readTransform(source, value, path, !chain ? undefined : i > 0 ? [i - 1] : chainInputs)),
    // A chain's `extra_transforms` (e.g. readers of error outputs) are wired by their own `input:`.
    ...listed('extra_transforms').map(({ value, path }) => readTransform(source, value, path, undefined)),
  ];
  checkNames(source, transforms);
  return chain ? { transforms, last: entries.length - 1 } : { transforms };
}

function readTransform(source: YamlSource, value: Mapping, path: YamlPath, chained: readonly (string | number)[] | undefined): TransformSpec {
  const type = value.type as string;
  const name = value.name as string | undefined;
  const input = value.input as string | string[] | Mapping | undefined;
  const tagged = input === undefined ? new Map<string, string[]>() : inputTags(input);
  const composite = type === 'composite' || type === 'chain' ? readComposite(source, value, path, tagged) : undefined;
  return {
    type,
    name,
    label: labelOf(type, name),
    config: value.config,
    inputs: chained ?? [...tagged.values()].flat(),
    inputsPath: input === undefined ? path : [...path, 'input'],
    windowing: value.windowing,
    path,
    ...(composite ? { composite } : {}),
  };
}

/** Beam's forms of `input:` as tag → references: `A` and `[A, B]` are the tag `input`. */
function inputTags(input: string | string[] | Mapping): Map<string, string[]> {
  if (typeof input === 'string' || Array.isArray(input)) return new Map([['input', typeof input === 'string' ? [input] : input]]);
  return new Map(Object.entries(input).map(([tag, ref]) => [tag, [ref as string]]));
}

function readComposite(source: YamlSource, value: Mapping, path: YamlPath, inputs: Map<string, string[]>): CompositeSpec {
  const output = value.output as string | Record<string, string> | undefined;
  const at: YamlPath = [...path, 'output'];
  const named: [string, { ref: string; path: YamlPath }][] =
    output === undefined
      ? []
      : typeof output === 'string'
        ? [['output', { ref: output, path: at }]]
        : Object.entries(output).map(([name, ref]) => [name, { ref, path: [...at, name] }]);
  const outputs = value.type === 'chain' ? 'last' : new Map(named);
  return { ...readScope(source, value, path, [...inputs.keys()]), inputs, outputs };
}

/** How messages name a transform: `Filter "keep big ones"`, or `Filter` when unnamed. */
export function labelOf(type: unknown, name: unknown): string {
  const shown = typeof type === 'string' ? type : 'transform';
  return typeof name === 'string' ? `${shown} "${name}"` : shown;
}

function checkNames(source: YamlSource, transforms: readonly TransformSpec[]): void {
  const seen = new Map<string, TransformSpec>();
  for (const t of transforms) {
    if (t.name === undefined) continue;
    const before = seen.get(t.name);
    if (before) throw source.error([...t.path, 'name'], `two transforms are named "${t.name}" (the other is at ${source.where(before.path)}); names must be unique`);
    seen.set(t.name, t);
  }
}

/** The name of a transform's scope in the Runnel pipeline: its `name:` (a `/` would nest scopes, so it becomes `∕`) or its type. */
export function scopeName(t: Pick<TransformSpec, 'name' | 'type'>): string {
  return t.name?.replaceAll('/', '∕') ?? t.type;
}
