/**
 * The WASM fast path: linear, logistic and softmax regressions (`fast-linear.ts`) run on Runnel's own kernels (`gemm` in
 * assembly/linalg.ts) instead of an onnxruntime-web session, which saves the runtime's memory
 * (~64 MiB RSS for the first session) and its per-call overhead. Any other model goes to the
 * fallback handler (onnxruntime-web): a process whose models all take the fast path never loads
 * onnxruntime-web. Input checks and the NaN policy are the ONNX handler's.
 */
import { RunnelError, messageOf } from '../../common/errors.js';
import type { FrameLike } from '../../kernels/frame.js';
import { kernels as sharedKernels, type F32Block, type Kernels } from '../../kernels/index.js';
import { readModelInfo } from '../onnx/decode.js';
import { readGraph } from '../onnx/decode-graph.js';
import { matchLinear, type LinearPlan } from './fast-linear.js';
import { frameSettings, type FrameModelOptions } from './frame-settings.js';
import { ModelBatchStats, type InferenceMetrics } from './metrics.js';
import { tensor } from './tensor.js';
import type { ExtraInput, FrameModel, ModelHandler, ModelOutputs, TensorDescription } from './types.js';
import { applyNanPolicy, checkFrameColumns, type NanPolicy } from './validate.js';

/** Options of the fast-path handler. */
export interface FastPathHandlerOptions<M extends FrameModel> {
  /** Loads the models the fast path does not take (usually `new OnnxModelHandler()`); without one they are rejected. */
  fallback?: ModelHandler<FrameModelOptions, M>;
  /** Called with the reason whenever a model goes to the fallback. */
  onFallback?: (id: string, reason: string) => void;
  /** Kernels instance to run on; default the process-wide one. */
  kernels?: Kernels;
  /** Clock for latency metrics, ms; default `performance.now`. */
  now?: () => number;
}

let counter = 0;

/** Serves linear, logistic and softmax regressions in WASM and delegates the rest to `fallback`. */
export class FastPathModelHandler<M extends FrameModel = FrameModel> implements ModelHandler<FrameModelOptions, LoadedFastModel | M> {
  private readonly now: () => number;
  /** Models loaded on the fast path. */
  fastLoads = 0;
  /** Models handed to the fallback. */
  fallbackLoads = 0;
  /** Why the last model handed to the fallback did not take the fast path. */
  lastFallbackReason: string | undefined;

  readonly #kernels: Kernels;

  /** Loads the kernels now (the process-wide ones unless `options.kernels`), so a missing or bad kernels file fails here, at start, rather than at the first model load. */
  constructor(private readonly options: FastPathHandlerOptions<M> = {}) {
    this.now = options.now ?? (() => performance.now());
    this.#kernels = options.kernels ?? sharedKernels();
  }

  /** Why `bytes` cannot take the fast path, or undefined when it can. */
  unsupportedReason(bytes: Uint8Array): string | undefined {
    const m = match(bytes);
    return 'reason' in m ? m.reason : undefined;
  }

  /** Loads a linear, logistic or softmax regression into WASM, or any other model with the fallback (`MODEL_REJECTED` when there is none). */
  async load(bytes: Uint8Array, options: FrameModelOptions = {}): Promise<LoadedFastModel | M> {
    const id = options.id ?? `fast-${++counter}`;
    const start = this.now();
    const m = match(bytes);
    if ('reason' in m) {
      this.lastFallbackReason = m.reason;
      this.options.onFallback?.(id, m.reason);
      if (!this.options.fallback)
        throw new RunnelError('MODEL_REJECTED', `model "${id}" (${bytes.byteLength} bytes) rejected: not supported by the fast path (${m.reason}) and no fallback handler`);
      this.fallbackLoads++;
      return this.options.fallback.load(bytes, { ...options, id });
    }
    const model = new LoadedFastModel(m.plan, m.metadata, id, bytes.byteLength, options, this.#kernels, this.now, start);
    this.fastLoads++;
    return model;
  }
}

function match(bytes: Uint8Array): { plan: LinearPlan; metadata: Record<string, string> } | { reason: string } {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) return { reason: 'no bytes' };
  try {
    const metadata = readModelInfo(bytes).metadata;
    const m = matchLinear(readGraph(bytes));
    return 'plan' in m ? { plan: m.plan, metadata } : m;
  } catch (err) {
    return { reason: `the graph could not be read (${messageOf(err)})` };
  }
}

const dimOf = (d: number | string | null): number | string => d ?? -1;

/** A linear, logistic or softmax model evaluated in WASM; a `FrameModel` like `LoadedOnnxModel`. */
export class LoadedFastModel implements FrameModel {
  readonly inputs: readonly TensorDescription[];
  readonly outputs: readonly TensorDescription[];
  readonly frameInput: string;
  readonly featureNames: readonly string[] | undefined;
  readonly featureCount: number | undefined;
  readonly nanPolicy: NanPolicy;
  /** Outputs returned by each run. */
  readonly fetches: readonly string[];
  /** Time it took to read the model and copy its weights into WASM, ms. */
  readonly loadLatencyMs: number;
  private readonly scratch = { buffer: new Float32Array(0) };
  private readonly stats = new ModelBatchStats();
  private readonly weights: F32Block;
  private x: F32Block;
  private y: F32Block;
  private released = false;

  /** @internal Use `FastPathModelHandler.load`. */
  constructor(
    private readonly plan: LinearPlan,
    /** The model's metadata_props. */
    readonly metadata: Readonly<Record<string, string>>,
    readonly id: string,
    readonly byteSize: number,
    options: FrameModelOptions,
    private readonly kernels: Kernels,
    private readonly now: () => number,
    start: number,
  ) {
    const n = dimOf(plan.batchDim);
    this.inputs = [{ name: plan.input, isTensor: true, type: 'float32', shape: [n, plan.features] }];
    const head = plan.head;
    const classes = Math.max(2, plan.targets);
    this.outputs = plan.outputs.map((name): TensorDescription => {
      if (head.kind === 'regression') return { name, isTensor: true, type: 'float32', shape: [n, plan.targets] };
      return name === head.label ? { name, isTensor: true, type: 'int64', shape: [n] } : { name, isTensor: true, type: 'float32', shape: [n, classes] };
    });
    ({
      frameInput: this.frameInput,
      featureNames: this.featureNames,
      featureCount: this.featureCount,
      nanPolicy: this.nanPolicy,
      fetches: this.fetches,
    } = frameSettings(id, this.inputs, this.outputs, metadata, options));
    const arena = kernels.arena;
    this.weights = arena.f32Of(plan.weights);
    this.x = arena.allocF32(plan.features);
    this.y = arena.allocF32(plan.targets);
    this.loadLatencyMs = this.now() - start;
  }

  /** Runs one batch (synchronously, in WASM); the result's arrays are the caller's. */
  run(frame: FrameLike, extra: Readonly<Record<string, ExtraInput>> = {}): Promise<ModelOutputs> {
    if (this.released) return Promise.reject(new Error(`model "${this.id}" was released; load it again to run it`));
    const start = this.now();
    try {
      const extraNames = Object.keys(extra);
      if (extraNames.length > 0) throw new RunnelError('BAD_INPUT', `model "${this.id}": extra input "${extraNames[0]}" is not one of (none)`);
      const all = this.outputsOf(this.evaluate(frame), frame.rows);
      const out: ModelOutputs = {};
      for (const name of this.fetches) out[name] = all[name]!;
      this.stats.ran(frame.rows, this.now() - start);
      return Promise.resolve(out);
    } catch (err) {
      this.stats.fail();
      return Promise.reject(err);
    }
  }

  /** `((x - offset) / divisor) · W + b`: the scaler and bias in float32 like onnxruntime, the product by `gemm` (f64 sums). */
  private evaluate(frame: FrameLike): Float32Array {
    checkFrameColumns(this.id, this.frameInput, this.featureNames, this.featureCount, frame);
    const data = applyNanPolicy(this.id, frame, this.nanPolicy, this.scratch);
    const { features: f, targets: t, scaler, bias } = this.plan;
    const rows = frame.rows;
    const arena = this.kernels.arena;
    if (this.x.length < rows * f) {
      arena.free(this.x);
      arena.free(this.y);
      this.x = arena.allocF32(rows * f);
      this.y = arena.allocF32(rows * t);
    }
    const x = this.x.view;
    if (scaler) {
      const { offset, divisor } = scaler;
      for (let i = 0, n = rows * f; i < n; i++) x[i] = Math.fround(data[i]! - offset[i % f]!) / divisor[i % f]!;
    } else x.set(data);
    this.kernels.exports.gemm(this.x.ptr, this.weights.ptr, this.y.ptr, rows, f, t);
    const y = this.y.view;
    const out = new Float32Array(rows * t);
    for (let i = 0; i < out.length; i++) {
      const v = y[i]! + bias[i % t]!;
      out[i] = v === v ? v : NaN; // JavaScript's NaN: the CPU's own (Inf − Inf) has other bits on x64 than on arm64
    }
    return out;
  }

  /** The head's outputs from the logits `z` `[rows × targets]`: probabilities and labels rounded to float32 like onnxruntime's. */
  private outputsOf(z: Float32Array, rows: number): ModelOutputs {
    const { head, targets: t } = this.plan;
    if (head.kind === 'regression') return { [head.output]: tensor('float32', z, [rows, t]) };
    const classes = Math.max(2, t);
    const p = this.probabilities(z, rows, classes);
    const labels = new BigInt64Array(rows);
    // int64 labels copied as pairs of 32-bit words: no BigInt per row
    const words = new Int32Array(labels.buffer);
    const labelWords = new Int32Array((head.classLabels ?? BigInt64Array.from({ length: classes }, (_, k) => BigInt(k))).buffer);
    for (let r = 0; r < rows; r++) {
      const row = r * classes;
      let best = 0;
      for (let k = 1; k < classes; k++) if (p[row + k]! > p[row + best]!) best = k;
      words[2 * r] = labelWords[2 * best]!;
      words[2 * r + 1] = labelWords[2 * best + 1]!;
    }
    return { [head.probabilities]: tensor('float32', p, [rows, classes]), [head.label]: tensor('int64', labels, [rows]) };
  }

  /**
   * `[rows × classes]` float32 probabilities of the logits: σ by the `sigmoidPairs` kernel (the
   * negative class as 1 − p in float32, as onnxruntime does), softmax by `softmaxRows`. Their exp is
   * AssemblyScript's, so a model gives the same bits on every CPU (V8's Math.exp differs by an ulp on arm64).
   */
  private probabilities(z: Float32Array, rows: number, classes: number): Float32Array {
    const { exports: k, arena } = this.kernels;
    const sigmoid = this.plan.head.kind === 'sigmoid';
    const scores = arena.f64Of(z);
    const out = sigmoid ? arena.allocF64(rows * 2) : scores;
    try {
      if (sigmoid) k.sigmoidPairs(scores.ptr, rows, out.ptr);
      else k.softmaxRows(scores.ptr, rows, classes);
      const p = Float32Array.from(out.view);
      if (sigmoid) for (let r = 0; r < rows; r++) p[2 * r] = 1 - p[2 * r + 1]!;
      return p;
    } finally {
      arena.free(scores);
      if (out !== scores) arena.free(out);
    }
  }

  /** Inference metrics of this model. */
  metrics(): InferenceMetrics {
    return this.stats.metrics(this.loadLatencyMs, this.byteSize);
  }

  /** Whether `release()` was called. */
  get isReleased(): boolean {
    return this.released;
  }

  /** Frees the model's WASM memory; idempotent. */
  release(): Promise<void> {
    if (!this.released) {
      this.released = true;
      for (const block of [this.weights, this.x, this.y]) this.kernels.arena.free(block);
    }
    return Promise.resolve();
  }
}
