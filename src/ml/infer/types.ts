/**
 * The model-handler contract RunInference builds on (like Beam's ModelHandler): load bytes into a
 * model, describe its inputs/outputs, run one batch, release it. Frames are columnar
 * `Float32Array`s `[rows × cols]` with column names (`FrameLike`, from `kernels/`); the kernels'
 * `Frame` fits as is.
 */
import type { FrameLike } from '../../kernels/frame.js';
import type { NanPolicy } from './validate.js';

/** Element types a tensor may have, as onnxruntime names them. */
export type TensorType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool' | 'string' | (string & {});

/** An input or output of a model. */
export interface TensorDescription {
  name: string;
  /** False for sequences and maps (e.g. ZipMap's output), which Runnel cannot read. */
  isTensor: boolean;
  /** Element type (tensors only). */
  type?: TensorType;
  /** Dimensions: a size, a symbolic name such as `'N'`, or -1 when unnamed and unknown (tensors only; `[]` if the rank is unknown). */
  shape?: readonly (number | string)[];
}

/** A tensor given to or returned by a model. */
export interface TensorValue {
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | string[];
  dims: readonly number[];
}

/** A float32 tensor fed to a model input other than the frame (e.g. an RNN state). */
export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** Outputs of one batch, by output name. */
export type ModelOutputs = Record<string, TensorValue>;

/** A loaded model: runs batches until released. */
export interface LoadedModel {
  readonly id: string;
  readonly inputs: readonly TensorDescription[];
  readonly outputs: readonly TensorDescription[];
  /** Runs one batch; `extra` feeds inputs other than the frame's (RNN state, masks). */
  run(frame: FrameLike, extra?: Readonly<Record<string, FloatTensor>>): Promise<ModelOutputs>;
  /** Frees the session once in-flight batches finish; later runs fail. */
  release(): Promise<void>;
}

/** A model fed by frames, described well enough for RunInference to build and check batches. */
export interface FrameModel extends LoadedModel {
  /** Name of the input the frame feeds. */
  readonly frameInput: string;
  /** Expected frame columns, in order, when known. */
  readonly featureNames: readonly string[] | undefined;
  /** Columns the frame input takes, when the model fixes it. */
  readonly featureCount: number | undefined;
  /** What happens to NaN inputs. */
  readonly nanPolicy: NanPolicy;
  /** Size of the model blob. */
  readonly byteSize: number;
  /** Time it took to load, ms. */
  readonly loadLatencyMs: number;
}

/** Loads models from bytes (an ONNX blob from the registry, a file, a test builder). */
export interface ModelHandler<TOptions, TModel extends LoadedModel = LoadedModel> {
  load(bytes: Uint8Array, options?: TOptions): Promise<TModel>;
}
