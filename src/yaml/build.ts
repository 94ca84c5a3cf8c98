import { RunnelError, messageOf } from '../common/errors.js';
import { pcollections, type PCollection } from '../core/pcollection.js';
import { Pipeline, type PBegin } from '../core/pipeline.js';
import { composite } from '../core/ptransform.js';
import type { WindowFn } from '../core/windowing/window-fns.js';
import type { IngestStats } from '../io/mqtt/commit-gate.js';
import type { Store } from '../store/store.js';
import { flatten } from '../transforms/flatten.js';
import { ConfigReader } from './config.js';
import type { Row } from './expressions.js';
import type { YamlPath, YamlSource } from './source-map.js';
import { scopeName, type PipelineSpec, type TransformSpec } from './spec.js';
import { YAML_TRANSFORMS, type MqttEgress, type StepOutputs } from './transforms/index.js';
import { windowFnOf } from './windowing.js';

/** Options of `buildPipeline`. */
export interface BuildOptions {
  /** Where `LogForTesting` writes each line. */
  readonly log: (line: string) => void;
  /** Folder relative file paths in the pipeline are resolved against. */
  readonly baseDir: string;
  /** The pipeline file's folder (model files are found relative to it). */
  readonly pipelineDir: string;
  /** The run's database (`ReadFromMqtt` and `WriteToMqtt` need one). */
  readonly store?: Store;
  /** Told of each outbox stage `WriteToMqtt` wants published. */
  readonly publish?: (egress: MqttEgress) => void;
  /** Told of each MQTT ingest `ReadFromMqtt` starts. */
  readonly onIngest?: (source: string, stats: Readonly<IngestStats>) => void;
}

/** A sink's place in the table of outputs: it has none. */
const NO_OUTPUT = Symbol('no output');

/** What a transform made: one collection, several (`StepOutputs`), or nothing (a sink). */
type Built = PCollection<Row> | StepOutputs | typeof NO_OUTPUT;

/** Builds the Runnel pipeline of a Beam YAML file's transforms, in dependency order. */
export function buildPipeline(source: YamlSource, spec: PipelineSpec, options: BuildOptions): Pipeline {
  const pipeline = new Pipeline();
  const refs = referenceTable(spec.transforms);
  const outputs = new Map<number, Built>();
  const building = new Set<number>();
  /** The named outputs read, as `index.name`. */
  const read = new Set<string>();

  const visit = (index: number, from?: TransformSpec): Built => {
    const done = outputs.get(index);
    if (done) return done;
    const t = spec.transforms[index]!;
    if (building.has(index)) throw source.error(from?.inputsPath ?? t.path, 'is part of a cycle of inputs: a pipeline is a graph without loops', t.label);
    building.add(index);
    const inputs = t.inputs.map((ref) => {
      const { index: i, output } = resolve(source, t, ref, refs);
      if (output !== undefined) read.add(`${i}.${output}`);
      return outputOf(source, t, ref, spec.transforms[i]!, visit(i, t), output);
    });
    const out = apply(pipeline, source, t, inputs, spec, options);
    outputs.set(index, out);
    return out;
  };
  spec.transforms.forEach((_t, i) => visit(i));
  outputs.forEach((out, i) => {
    if (out === NO_OUTPUT || !('named' in out) || out.errorOutput === undefined || read.has(`${i}.${out.errorOutput}`)) return;
    const t = spec.transforms[i]!;
    throw source.error(
      [...t.path, 'config', 'error_handling', 'output'],
      `no transform reads the error output "${out.errorOutput}" (Beam refuses such a pipeline): read it as "${t.name ?? t.type}.${out.errorOutput}", e.g. with LogForTesting or WriteToJson, or leave out error_handling to send bad rows to Runnel's dead letters`,
      t.label,
    );
  });
  return pipeline;
}

/** The collection `ref` names among what `from` built: its main output, or the named `output`. */
function outputOf(source: YamlSource, t: TransformSpec, ref: string | number, from: TransformSpec, built: Built, output: string | undefined): PCollection<Row> {
  const shown = typeof ref === 'number' ? from.label : `"${ref}"`;
  if (built === NO_OUTPUT) throw source.error(t.inputsPath, `reads from ${from.label}, which writes files and has no output`, t.label);
  const base = from.name ?? from.type;
  if (!('named' in built)) {
    if (output === undefined) return built;
    throw source.error(t.inputsPath, `reads ${shown}, but ${from.label} has one output: read it as "${base}"`, t.label);
  }
  const names = [...built.named.keys()].map((n) => `"${base}.${n}"`).join(', ');
  if (output === undefined) {
    if (built.main) return built.main;
    throw source.error(t.inputsPath, `reads ${shown}, but ${from.label} has several outputs: read one of ${names}`, t.label);
  }
  const named = built.named.get(output);
  if (named) return named;
  throw source.error(t.inputsPath, `reads ${shown}, but ${from.label} has no output "${output}" (it has ${names})`, t.label);
}

function apply(pipeline: Pipeline, source: YamlSource, t: TransformSpec, inputs: PCollection<Row>[], spec: PipelineSpec, options: BuildOptions): Built {
  const impl = YAML_TRANSFORMS[t.type]!; // the schema refused other types
  const context = {
    spec: t,
    config: new ConfigReader(source, [...t.path, 'config'], t.config, t.label),
    log: options.log,
    baseDir: options.baseDir,
    pipelineDir: options.pipelineDir,
    ...(options.store ? { store: options.store } : {}),
    ...(options.publish ? { publish: options.publish } : {}),
    ...(options.onIngest ? { onIngest: options.onIngest } : {}),
  };
  const windowFn = windowingOf(source, t, impl.kind === 'root' ? spec.windowing : undefined);
  const name = t.name === undefined ? undefined : scopeName(t);
  const scoped = <In, Out>(fn: (input: In) => Out) => (name === undefined ? composite(t.type, fn) : composite(name, fn).withName(name));
  try {
    if (impl.kind === 'root') {
      if (inputs.length > 0) throw source.error(t.inputsPath, 'reads no input: leave out "input:"', t.label);
      return pipeline.apply(
        scoped((begin: PBegin) => {
          const out = impl.build(begin, context);
          return windowFn ? out.windowInto(windowFn) : out;
        }),
      );
    }
    if (inputs.length === 0) throw source.error(t.path, 'needs "input:" naming the transform it reads (or put the pipeline in "type: chain")', t.label);
    return pipeline.applyTo(
      inputs,
      scoped((ins: PCollection<Row>[]) => {
        let input = ins.length === 1 ? ins[0]! : pcollections(...ins).apply(flatten<Row>());
        if (windowFn) input = input.windowInto(windowFn);
        return impl.kind === 'sink' ? (impl.build(input, context), NO_OUTPUT) : impl.build(input, context);
      }),
    );
  } catch (error) {
    if (error instanceof RunnelError) throw error;
    throw source.error(t.path, messageOf(error), t.label);
  }
}

/** The window function a transform applies: its own `windowing:`, else the pipeline's for a root. */
function windowingOf(source: YamlSource, t: TransformSpec, pipelineWindowing: unknown): WindowFn | undefined {
  const [value, path]: [unknown, YamlPath] = t.windowing !== undefined ? [t.windowing, [...t.path, 'windowing']] : [pipelineWindowing, ['pipeline', 'windowing']];
  if (value === undefined) {
    if (t.type === 'WindowInto') throw source.error(t.path, 'needs "windowing:", e.g. { type: fixed, size: 10s }', t.label);
    return undefined;
  }
  return windowFnOf(new ConfigReader(source, path, value, `${t.label} windowing`));
}

interface ReferenceTable {
  readonly byName: ReadonlyMap<string, number>;
  /** Types that occur once may be referred to by type; those that occur more often map to -1. */
  readonly byType: ReadonlyMap<string, number>;
}

function referenceTable(transforms: readonly TransformSpec[]): ReferenceTable {
  const byName = new Map<string, number>();
  const byType = new Map<string, number>();
  transforms.forEach((t, i) => {
    if (t.name !== undefined) byName.set(t.name, i);
    byType.set(t.type, byType.has(t.type) ? -1 : i);
  });
  return { byName, byType };
}

/** The transform `ref` names, and the output after its dot (`Partition.a`) when the name alone is not a transform's. */
function resolve(source: YamlSource, t: TransformSpec, ref: string | number, refs: ReferenceTable): { index: number; output?: string } {
  if (typeof ref === 'number') return { index: ref };
  const whole = lookUp(source, t, ref, refs);
  if (whole !== undefined) return { index: whole };
  const dot = ref.lastIndexOf('.');
  const index = dot > 0 ? lookUp(source, t, ref.slice(0, dot), refs) : undefined;
  if (index !== undefined) return { index, output: ref.slice(dot + 1) };
  const names = [...refs.byName.keys()];
  throw source.error(t.inputsPath, `reads "${ref}", but no transform has that name${names.length ? ` (names: ${names.join(', ')})` : ''}`, t.label);
}

function lookUp(source: YamlSource, t: TransformSpec, name: string, refs: ReferenceTable): number | undefined {
  const named = refs.byName.get(name);
  if (named !== undefined) return named;
  const typed = refs.byType.get(name);
  if (typed === -1) throw source.error(t.inputsPath, `reads "${name}", but several transforms are of that type: give the one you mean a name and use it`, t.label);
  return typed;
}
