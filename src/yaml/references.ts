import type { PCollection } from '../core/pcollection.js';
import type { Row } from './expressions.js';
import type { YamlPath, YamlSource } from './source-map.js';
import type { TransformSpec } from './spec.js';
import type { StepOutputs } from './transforms/index.js';

/** A sink's (or an output-less composite's) place in the table of outputs: it has none. */
export const NO_OUTPUT = Symbol('no output');

/** What a transform made: one collection, several (`StepOutputs`), or nothing. */
export type Built = PCollection<Row> | StepOutputs | typeof NO_OUTPUT;

/** Who reads a reference, for messages: the transform's label and where its `input:` (or a composite's `output:`) is. */
export interface Reader {
  readonly label: string;
  readonly inputsPath: YamlPath;
}

/** The transforms of one scope by name, and by type where only one has it. */
export interface ReferenceTable {
  readonly byName: ReadonlyMap<string, number>;
  /** Types that occur once may be referred to by type; those that occur more often map to -1. */
  readonly byType: ReadonlyMap<string, number>;
}

export function referenceTable(transforms: readonly TransformSpec[]): ReferenceTable {
  const byName = new Map<string, number>();
  const byType = new Map<string, number>();
  transforms.forEach((t, i) => {
    if (t.name !== undefined) byName.set(t.name, i);
    byType.set(t.type, byType.has(t.type) ? -1 : i);
  });
  return { byName, byType };
}

/** The transform `ref` names, and the output after its dot (`Partition.a`) when the name alone is not a transform's. */
export function resolve(source: YamlSource, reader: Reader, ref: string, refs: ReferenceTable): { index: number; output?: string } {
  const whole = lookUp(source, reader, ref, refs);
  if (whole !== undefined) return { index: whole };
  const dot = ref.lastIndexOf('.');
  const index = dot > 0 ? lookUp(source, reader, ref.slice(0, dot), refs) : undefined;
  if (index !== undefined) return { index, output: ref.slice(dot + 1) };
  const names = [...refs.byName.keys()];
  throw source.error(reader.inputsPath, `reads "${ref}", but no transform has that name${names.length ? ` (names: ${names.join(', ')})` : ''}`, reader.label);
}

function lookUp(source: YamlSource, reader: Reader, name: string, refs: ReferenceTable): number | undefined {
  const named = refs.byName.get(name);
  if (named !== undefined) return named;
  const typed = refs.byType.get(name);
  if (typed === -1) throw source.error(reader.inputsPath, `reads "${name}", but several transforms are of that type: give the one you mean a name and use it`, reader.label);
  return typed;
}

/** The collection `ref` names among what `from` built: its main output, or the named `output`. */
export function outputOf(source: YamlSource, reader: Reader, ref: string | number, from: TransformSpec, built: Built, output: string | undefined): PCollection<Row> {
  const shown = typeof ref === 'number' ? from.label : `"${ref}"`;
  if (built === NO_OUTPUT) throw source.error(reader.inputsPath, `reads from ${from.label}, which has no output`, reader.label);
  const base = from.name ?? from.type;
  if (!('named' in built)) {
    if (output === undefined) return built;
    throw source.error(reader.inputsPath, `reads ${shown}, but ${from.label} has one output: read it as "${base}"`, reader.label);
  }
  const names = [...built.named.keys()].map((n) => `"${base}.${n}"`).join(', ');
  if (output === undefined) {
    if (built.main) return built.main;
    throw source.error(reader.inputsPath, `reads ${shown}, but ${from.label} has several outputs: read one of ${names}`, reader.label);
  }
  const named = built.named.get(output);
  if (named) return named;
  throw source.error(reader.inputsPath, `reads ${shown}, but ${from.label} has no output "${output}" (it has ${names})`, reader.label);
}
