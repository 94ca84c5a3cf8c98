/**
 * The ONNX model handler on onnxruntime-web: `load(bytes) → LoadedOnnxModel`, `run(frame)`,
 * `release()`. One shared runtime per process (imported lazily), one session per loaded model,
 * batches on one model run one at a time (an onnxruntime-web session is not re-entrant).
 */
import type * as Ort from 'onnxruntime-web';
import { RunnelError, messageOf } from '../../core/errors.js';
import { readModelInfo } from '../onnx/decode.js';
import { FEATURES_KEY } from '../onnx/builders/common.js';
import { LatencyWindow, type InferenceMetrics } from './metrics.js';
import { loadOnnxRuntime, type OrtModule } from './runtime.js';
import type { FloatTensor, FrameLike, FrameModel, ModelHandler, ModelOutputs, TensorDescription, TensorValue } from './types.js';
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

/** Options of one model. */
export interface OnnxModelOptions {
  /** Identifies the model in errors and metrics; default `onnx-<n>`. */
  id?: string;
  /** Input the frame feeds; default the model's first input. */
  input?: string;
  /** Expected frame columns, in order; default the model's `runnel.features` metadata; unchecked if neither. */
  featureNames?: readonly string[];
  /** NaN inputs: `'reject'` (default), `'pass'`, or `{ impute: [one value per feature] }`. */
  nan?: NanPolicy;
  /** Outputs to fetch; default every tensor output (non-tensor outputs such as ZipMap's cannot be read). */
  outputs?: readonly string[];
}

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
  private readonly latency = new LatencyWindow();
  private counts = { rows: 0, batches: 0, failed: 0 };
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
    const input = this.inputs.find((i) => i.name === (options.input ?? this.inputs[0]?.name));
    if (!input) throw new RangeError(`model "${id}": option input "${options.input}" is not an input; inputs: ${this.inputs.map((i) => i.name).join(', ')}`);
    if (input.type !== 'float32') throw new RangeError(`model "${id}": input "${input.name}" is ${input.type}; frames feed float32 inputs only`);
    const shape = input.shape ?? [];
    if (shape.length !== 2) throw new RangeError(`model "${id}": input "${input.name}" has shape [${shape.join(', ')}]; a frame feeds a [rows, features] input`);
    this.frameInput = input.name;
    const last = shape[1];
    this.featureCount = typeof last === 'number' && last > 0 ? last : undefined;
    this.featureNames = options.featureNames ?? parseFeatures(id, metadata[FEATURES_KEY]);
    if (this.featureNames && this.featureCount !== undefined && this.featureNames.length !== this.featureCount) {
      throw new RangeError(`model "${id}": ${this.featureNames.length} featureNames for input "${input.name}" of ${this.featureCount} features`);
    }
    this.nanPolicy = options.nan ?? 'reject';
    if (typeof this.nanPolicy === 'object') {
      const want = this.featureCount ?? this.featureNames?.length;
      if (want !== undefined && this.nanPolicy.impute.length !== want) throw new RangeError(`model "${id}": nan.impute has ${this.nanPolicy.impute.length} values for ${want} features`);
      if (this.nanPolicy.impute.some((v) => Number.isNaN(v))) throw new RangeError(`model "${id}": nan.impute values must not be NaN`);
    }
    this.skippedOutputs = this.outputs.filter((o) => !o.isTensor).map((o) => o.name);
    const tensorOutputs = this.outputs.filter((o) => o.isTensor).map((o) => o.name);
    for (const o of options.outputs ?? []) {
      if (!tensorOutputs.includes(o)) throw new RangeError(`model "${id}": option outputs names "${o}", which is not a tensor output; tensor outputs: ${tensorOutputs.join(', ')}`);
    }
    this.fetches = options.outputs ? [...options.outputs] : tensorOutputs;
    if (this.fetches.length === 0) throw new RangeError(`model "${id}": no tensor outputs to fetch (non-tensor outputs: ${this.skippedOutputs.join(', ')})`);
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
      this.counts.rows += frame.rows;
      this.counts.batches++;
      this.latency.record(this.now() - start);
      return out;
    } catch (err) {
      this.counts.failed++;
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
        throw new RunnelError('BAD_INPUT', `model "${this.id}": extra input "${name}" is not one of ${this.inputs.filter((i) => i.name !== this.frameInput).map((i) => `"${i.name}"`).join(', ') || '(none)'}`);
      }
      const count = t.dims.reduce((a, b) => a * b, 1);
      const shape = input.shape ?? [];
      const badDim = shape.length !== t.dims.length || shape.some((d, k) => typeof d === 'number' && d > 0 && d !== t.dims[k]);
      if (badDim || t.data.length !== count) {
        throw new RunnelError('BAD_INPUT', `model "${this.id}": extra input "${name}" has dims [${t.dims.join(', ')}] and ${t.data.length} values; the model expects [${shape.join(', ')}]`);
      }
      feeds[name] = new this.ort.Tensor('float32', t.data, [...t.dims]);
    }
    const missing = this.inputs.filter((i) => !(i.name in feeds)).map((i) => `"${i.name}" [${(i.shape ?? []).join(', ')}]`);
    if (missing.length > 0) throw new RunnelError('BAD_INPUT', `model "${this.id}": inputs ${missing.join(', ')} need values: pass them as run(frame, { name: { data, dims } })`);
    return feeds;
  }

  /** Inference metrics of this model. */
  metrics(): InferenceMetrics {
    return {
      numInferences: this.counts.rows,
      numBatches: this.counts.batches,
      failedBatches: this.counts.failed,
      batchLatencyP50Ms: this.latency.percentile(50),
      batchLatencyP99Ms: this.latency.percentile(99),
      loadLatencyMs: this.loadLatencyMs,
      modelByteSize: this.byteSize,
    };
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

function parseFeatures(id: string, json: string | undefined): string[] | undefined {
  if (json === undefined) return undefined;
  try {
    const names: unknown = JSON.parse(json);
    if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names;
  } catch {
    // fall through to the error below
  }
  throw new RangeError(`model "${id}": metadata ${FEATURES_KEY} must be a JSON array of strings, got ${json.slice(0, 80)}`);
}
