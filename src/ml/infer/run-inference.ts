/**
 * RunInference as a transform (Beam's RunInference): examples in, `PredictionResult`s out, run in
 * batches on a served model (`servedModel`) or on a model per key (`keyedModelHandler`).
 *
 * Batching, as Beam's BatchElements: by default a bundle's examples are held in `process` and
 * run in `finishBundle` in batches of at most `maxBatchSize`, so nothing is held across bundles
 * (a durable run commits each step, and memory held past it would be lost by a crash). With
 * `maxWaitMs`, examples are held across bundles in keyed state (`batchElementsFn`) until
 * `minBatchSize` wait or the oldest waited `maxWaitMs`. Each result keeps its example's own
 * event time and window.
 */
import { messageOf, RunnelError } from '../../common/errors.js';
import type { DoFn, FinishBundleContext, ProcessContext } from '../../core/do-fn.js';
import { kv, type KV } from '../../core/element.js';
import type { PCollection } from '../../core/pcollection.js';
import { PTransform } from '../../core/ptransform.js';
import { parDo } from '../../transforms/par-do.js';
import { statefulParDo } from '../../transforms/stateful-par-do.js';
import { BatchFrame, type Example } from './batch-frame.js';
import { batchElementsFn, type HeldBatch } from './batch-elements.js';
import { rejectAll, runExamples, type Held } from './batch-run.js';
import type { InputFns } from './example-feeds.js';
import { KeyedModels } from './keyed-models.js';
import type { RunInferenceMetrics } from './metrics.js';
import type { PredictionResult } from './prediction.js';
import type { ModelProvider, ServedModel } from './served-model.js';
import { isTensor, reviveTensor } from './tensor.js';
import type { FrameModel } from './types.js';

/** Options of `runInference`; `T` is the example type the `inputs` functions read. */
export interface RunInferenceOptions<T = unknown> {
  /** Largest batch run at once; default 1024. */
  maxBatchSize?: number;
  /** With `maxWaitMs`: examples wait until this many are held; default 1 (no waiting). */
  minBatchSize?: number;
  /** Hold examples across bundles (in keyed state) for at most this long, processing time; default: batches stay within a bundle. */
  maxWaitMs?: number;
  /** Column names for models without `runnel.features` metadata (needed for record examples then). */
  featureNames?: readonly string[];
  /**
   * Examples arrive as `{ key, value }` and results leave as `{ key, value: PredictionResult }`
   * with a served model too (Beam's KeyedModelHandler around one model): the key (a sensor id,
   * say) rides along and examples of every key share batches. Always on with `keyedModelHandler`.
   */
  keyed?: boolean;
  /**
   * How an example feeds a model that number rows cannot (N-D, typed or several inputs): a
   * function per input returning a tensor or numbers, e.g. `{ input_1: (r) => r.mel }`. Without
   * it, a tensor example feeds the model's one input (constants left out).
   */
  inputs?: InputFns<T>;
}

/** The RunInference transform; `metrics` are its models' and its batches'. */
export class RunInference<In, Out> extends PTransform<PCollection<In>, PCollection<Out>> {
  readonly defaultName = 'runInference';
  readonly metrics: RunInferenceMetrics;
  readonly #perKeyModel: boolean;
  readonly #o: Required<Pick<RunInferenceOptions, 'maxBatchSize' | 'minBatchSize'>> & RunInferenceOptions<never>;

  constructor(
    private readonly provider: ModelProvider<unknown>,
    options: RunInferenceOptions<never>,
  ) {
    super();
    this.metrics = provider.metrics;
    this.#perKeyModel = provider instanceof KeyedModels;
    const maxBatchSize = options.maxBatchSize ?? 1024;
    const minBatchSize = options.minBatchSize ?? 1;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new RangeError(`runInference: maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    if (!Number.isInteger(minBatchSize) || minBatchSize < 1 || minBatchSize > maxBatchSize) {
      throw new RangeError(`runInference: minBatchSize must be an integer from 1 to maxBatchSize (${maxBatchSize}), got ${options.minBatchSize}`);
    }
    if (options.maxWaitMs === undefined && minBatchSize > 1) {
      throw new RangeError('runInference: minBatchSize > 1 holds examples across bundles; give maxWaitMs too, so that a quiet stream still gets its results');
    }
    if (options.maxWaitMs !== undefined && !(options.maxWaitMs >= 0 && Number.isFinite(options.maxWaitMs))) {
      throw new RangeError(`runInference: maxWaitMs must be a finite number of ms >= 0, got ${options.maxWaitMs}`);
    }
    this.#o = { ...options, maxBatchSize, minBatchSize };
  }

  expand(input: PCollection<In>): PCollection<Out> {
    const { maxWaitMs, minBatchSize } = this.#o;
    const perKeyModel = this.#perKeyModel;
    const keyedInput = perKeyModel || this.#o.keyed === true;
    if (maxWaitMs === undefined) return input.apply(parDo(new InferenceDoFn(this.provider, this.#o, perKeyModel, keyedInput, false))) as PCollection<Out>;
    const keyed = (perKeyModel ? input : input.map((value) => kv('', value), 'withoutKey')) as PCollection<KV<unknown, unknown>>;
    return keyed
      .apply(statefulParDo(batchElementsFn<unknown, unknown>(minBatchSize, maxWaitMs)).withName('batchElements'))
      .apply(parDo(new InferenceDoFn(this.provider, this.#o, perKeyModel, keyedInput, true))) as PCollection<Out>;
  }
}

/** Holds a bundle's examples by model key and runs them in `finishBundle`. */
class InferenceDoFn implements DoFn<unknown, unknown> {
  readonly #groups = new Map<string, { key: unknown; items: Held[] }>();
  readonly #frame = new BatchFrame();

  constructor(
    private readonly provider: ModelProvider<unknown>,
    private readonly options: RunInferenceOptions<never> & { maxBatchSize: number },
    /** A model per key: examples are grouped by key, each group on its key's model. */
    private readonly perKeyModel: boolean,
    /** Examples are `{ key, value }` and results carry the key. */
    private readonly keyedInput: boolean,
    private readonly batched: boolean,
  ) {}

  process(element: unknown, ctx: ProcessContext<unknown>): void {
    if (this.batched) {
      const { key, items } = element as HeldBatch<unknown, unknown>;
      for (const item of items) {
        // A tensor example held in a durable run comes back in its JSON form.
        const value = isTensor(item.value) ? reviveTensor(item.value) : item.value;
        this.#take(this.perKeyModel ? kv(key, value) : value, item.timestamp, ctx);
      }
    } else {
      this.#take(element, ctx.timestamp, ctx);
    }
  }

  async finishBundle(ctx: FinishBundleContext<unknown>): Promise<void> {
    const groups = [...this.#groups.values()];
    this.#groups.clear();
    for (const group of groups) await this.#runGroup(group.key, group.items, ctx);
  }

  #take(element: unknown, timestamp: number, ctx: ProcessContext<unknown>): void {
    if (!this.keyedInput) return this.#hold('', undefined, element, element, timestamp, ctx);
    if (typeof element !== 'object' || element === null || !('key' in element) || !('value' in element)) {
      throw new TypeError(`runInference ${this.perKeyModel ? 'with a keyed model handler' : 'with keyed: true'} needs { key, value } elements (apply withKeys first)`);
    }
    const { key, value } = element as KV<unknown, unknown>;
    this.#hold(this.perKeyModel ? (JSON.stringify(key) ?? String(key)) : '', key, value, element, timestamp, ctx);
  }

  #hold(id: string, key: unknown, value: unknown, payload: unknown, timestamp: number, ctx: ProcessContext<unknown>): void {
    let group = this.#groups.get(id);
    if (!group) this.#groups.set(id, (group = { key, items: [] }));
    group.items.push({ key, value, payload, timestamp, window: ctx.window });
  }

  /** One key's examples on the model version leased for this bundle, in batches of at most maxBatchSize. */
  async #runGroup(key: unknown, items: Held[], ctx: FinishBundleContext<unknown>): Promise<void> {
    const metrics = this.provider.metrics;
    let lease;
    try {
      lease = await this.provider.lease(key);
    } catch (error) {
      // A deployment error is no element's fault: fail the run rather than dead-letter all input.
      if (error instanceof RunnelError && (error.code === 'KERNELS_MISSING' || error.code === 'KERNELS_INVALID')) throw error;
      rejectAll(items, `no model to run${this.perKeyModel ? ` for key ${JSON.stringify(key)}` : ''}: ${messageOf(error)}`, ctx, metrics);
      return;
    }
    try {
      const model: FrameModel = lease.model;
      const { maxBatchSize, featureNames, inputs } = this.options;
      await runExamples(model, this.#frame, items, { maxBatchSize, featureNames, inputs: inputs as InputFns<unknown> | undefined }, ctx, metrics, (row, inference) => {
        const result: PredictionResult<unknown> = { example: row.value, inference, modelId: model.id };
        ctx.output(this.keyedInput ? kv(row.key, result) : result, row.timestamp, row.window);
      });
    } finally {
      lease.done();
    }
  }
}

/**
 * Runs examples through a model in batches; emits a `PredictionResult` per example (with a
 * keyed handler or `keyed: true`, `{ key, value: PredictionResult }` per `{ key, value }` example). Examples that
 * do not fit the model, and batches that fail, go to the dead letters with the reason.
 *
 * @example
 * const model = servedModel(new OnnxModelHandler(), onnxBytes);
 * readings.apply(runInference(model, { maxBatchSize: 256 })).map((r) => r.inference['prediction']!.data[0]);
 */
export function runInference<K, T = Example>(model: KeyedModels<K, unknown, FrameModel>, options?: RunInferenceOptions<T>): RunInference<KV<K, T>, KV<K, PredictionResult<T>>>;
export function runInference<K, T = Example>(
  model: ServedModel<unknown, FrameModel>,
  options: RunInferenceOptions<T> & { keyed: true },
): RunInference<KV<K, T>, KV<K, PredictionResult<T>>>;
export function runInference<T = Example>(model: ServedModel<unknown, FrameModel>, options?: RunInferenceOptions<T>): RunInference<T, PredictionResult<T>>;
export function runInference(model: ModelProvider<unknown>, options: RunInferenceOptions<never> = {}): RunInference<unknown, unknown> {
  if (typeof model?.lease !== 'function') throw new TypeError('runInference(model): give a servedModel(...) or a keyedModelHandler(...)');
  return new RunInference(model, options);
}
