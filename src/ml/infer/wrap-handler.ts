/**
 * Pre- and post-processing around another handler's models, so a custom handler reuses the stock
 * one (its session, run queue, checks and output conversion) instead of re-implementing it:
 * `before` rewrites a batch's input tensors, `after` its outputs. Beam offers the same with
 * `ModelHandler.with_preprocess_fn` / `with_postprocess_fn`; here the functions see whole
 * batches (tensors with the batch axis), not single examples.
 */
import type { FrameLike } from '../../kernels/frame.js';
import { isTensor, tensor, type Tensor } from './tensor.js';
import type { ExtraInput, FrameModel, ModelHandler, ModelOutputs, TensorDescription } from './types.js';

/** What `wrapModelHandler` adds around each model. */
export interface ModelWrapper {
  /** Rewrites a batch's tensors by input name before the model runs (cast, reshape, normalise). */
  before?: (feeds: Readonly<Record<string, Tensor>>, model: FrameModel) => Record<string, Tensor>;
  /** Rewrites a batch's outputs (a threshold, a softmax, an added output). */
  after?: (outputs: ModelOutputs, model: FrameModel) => ModelOutputs;
  /** The inputs as callers feed them, when `before` changes them; default the model's. */
  inputs?: readonly TensorDescription[];
  /** The outputs as `after` returns them, when it changes them; default the model's. */
  outputs?: readonly TensorDescription[];
}

/** A model run through a wrapper; everything else is the inner model's. */
class WrappedModel implements FrameModel {
  readonly inputs: readonly TensorDescription[];
  readonly outputs: readonly TensorDescription[];

  constructor(
    private readonly inner: FrameModel,
    private readonly wrapper: ModelWrapper,
  ) {
    this.inputs = wrapper.inputs ?? inner.inputs;
    this.outputs = wrapper.outputs ?? inner.outputs;
  }

  get id(): string {
    return this.inner.id;
  }
  get frameInput(): string {
    return this.inner.frameInput;
  }
  get featureNames(): readonly string[] | undefined {
    return this.inner.featureNames;
  }
  get featureCount(): number | undefined {
    return this.inner.featureCount;
  }
  get nanPolicy(): FrameModel['nanPolicy'] {
    return this.inner.nanPolicy;
  }
  get byteSize(): number {
    return this.inner.byteSize;
  }
  get loadLatencyMs(): number {
    return this.inner.loadLatencyMs;
  }
  get tabular(): boolean {
    return this.inner.tabular !== false;
  }
  get constants(): Readonly<Record<string, Tensor>> {
    return this.inner.constants ?? {};
  }

  async run(frame: FrameLike, extra: Readonly<Record<string, ExtraInput>> = {}): Promise<ModelOutputs> {
    if (!this.wrapper.before) return this.#after(await this.inner.run(frame, extra));
    const feeds: Record<string, Tensor> = { [this.frameInput]: tensor('float32', frame.view.subarray(0, frame.rows * frame.cols), [frame.rows, frame.cols]) };
    for (const [name, t] of Object.entries(extra)) feeds[name] = isTensor(t) ? t : tensor('float32', t.data, t.dims);
    return this.runTensors(feeds);
  }

  async runTensors(feeds: Readonly<Record<string, Tensor>>): Promise<ModelOutputs> {
    if (!this.inner.runTensors) throw new TypeError(`model "${this.id}": the wrapped handler's models cannot run tensors (no runTensors)`);
    return this.#after(await this.inner.runTensors(this.wrapper.before ? this.wrapper.before(feeds, this.inner) : feeds));
  }

  #after(outputs: ModelOutputs): ModelOutputs {
    return this.wrapper.after ? this.wrapper.after(outputs, this.inner) : outputs;
  }

  release(): Promise<void> {
    return this.inner.release();
  }
}

/**
 * A handler whose models are `inner`'s with `before`/`after` around each batch.
 *
 * @example
 * const detector = wrapModelHandler(new OnnxModelHandler(), {
 *   after: (out) => ({ ...out, detected: tensor('bool', Array.from(out['53']!.data as Float32Array, (p) => p > 0.5), out['53']!.dims) }),
 * });
 */
export function wrapModelHandler<O, M extends FrameModel>(inner: ModelHandler<O, M>, wrapper: ModelWrapper): ModelHandler<O, FrameModel> {
  if (typeof inner?.load !== 'function') throw new TypeError('wrapModelHandler(inner, wrapper): inner must be a model handler (e.g. new OnnxModelHandler())');
  return { load: async (bytes, options) => new WrappedModel(await inner.load(bytes, options), wrapper) };
}
