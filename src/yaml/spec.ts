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
   * What it reads: names (or unique types) of transforms, `<name>.<output>` for one of a
   * transform's named outputs, or, in a chain, the index of the transform before it. Several
   * inputs mean an implicit Flatten.
   */
  readonly inputs: readonly (string | number)[];
  /** Where the inputs were given (for errors about them). */
  readonly inputsPath: YamlPath;
  readonly windowing: unknown;
  /** Where the transform is in the file. */
  readonly path: YamlPath;
}

/** A whole pipeline file. */
export interface PipelineSpec {
  readonly transforms: readonly TransformSpec[];
  /** `pipeline.windowing`: applied to every root transform that has none of its own. */
  readonly windowing: unknown;
  /** `options:` as given (Runnel reads none of them yet). */
  readonly options: Mapping;
}

/**
 * Reads the structure of a Beam YAML file that the pipeline schema has checked: `pipeline:` (a
 * chain or explicit `input:` wiring) and `options:`.
 */
export function readPipelineSpec(source: YamlSource): PipelineSpec {
  const root = source.toJS() as Mapping;
  const pipeline = root.pipeline as Mapping;
  const options = (root.options ?? {}) as Mapping;
  const chain = pipeline.type === 'chain';
  const listed = (key: string): { value: Mapping; path: YamlPath }[] => ((pipeline[key] ?? []) as Mapping[]).map((value, i) => ({ value, path: ['pipeline', key, i] }));
  const entries = listed('transforms');
  if (pipeline.source !== undefined) entries.unshift({ value: pipeline.source as Mapping, path: ['pipeline', 'source'] });
  if (pipeline.sink !== undefined) entries.push({ value: pipeline.sink as Mapping, path: ['pipeline', 'sink'] });
  const transforms = [
    ...entries.map(({ value, path }, i) => readTransform(value, path, chain && i > 0 ? i - 1 : undefined)),
    // A chain's `extra_transforms` (e.g. readers of error outputs) are wired by their own `input:`.
    ...listed('extra_transforms').map(({ value, path }) => readTransform(value, path, undefined)),
  ];
  checkNames(source, transforms);
  return { transforms, windowing: pipeline.windowing, options };
}

function readTransform(value: Mapping, path: YamlPath, previous: number | undefined): TransformSpec {
  const type = value.type as string;
  const name = value.name as string | undefined;
  const input = value.input as string | string[] | Mapping | undefined;
  const inputs = previous !== undefined ? [previous] : input === undefined ? [] : typeof input === 'string' ? [input] : (Object.values(input) as string[]);
  return {
    type,
    name,
    label: labelOf(type, name),
    config: value.config,
    inputs,
    inputsPath: input === undefined ? path : [...path, 'input'],
    windowing: value.windowing,
    path,
  };
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
