/**
 * The ONNX model handler on onnxruntime-web: `load(bytes) → LoadedOnnxModel`, `run(frame)`,
 * `release()`. One shared runtime per process (imported lazily), one session per loaded model,
 * batches on one model run one at a time (an onnxruntime-web session is not re-entrant).
 */
import type * as Ort from 'onnxruntime-web';
import { RunnelError, messageOf } from '../../common/errors.js';
import type { FrameLike } from '../../kernels/frame.js';
import { readModelInfo } from '../onnx/decode.js';
import { frameSettings, type FrameModelOptions } from './frame-settings.js';
import { ModelBatchStats, type InferenceMetrics } from './metrics.js';
import { loadOnnxRuntime, type OrtModule } from './runtime.js';
import { isTensor, sizeOf, tensor, type Tensor, type TensorType } from './tensor.js';
import type { ExtraInput, FrameModel, ModelHandler, ModelOutputs, TensorDescription } from './types.js';
import { applyNanPolicy, checkFrameColumns, type NanPolicy } from './validate.js';

/** Options of the handler (the runtime). */
export interface OnnxHandlerOptions {
  /** WASM threads of the shared runtime; default 1. Fixed by the first model loaded in the process. */
  numThreads?: number;
  /** onnxruntime graph optimisation; default `'all'`. */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /** Clock for latency metrics, ms; default `performance.now`. */
  now?: () => number;
}

/** Options of one model (`id` defaults to `onnx-<n>`). */
export type OnnxModelOptions = FrameModelOptions;

let counter = 0;

/** Loads ONNX models into onnxruntime-web sessions. */
export class OnnxModelHandler implements ModelHandler<OnnxModelOptions, LoadedOnnxModel> {
  private readonly numThreads: number;
  private readonly sessionOptions: Ort.InferenceSession.SessionOptions;
  private readonly now: () => number;
  /** Loads that failed (corrupt, unsupported or misconfigured models). */
  failedLoads = 0;

  constructor(options: OnnxHandlerOptions = {}) {
    this.numThreads = options.numThreads ?? 1;
    if (!Number.isInteger(this.numThreads) || this.numThreads < 1) throw new RangeError(`OnnxModelHandler: numThreads must be a positive integer, got ${options.numThreads}`);
    this.sessionOptions = { executionProviders: ['wasm'], graphOptimizationLevel: options.graphOptimizationLevel ?? 'all' };
    this.now = options.now ?? (() => performance.now());
  }

  /** Creates a session from ONNX bytes; a corrupt or unsupported model is a `MODEL_REJECTED` error. */
  async load(bytes: Uint8Array, options: OnnxModelOptions = {}): Promise<LoadedOnnxModel> {
    const id = options.id ?? `onnx-${++counter}`;
    const reject = (why: string, cause?: unknown): RunnelError => {
      this.failedLoads++;
      return new RunnelError('MODEL_REJECTED', `model "${id}" (${bytes.byteLength} bytes) rejected: ${why}`, { cause });
    };
    if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) throw reject('no bytes');
    let metadata: Record<string, string>;
    try {
      const info = readModelInfo(bytes);
      if (!info.hasGraph) throw new RangeError('no graph in the ModelProto');
      metadata = info.metadata;
    } catch (err) {
      throw reject(`not an ONNX model (${messageOf(err)})`, err);
    }
    const ort = await loadOnnxRuntime(this.numThreads);
    const start = this.now();
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, { ...this.sessionOptions }); // a copy: onnxruntime-web writes into the options object
    } catch (err) {
      throw reject(`onnxruntime-web could not create a session: ${messageOf(err)}`, err);
    }
    const loadLatencyMs = this.now() - start;
    try {
      return new LoadedOnnxModel(ort, session, id, bytes.byteLength, loadLatencyMs, metadata, options, this.now);
    } catch (err) {
      await session.release();
      this.failedLoads++;
      throw err;
    }
  }
}

/**
 * onnxruntime-web 1.30 reports an unknown dimension (no dim_value, no dim_param, e.g. skl2onnx's
 * `None`) as 4294967295, an int64 -1 read as uint32; Runnel reports it as -1.
 */
function dimOf(d: number | string): number | string {
  return typeof d === 'number' && (d < 0 || d >= 2 ** 31) ? -1 : d;
}

function describe(m: Ort.InferenceSession.ValueMetadata): TensorDescription {
  return m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: m.shape.map(dimOf) } : { name: m.name, isTensor: false };
}

/**
 * Float data with every NaN replaced by JavaScript's NaN (0x7fc00000 as f32, 0x7ff8… as f64), in
 * place. onnxruntime-web computes NaNs whose sign and payload depend on the CPU (negative on x64,
 * positive on arm64): outputs handed on this way have the same bits everywhere.
 */
function canonicalNaNs(data: Tensor['data']): Tensor['data'] {
  if (data instanceof Float32Array || data instanceof Float64Array) {
    for (let i = 0; i < data.length; i++) if (data[i] !== data[i]) data[i] = NaN;
  }
  return data;
}

/** A model with a live onnxruntime-web session. */
export class LoadedOnnxModel implements FrameModel {
  readonly inputs: readonly TensorDescription[];
  readonly outputs: readonly TensorDescription[];
  /** Name of the input the frame feeds. */
  readonly frameInput: string;
  /** Expected frame columns, when known. */
  readonly featureNames: readonly string[] | undefined;
  /** Outputs fetched on each run. */
  readonly fetches: readonly string[];
  /** Non-tensor outputs (e.g. ZipMap's sequence of maps) that are not fetched. */
  readonly skippedOutputs: readonly string[];
  /** Columns the frame input takes, when the model fixes it. */
  readonly featureCount: number | undefined;
  /** What happens to NaN inputs. */
  readonly nanPolicy: NanPolicy;
  /** Whether frames can feed it (its frame input is 2-D float32); otherwise use `runTensors`. */
  readonly tabular: boolean;
  /** Inputs fed the same tensor on every run. */
  readonly constants: Readonly<Record<string, Tensor>>;
  private readonly scratch = { buffer: new Float32Array(0) };
  private readonly stats = new ModelBatchStats();
  private queue: Promise<unknown> = Promise.resolve();
  private released = false;

  /** @internal Use `OnnxModelHandler.load`. */
  constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    readonly id: string,
    readonly byteSize: number,
    readonly loadLatencyMs: number,
    /** The model's metadata_props. */
    readonly metadata: Readonly<Record<string, string>>,
    options: OnnxModelOptions,
    private readonly now: () => number,
  ) {
    this.inputs = session.inputMetadata.map(describe);
    this.outputs = session.outputMetadata.map(describe);
    ({
      frameInput: this.frameInput,
      featureNames: this.featureNames,
      featureCount: this.featureCount,
      nanPolicy: this.nanPolicy,
      fetches: this.fetches,
      skippedOutputs: this.skippedOutputs,
      tabular: this.tabular,
      constants: this.constants,
    } = frameSettings(id, this.inputs, this.outputs, metadata, options));
  }

  /**
   * Runs one batch: `frame` feeds `frameInput`, `extra` the other inputs (constants are added).
   * Batches run one at a time, so the frame is read when its turn comes: keep it unchanged until
   * the promise settles.
   */
  run(frame: FrameLike, extra: Readonly<Record<string, ExtraInput>> = {}): Promise<ModelOutputs> {
    return this.enqueue(frame.rows, () => {
      if (!this.tabular) {
        const input = this.inputs.find((i) => i.name === this.frameInput)!;
        throw new RunnelError(
          'BAD_INPUT',
          `model "${this.id}": input "${input.name}" is ${input.type} [${(input.shape ?? []).join(', ')}], not a [rows, features] float32 frame; feed it tensors with runTensors`,
        );
      }
      checkFrameColumns(this.id, this.frameInput, this.featureNames, this.featureCount, frame);
      const data = applyNanPolicy(this.id, frame, this.nanPolicy, this.scratch);
      const feeds: Record<string, Ort.Tensor> = { [this.frameInput]: new this.ort.Tensor('float32', data, [frame.rows, frame.cols]) };
      for (const [name, t] of Object.entries(extra)) {
        if (name === this.frameInput || !this.inputs.some((i) => i.name === name)) {
          const others = this.inputs.filter((i) => i.name !== this.frameInput).map((i) => `"${i.name}"`);
          throw new RunnelError('BAD_INPUT', `model "${this.id}": extra input "${name}" is not one of ${others.join(', ') || '(none)'}`);
        }
        feeds[name] = this.toOrt(name, t);
      }
      return feeds;
    });
  }

  /**
   * Runs one batch of tensors by input name; `constants` fill the inputs not given. Checks each
   * tensor against the input's type and fixed dims (a `BAD_INPUT` error names the mismatch).
   */
  runTensors(feeds: Readonly<Record<string, Tensor>>): Promise<ModelOutputs> {
    const first = this.inputs[0] && feeds[this.inputs[0].name];
    return this.enqueue(first?.dims[0] ?? 1, () => {
      const out: Record<string, Ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) {
        if (!this.inputs.some((i) => i.name === name))
          throw new RunnelError('BAD_INPUT', `model "${this.id}": "${name}" is not an input; inputs: ${this.inputs.map((i) => i.name).join(', ')}`);
        out[name] = this.toOrt(name, t);
      }
      return out;
    });
  }

  private enqueue(rows: number, feeds: () => Record<string, Ort.Tensor>): Promise<ModelOutputs> {
    if (this.released) return Promise.reject(new Error(`model "${this.id}" was released; load it again to run it`));
    const result = this.queue.then(() => this.runNow(rows, feeds));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(rows: number, build: () => Record<string, Ort.Tensor>): Promise<ModelOutputs> {
    const start = this.now();
    try {
      const feeds = build();
      for (const [name, t] of Object.entries(this.constants)) if (!(name in feeds)) feeds[name] = this.toOrt(name, t);
      const missing = this.inputs.filter((i) => !(i.name in feeds)).map((i) => `"${i.name}" ${i.type} [${(i.shape ?? []).join(', ')}]`);
      if (missing.length > 0) {
        throw new RunnelError(
          'BAD_INPUT',
          `model "${this.id}": inputs ${missing.join(', ')} need values: pass them as run(frame, { name: tensor }), or as the load option constants when they never change`,
        );
      }
      let results: Ort.InferenceSession.ReturnType;
      try {
        results = await this.session.run(feeds, this.fetches as string[]);
      } catch (err) {
        throw new RunnelError('BAD_INPUT', `model "${this.id}": onnxruntime-web failed on a batch of ${rows} rows: ${messageOf(err)}`, { cause: err });
      }
      const out: ModelOutputs = {};
      for (const name of this.fetches) {
        const t = results[name]!;
        out[name] = tensor(t.type as TensorType, canonicalNaNs(t.data as Tensor['data']), t.dims);
      }
      this.stats.ran(rows, this.now() - start);
      return out;
    } catch (err) {
      this.stats.fail();
      throw err;
    }
  }

  /** One input's tensor for onnxruntime, checked against the input's type and fixed dims. */
  private toOrt(name: string, t: ExtraInput): Ort.Tensor {
    const input = this.inputs.find((i) => i.name === name)!;
    const type = isTensor(t) ? t.type : 'float32';
    const shape = input.shape ?? [];
    const badDim = shape.length !== t.dims.length || shape.some((d, k) => typeof d === 'number' && d > 0 && d !== t.dims[k]);
    if (badDim || t.data.length !== sizeOf(t.dims) || type !== input.type || (type !== 'string' && type !== 'int64' && t.data instanceof BigInt64Array)) {
      throw new RunnelError(
        'BAD_INPUT',
        `model "${this.id}": input "${name}" got ${type} [${t.dims.join(', ')}] with ${t.data.length} values; the model expects ${input.type} [${shape.join(', ')}]` +
          (type !== input.type ? ` (make it with tensor('${input.type}', data, dims))` : ''),
      );
    }
    return new this.ort.Tensor(type as 'float32', t.data as Float32Array, [...t.dims]);
  }

  /** Inference metrics of this model. */
  metrics(): InferenceMetrics {
    return this.stats.metrics(this.loadLatencyMs, this.byteSize);
  }

  /** Whether `release()` was called. */
  get isReleased(): boolean {
    return this.released;
  }

  /** Frees the session after in-flight batches finish; idempotent. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.queue;
    await this.session.release();
  }
}
