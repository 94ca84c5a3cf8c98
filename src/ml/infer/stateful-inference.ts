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
import { feedAxes, rejectAll, runExamples, type FeedSpec, type Held } from './batch-run.js';
import type { Feeds, InputFns } from './example-feeds.js';
import type { RunInferenceMetrics } from './metrics.js';
import type { PredictionResult } from './prediction.js';
import type { ServedModel } from './served-model.js';
import { reviveTensor, zeros, type Tensor, type TensorType } from './tensor.js';
import type { FrameModel } from './types.js';

/** Options of `runStatefulInference`; `T` is the example type the `inputs` functions read. */
export interface StatefulInferenceOptions<T = unknown> {
  /** State inputs and the outputs that feed them on the next call, e.g. `{ h0: 'hn' }`. A key starts from zeros. */
  state: Readonly<Record<string, string>>;
  /** Column names for models without `runnel.features` metadata. */
  featureNames?: readonly string[];
  /** Input functions, as `runInference`'s option `inputs`. */
  inputs?: InputFns<T>;
  /** Largest batch (a round's keys) run at once; default 1024. */
  maxBatchSize?: number;
}

/** A key's state tensors by state input, batch axis left out (stored in their JSON form in a durable run). */
type Carry = Record<string, Tensor>;
type CarryState = { carry: ValueStateSpec<Carry> };

/** A new key's state: zeros of each state input's shape without its batch axis, which must be the one free dim. */
function initialCarry(model: FrameModel, spec: FeedSpec): Carry {
  const axes = feedAxes(model, spec);
  const carry: Carry = {};
  for (const [input, output] of Object.entries(spec.state ?? {})) {
    const desc = model.inputs.find((i) => i.name === input);
    if (!desc) throw new RangeError(`model "${model.id}" has no state input "${input}"; inputs: ${model.inputs.map((i) => i.name).join(', ')}`);
    if (!model.outputs.some((o) => o.name === output)) {
      throw new RangeError(`model "${model.id}" has no state output "${output}"; outputs: ${model.outputs.map((o) => o.name).join(', ')}`);
    }
    const shape = desc.shape ?? [];
    const axis = axes.inputs.get(input);
    const rest = shape.filter((_, k) => k !== axis);
    if (axis === undefined || !rest.every((d) => typeof d === 'number' && d >= 0)) {
      throw new RangeError(`model "${model.id}": state input "${input}" has shape [${shape.join(', ')}]; it needs exactly one batch dimension and fixed sizes elsewhere`);
    }
    carry[input] = zeros(desc.type as TensorType, rest as number[]);
  }
  return carry;
}

class RecurrentFn implements StatefulDoFn<unknown, unknown, unknown, CarryState> {
  readonly state: CarryState = { carry: valueState<Carry>() };
  #held: Held[] = [];
  readonly #frame = new BatchFrame();
  readonly #skip: ReadonlySet<string>;

  constructor(
    private readonly model: ServedModel<unknown, FrameModel>,
    private readonly options: StatefulInferenceOptions<never>,
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
      const { state, featureNames, inputs } = this.options;
      const base: FeedSpec = { featureNames, state, inputs: inputs as InputFns<unknown> | undefined, maxBatchSize: this.options.maxBatchSize ?? 1024 };
      let initial: Carry;
      try {
        initial = initialCarry(model, base);
      } catch (error) {
        rejectAll(held, messageOf(error), ctx, metrics);
        return;
      }
      /** A key's state: what its last call left (revived from JSON in a durable run), or zeros. */
      const readCarry = (row: Held): Feeds => {
        let carry: Carry | undefined;
        ctx.withKey(row.key, row.window, row.timestamp, (c) => (carry = c.state.carry.read()));
        if (!carry) return initial;
        const revived: Feeds = {};
        for (const [name, t] of Object.entries(carry)) revived[name] = reviveTensor(t);
        return revived;
      };
      const spec: FeedSpec = { ...base, perExample: readCarry };
      for (const round of rounds(held)) {
        await runExamples(model, this.#frame, round, spec, ctx, metrics, (row, outputs) => {
          const carry: Carry = {};
          const inference: Record<string, Tensor> = {};
          for (const [input, output] of Object.entries(state)) carry[input] = outputs[output]!;
          for (const [name, t] of Object.entries(outputs)) if (!this.#skip.has(name)) inference[name] = t;
          const result: PredictionResult<unknown> = { example: row.value, inference, modelId: model.id };
          ctx.withKey(row.key, row.window, row.timestamp, (c) => {
            c.state.carry.write(carry);
            c.output(kv(row.key, result));
          });
        });
      }
    } finally {
      lease.done();
    }
  }
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
    private readonly options: StatefulInferenceOptions<never>,
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
export function runStatefulInference<K, T = Example>(model: ServedModel<unknown, FrameModel>, options: StatefulInferenceOptions<T>): StatefulInference<K, T> {
  const entries = Object.entries(options?.state ?? {});
  if (entries.length === 0) throw new TypeError('runStatefulInference: option state must map each state input to the output that feeds it, e.g. { h0: "hn" }');
  return new StatefulInference<K, T>(model, options);
}
