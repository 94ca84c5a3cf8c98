import { describe, isMapping, type Mapping } from './config.js';
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

const TOP_LEVEL = ['pipeline', 'options'];
const PIPELINE_KEYS = ['type', 'transforms', 'source', 'sink', 'windowing', 'name', 'extra_transforms'];
const TRANSFORM_KEYS = ['type', 'name', 'config', 'input', 'windowing'];

/** Reads the structure of a Beam YAML file: `pipeline:` (a chain or explicit `input:` wiring) and `options:`. */
export function readPipelineSpec(source: YamlSource): PipelineSpec {
  const root = source.toJS();
  if (!isMapping(root)) throw source.error([], 'a Beam YAML file is a mapping with a "pipeline:" key');
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL.includes(key)) {
      throw source.error([key], `unknown top-level key; Runnel reads ${TOP_LEVEL.join(' and ')}${key === 'providers' ? ' (providers are not supported)' : ''}`);
    }
  }
  const pipeline = root.pipeline;
  if (!isMapping(pipeline)) throw source.error(pipeline === undefined ? [] : ['pipeline'], `"pipeline:" must be a mapping with "transforms:", got ${describe(pipeline)}`);
  for (const key of Object.keys(pipeline)) {
    if (!PIPELINE_KEYS.includes(key)) throw source.error(['pipeline', key], `unknown key; a pipeline has ${PIPELINE_KEYS.join(', ')}`);
  }
  const options = root.options ?? {};
  if (!isMapping(options)) throw source.error(['options'], `expected a mapping, got ${describe(options)}`);

  const type = pipeline.type ?? 'composite';
  if (type !== 'chain' && type !== 'composite') throw source.error(['pipeline', 'type'], `expected "chain" or "composite", got ${describe(type)}`);
  const listed = pipeline.transforms ?? [];
  if (!Array.isArray(listed)) throw source.error(['pipeline', 'transforms'], `expected a list of transforms, got ${describe(listed)}`);

  const entries: { value: unknown; path: YamlPath }[] = (listed as unknown[]).map((value, i) => ({ value, path: ['pipeline', 'transforms', i] }));
  // A chain's `extra_transforms` (e.g. readers of error outputs) are wired by their own `input:`.
  const extras: { value: unknown; path: YamlPath }[] = [];
  if (type === 'chain') {
    if (pipeline.source !== undefined) entries.unshift({ value: pipeline.source, path: ['pipeline', 'source'] });
    if (pipeline.sink !== undefined) entries.push({ value: pipeline.sink, path: ['pipeline', 'sink'] });
    const extra = pipeline.extra_transforms ?? [];
    if (!Array.isArray(extra)) throw source.error(['pipeline', 'extra_transforms'], `expected a list of transforms, got ${describe(extra)}`);
    (extra as unknown[]).forEach((value, i) => extras.push({ value, path: ['pipeline', 'extra_transforms', i] }));
  } else {
    for (const key of ['source', 'sink', 'extra_transforms']) {
      if (pipeline[key] !== undefined) throw source.error(['pipeline', key], `"${key}:" belongs to a chain: add "type: chain" to the pipeline`);
    }
  }
  if (entries.length === 0) throw source.error(['pipeline'], 'the pipeline has no transforms');

  const transforms = [
    ...entries.map(({ value, path }, i) => readTransform(source, value, path, type === 'chain' && i > 0 ? i - 1 : undefined)),
    ...extras.map(({ value, path }) => readTransform(source, value, path, undefined)),
  ];
  checkNames(source, transforms);
  return { transforms, windowing: pipeline.windowing, options };
}

function readTransform(source: YamlSource, value: unknown, path: YamlPath, previous: number | undefined): TransformSpec {
  if (!isMapping(value)) throw source.error(path, `a transform is a mapping with "type:", got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (!TRANSFORM_KEYS.includes(key)) {
      throw source.error([...path, key], key === 'error_handling' ? 'error_handling goes under config:' : `unknown key; a transform has ${TRANSFORM_KEYS.join(', ')}`);
    }
  }
  const type = value.type;
  if (typeof type !== 'string' || type === '')
    throw source.error(type === undefined ? path : [...path, 'type'], `a transform needs "type:" (a name such as MapToFields), got ${describe(type)}`);
  const name = value.name;
  if (name !== undefined && (typeof name !== 'string' || name === '')) throw source.error([...path, 'name'], `expected a non-empty string, got ${describe(name)}`);
  const label = name === undefined ? type : `${type} "${name}"`;
  if (previous !== undefined && value.input !== undefined) {
    throw source.error([...path, 'input'], 'a chain wires each transform to the one before it; leave out "input:" (or drop "type: chain")', label);
  }
  const inputs = previous === undefined ? readInputs(source, value.input, [...path, 'input'], label) : [previous];
  return { type, name, label, config: value.config, inputs, inputsPath: value.input === undefined ? path : [...path, 'input'], windowing: value.windowing, path };
}

/** `input: A`, `input: [A, B]` or `input: { tag: A, … }`: the names read. */
function readInputs(source: YamlSource, input: unknown, path: YamlPath, label: string): string[] {
  if (input === undefined || input === null) return [];
  const names = typeof input === 'string' ? [input] : Array.isArray(input) ? input : isMapping(input) ? Object.values(input) : undefined;
  if (!names || names.length === 0 || !names.every((n): n is string => typeof n === 'string' && n !== '')) {
    throw source.error(path, `"input:" names a transform, or lists several, got ${describe(input)}`, label);
  }
  return names;
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
