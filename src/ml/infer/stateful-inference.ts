/**
 * RunInference for models with recurrent state (an RNN exported with explicit state inputs and
 * outputs, such as torch's GRU `h0 → hn`): each key's state outputs feed its next call's state
 * inputs. The state lives in keyed state, so a durable run commits it with the step that
 * computed it and a restart resumes it. A bundle's examples run in rounds: round r batches the
 * r-th example of every key, so a key's examples run in order and keys share batches.
 */
import { messageOf } from '../../common/errors.js';
import { kv, type KV } from '../../core/element.js';
import type { PCollection } from '../../core/pcollection.js';
import { PTransform } from '../../core/ptransform.js';
import { valueState, type StatefulBundleContext, type StatefulDoFn, type ValueStateSpec } from '../../core/state.js';
import { statefulParDo } from '../../transforms/stateful-par-do.js';
import { BatchFrame, type Example } from './batch-frame.js';
import { rejectAll, runBatch, type Held } from './batch-run.js';
import type { RunInferenceMetrics } from './metrics.js';
import type { PredictionResult } from './prediction.js';
import type { ServedModel } from './served-model.js';
import type { FloatTensor, FrameModel, ModelOutputs, TensorDescription } from './types.js';

/** Options of `runStatefulInference`. */
export interface StatefulInferenceOptions {
  /** State inputs and the outputs that feed them on the next call, e.g. `{ h0: 'hn' }`. A key starts from zeros. */
  state: Readonly<Record<string, string>>;
  /** Column names for models without `runnel.features` metadata. */
  featureNames?: readonly string[];
}

type Carry = Record<string, number[]>;
type CarryState = { carry: ValueStateSpec<Carry> };

/** Where the batch axis sits in a state tensor: values before it (`outer`) and after it (`inner`). */
interface Layout {
  outer: number;
  inner: number;
}

/** A state input's layout: exactly one dimension (the batch) is not a fixed size. */
function layoutOf(model: FrameModel, input: TensorDescription): Layout {
  const shape = input.shape ?? [];
  const axis = shape.findIndex((d) => !(typeof d === 'number' && d > 0));
  const fixed = shape.filter((_, i) => i !== axis);
  if (axis < 0 || fixed.some((d) => !(typeof d === 'number' && d > 0))) {
    throw new RangeError(`model "${model.id}": state input "${input.name}" has shape [${shape.join(', ')}]; it needs exactly one batch dimension and fixed sizes elsewhere`);
  }
  const size = (dims: readonly (number | string)[]): number => dims.reduce<number>((a, d) => a * (d as number), 1);
  return { outer: size(shape.slice(0, axis)), inner: size(shape.slice(axis + 1)) };
}

/** Row `r`'s slice of a `[outer, batch, inner]` tensor. */
function gather(data: Float32Array, { outer, inner }: Layout, batch: number, r: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out.push(data[(o * batch + r) * inner + i]!);
  return out;
}

function scatter(values: readonly number[], data: Float32Array, { outer, inner }: Layout, batch: number, r: number): void {
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) data[(o * batch + r) * inner + i] = values[o * inner + i]!;
}

class RecurrentFn implements StatefulDoFn<unknown, unknown, unknown, CarryState> {
  readonly state: CarryState = { carry: valueState<Carry>() };
  #held: Held[] = [];
  readonly #frame = new BatchFrame();
  readonly #skip: ReadonlySet<string>;

  constructor(
    private readonly model: ServedModel<unknown, FrameModel>,
    private readonly options: StatefulInferenceOptions,
  ) {
    this.#skip = new Set(Object.values(options.state));
  }

  process(value: unknown, ctx: { key: unknown; timestamp: number; window: Held['window'] }): void {
    this.#held.push({ key: ctx.key, value, payload: kv(ctx.key, value), timestamp: ctx.timestamp, window: ctx.window });
  }

  async finishBundle(ctx: StatefulBundleContext<unknown, unknown, CarryState, Record<string, never>>): Promise<void> {
    const held = this.#held;
    this.#held = [];
    if (held.length === 0) return;
    const metrics: RunInferenceMetrics = this.model.metrics;
    let lease;
    try {
      lease = await this.model.lease();
    } catch (error) {
      rejectAll(held, `no model to run: ${messageOf(error)}`, ctx, metrics);
      return;
    }
    try {
      const model = lease.model;
      let layouts: Map<string, Layout>;
      try {
        layouts = this.#layouts(model);
      } catch (error) {
        rejectAll(held, messageOf(error), ctx, metrics);
        return;
      }
      for (const round of rounds(held)) await this.#runRound(model, layouts, round, ctx);
    } finally {
      lease.done();
    }
  }

  #layouts(model: FrameModel): Map<string, Layout> {
    const layouts = new Map<string, Layout>();
    for (const [input, output] of Object.entries(this.options.state)) {
      const desc = model.inputs.find((i) => i.name === input);
      if (!desc) throw new RangeError(`model "${model.id}" has no state input "${input}"; inputs: ${model.inputs.map((i) => i.name).join(', ')}`);
      if (!model.outputs.some((o) => o.name === output))
        throw new RangeError(`model "${model.id}" has no state output "${output}"; outputs: ${model.outputs.map((o) => o.name).join(', ')}`);
      layouts.set(input, layoutOf(model, desc));
    }
    return layouts;
  }

  async #runRound(model: FrameModel, layouts: Map<string, Layout>, round: Held[], ctx: StatefulBundleContext<unknown, unknown, CarryState, Record<string, never>>): Promise<void> {
    const readCarry = (row: Held): Carry | undefined => {
      let carry: Carry | undefined;
      ctx.withKey(row.key, row.window, row.timestamp, (c) => (carry = c.state.carry.read()));
      return carry;
    };
    const extra = (rows: readonly Held[]): Record<string, FloatTensor> => {
      const feeds: Record<string, FloatTensor> = {};
      for (const [input, layout] of layouts) {
        const data = new Float32Array(layout.outer * rows.length * layout.inner);
        rows.forEach((row, r) => {
          const saved = readCarry(row)?.[input];
          if (saved) scatter(saved, data, layout, rows.length, r);
        });
        feeds[input] = { data, dims: stateDims(model, input, rows.length) };
      }
      return feeds;
    };
    const outcome = await runBatch(model, this.#frame, round, { featureNames: this.options.featureNames, extra, skip: this.#skip }, ctx, this.model.metrics);
    if (!outcome) return;
    const { rows, results, outputs } = outcome;
    rows.forEach((row, r) => {
      const carry = nextCarry(outputs, this.options.state, layouts, rows.length, r);
      const result: PredictionResult<unknown> = { example: row.value, inference: results[r]!, modelId: model.id };
      ctx.withKey(row.key, row.window, row.timestamp, (c) => {
        c.state.carry.write(carry);
        c.output(kv(row.key, result));
      });
    });
  }
}

function stateDims(model: FrameModel, input: string, batch: number): number[] {
  const shape = model.inputs.find((i) => i.name === input)!.shape!;
  return shape.map((d) => (typeof d === 'number' && d > 0 ? d : batch));
}

function nextCarry(outputs: ModelOutputs, state: Readonly<Record<string, string>>, layouts: Map<string, Layout>, batch: number, r: number): Carry {
  const carry: Carry = {};
  for (const [input, output] of Object.entries(state)) carry[input] = gather(outputs[output]!.data as Float32Array, layouts.get(input)!, batch, r);
  return carry;
}

/** Splits held examples into rounds: round r holds the r-th example of each key (and window), in arrival order. */
function rounds(held: readonly Held[]): Held[][] {
  const result: Held[][] = [];
  const seen = new Map<string, number>();
  for (const item of held) {
    const id = `${item.window.id}\u0000${JSON.stringify(item.key)}`;
    const r = seen.get(id) ?? 0;
    seen.set(id, r + 1);
    (result[r] ??= []).push(item);
  }
  return result;
}

/** The stateful RunInference transform. */
export class StatefulInference<K, T> extends PTransform<PCollection<KV<K, T>>, PCollection<KV<K, PredictionResult<T>>>> {
  readonly defaultName = 'runStatefulInference';
  readonly metrics: RunInferenceMetrics;

  constructor(
    private readonly model: ServedModel<unknown, FrameModel>,
    private readonly options: StatefulInferenceOptions,
  ) {
    super();
    this.metrics = model.metrics;
  }

  expand(input: PCollection<KV<K, T>>): PCollection<KV<K, PredictionResult<T>>> {
    return input.apply(statefulParDo(new RecurrentFn(this.model, this.options))) as PCollection<KV<K, PredictionResult<T>>>;
  }
}

/**
 * Runs a recurrent model per key: `{ key, value: example }` in, `{ key, value: PredictionResult }`
 * out, each key's state carried from call to call in keyed state (see the module comment).
 */
export function runStatefulInference<K, T extends Example = Example>(model: ServedModel<unknown, FrameModel>, options: StatefulInferenceOptions): StatefulInference<K, T> {
  const entries = Object.entries(options?.state ?? {});
  if (entries.length === 0) throw new TypeError('runStatefulInference: option state must map each state input to the output that feeds it, e.g. { h0: "hn" }');
  return new StatefulInference<K, T>(model, options);
}
