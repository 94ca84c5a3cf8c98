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
import type { FloatTensor, FrameModel, ModelHandler, ModelOutputs, TensorDescription, TensorValue } from './types.js';
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
    } = frameSettings(id, this.inputs, this.outputs, metadata, options));
  }

  /**
   * Runs one batch: `frame` feeds `frameInput`, `extra` the other inputs. Batches run one at a
   * time, so the frame is read when its turn comes: keep it unchanged until the promise settles.
   */
  run(frame: FrameLike, extra: Readonly<Record<string, FloatTensor>> = {}): Promise<ModelOutputs> {
    if (this.released) return Promise.reject(new Error(`model "${this.id}" was released; load it again to run it`));
    const result = this.queue.then(() => this.runNow(frame, extra));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(frame: FrameLike, extra: Readonly<Record<string, FloatTensor>>): Promise<ModelOutputs> {
    const start = this.now();
    try {
      const feeds = this.feeds(frame, extra);
      let results: Ort.InferenceSession.ReturnType;
      try {
        results = await this.session.run(feeds, this.fetches as string[]);
      } catch (err) {
        throw new RunnelError('BAD_INPUT', `model "${this.id}": onnxruntime-web failed on a batch of ${frame.rows} rows: ${messageOf(err)}`, { cause: err });
      }
      const out: ModelOutputs = {};
      for (const name of this.fetches) {
        const t = results[name]!;
        out[name] = { data: t.data as TensorValue['data'], dims: t.dims };
      }
      this.stats.ran(frame.rows, this.now() - start);
      return out;
    } catch (err) {
      this.stats.fail();
      throw err;
    }
  }

  private feeds(frame: FrameLike, extra: Readonly<Record<string, FloatTensor>>): Record<string, Ort.Tensor> {
    checkFrameColumns(this.id, this.frameInput, this.featureNames, this.featureCount, frame);
    const data = applyNanPolicy(this.id, frame, this.nanPolicy, this.scratch);
    const feeds: Record<string, Ort.Tensor> = { [this.frameInput]: new this.ort.Tensor('float32', data, [frame.rows, frame.cols]) };
    for (const [name, t] of Object.entries(extra)) {
      const input = this.inputs.find((i) => i.name === name);
      if (!input || name === this.frameInput) {
        throw new RunnelError(
          'BAD_INPUT',
          `model "${this.id}": extra input "${name}" is not one of ${
            this.inputs
              .filter((i) => i.name !== this.frameInput)
              .map((i) => `"${i.name}"`)
              .join(', ') || '(none)'
          }`,
        );
      }
      const count = t.dims.reduce((a, b) => a * b, 1);
      const shape = input.shape ?? [];
      const badDim = shape.length !== t.dims.length || shape.some((d, k) => typeof d === 'number' && d > 0 && d !== t.dims[k]);
      if (badDim || t.data.length !== count) {
        throw new RunnelError(
          'BAD_INPUT',
          `model "${this.id}": extra input "${name}" has dims [${t.dims.join(', ')}] and ${t.data.length} values; the model expects [${shape.join(', ')}]`,
        );
      }
      feeds[name] = new this.ort.Tensor('float32', t.data, [...t.dims]);
    }
    const missing = this.inputs.filter((i) => !(i.name in feeds)).map((i) => `"${i.name}" [${(i.shape ?? []).join(', ')}]`);
    if (missing.length > 0) throw new RunnelError('BAD_INPUT', `model "${this.id}": inputs ${missing.join(', ')} need values: pass them as run(frame, { name: { data, dims } })`);
    return feeds;
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
