import { RunnelError, messageOf } from '../common/errors.js';
import { pcollections, type PCollection } from '../core/pcollection.js';
import { Pipeline, type PBegin } from '../core/pipeline.js';
import { composite } from '../core/ptransform.js';
import type { WindowFn } from '../core/windowing/window-fns.js';
import type { Store } from '../store/store.js';
import { flatten } from '../transforms/flatten.js';
import { ConfigReader } from './config.js';
import type { Row } from './expressions.js';
import type { YamlPath, YamlSource } from './source-map.js';
import { scopeName, type PipelineSpec, type TransformSpec } from './spec.js';
import { YAML_TRANSFORMS, type MqttEgress } from './transforms/index.js';
import { windowFnOf } from './windowing.js';

/** Options of `buildPipeline`. */
export interface BuildOptions {
  /** Where `LogForTesting` writes each line. */
  readonly log: (line: string) => void;
  /** Folder relative file paths in the pipeline are resolved against. */
  readonly baseDir: string;
  /** The run's database (`ReadFromMqtt` and `WriteToMqtt` need one). */
  readonly store?: Store;
  /** Told of each outbox stage `WriteToMqtt` wants published. */
  readonly publish?: (egress: MqttEgress) => void;
}

/** A sink's place in the table of outputs: it has none. */
const NO_OUTPUT = Symbol('no output');

/** Builds the Runnel pipeline of a Beam YAML file's transforms, in dependency order. */
export function buildPipeline(source: YamlSource, spec: PipelineSpec, options: BuildOptions): Pipeline {
  const pipeline = new Pipeline();
  const refs = referenceTable(spec.transforms);
  const outputs = new Map<number, PCollection<Row> | typeof NO_OUTPUT>();
  const building = new Set<number>();

  const visit = (index: number, from?: TransformSpec): PCollection<Row> | typeof NO_OUTPUT => {
    const done = outputs.get(index);
    if (done) return done;
    const t = spec.transforms[index]!;
    if (building.has(index)) throw source.error(from?.inputsPath ?? t.path, 'is part of a cycle of inputs: a pipeline is a graph without loops', t.label);
    building.add(index);
    const inputs = t.inputs.map((ref) => {
      const i = resolve(source, t, ref, refs);
      const out = visit(i, t);
      if (out === NO_OUTPUT) throw source.error(t.inputsPath, `reads from ${spec.transforms[i]!.label}, which writes files and has no output`, t.label);
      return out;
    });
    const out = apply(pipeline, source, t, inputs, spec, options);
    outputs.set(index, out);
    return out;
  };
  spec.transforms.forEach((_t, i) => visit(i));
  return pipeline;
}

function apply(
  pipeline: Pipeline,
  source: YamlSource,
  t: TransformSpec,
  inputs: PCollection<Row>[],
  spec: PipelineSpec,
  options: BuildOptions,
): PCollection<Row> | typeof NO_OUTPUT {
  const impl = YAML_TRANSFORMS[t.type];
  if (!impl) throw source.error([...t.path, 'type'], `unknown transform type "${t.type}"; Runnel runs ${Object.keys(YAML_TRANSFORMS).join(', ')}`);
  const context = {
    spec: t,
    config: new ConfigReader(source, [...t.path, 'config'], t.config, t.label),
    log: options.log,
    baseDir: options.baseDir,
    ...(options.store ? { store: options.store } : {}),
    ...(options.publish ? { publish: options.publish } : {}),
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

function resolve(source: YamlSource, t: TransformSpec, ref: string | number, refs: ReferenceTable): number {
  if (typeof ref === 'number') return ref;
  const named = refs.byName.get(ref);
  if (named !== undefined) return named;
  const typed = refs.byType.get(ref);
  if (typed === -1) throw source.error(t.inputsPath, `reads "${ref}", but several transforms are of that type: give the one you mean a name and use it`, t.label);
  if (typed !== undefined) return typed;
  const names = [...refs.byName.keys()];
  throw source.error(t.inputsPath, `reads "${ref}", but no transform has that name${names.length ? ` (names: ${names.join(', ')})` : ''}`, t.label);
}
