/**
 * The model-handler contract RunInference builds on (like Beam's ModelHandler): load bytes into a
 * model, describe its inputs/outputs, run one batch, release it. Frames are columnar
 * `Float32Array`s `[rows × cols]` with column names (`FrameLike`, from `kernels/`); the kernels'
 * `Frame` fits as is.
 */
import type { FrameLike } from '../../kernels/frame.js';
import type { Tensor, TensorType } from './tensor.js';
import type { NanPolicy } from './validate.js';

/** An input or output of a model. */
export interface TensorDescription {
  name: string;
  /** False for sequences and maps (e.g. ZipMap's output), which Runnel cannot read. */
  isTensor: boolean;
  /** Element type (tensors only), as onnxruntime names it. */
  type?: TensorType | (string & {});
  /** Dimensions: a size, a symbolic name such as `'N'`, or -1 when unnamed and unknown (tensors only; `[]` if the rank is unknown). */
  shape?: readonly (number | string)[];
}

/** A float32 tensor fed to an input other than the frame; `type` may be left out (a `Tensor` of any type fits too). */
export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** What `run` takes for inputs other than the frame's: a `Tensor`, or float32 data with dims. */
export type ExtraInput = Tensor | FloatTensor;

/** Outputs of one batch, by output name. */
export type ModelOutputs = Record<string, Tensor>;

/** A loaded model: runs batches until released. */
export interface LoadedModel {
  readonly id: string;
  readonly inputs: readonly TensorDescription[];
  readonly outputs: readonly TensorDescription[];
  /** Runs one batch; `extra` feeds inputs other than the frame's (RNN state, masks). */
  run(frame: FrameLike, extra?: Readonly<Record<string, ExtraInput>>): Promise<ModelOutputs>;
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
  /** False when the frame input is not a 2-D float32 `[rows, features]` tensor: feed such a model tensors (`runTensors`). Default true. */
  readonly tabular?: boolean;
  /** Inputs fed the same value on every run (given once at load, e.g. a sample rate). */
  readonly constants?: Readonly<Record<string, Tensor>>;
  /** Runs one batch of tensors by input name (constants are added); what N-D, typed and multi-input models need. */
  runTensors?(feeds: Readonly<Record<string, Tensor>>): Promise<ModelOutputs>;
}

/** Loads models from bytes (an ONNX blob from the registry, a file, a test builder). */
export interface ModelHandler<TOptions, TModel extends LoadedModel = LoadedModel> {
  load(bytes: Uint8Array, options?: TOptions): Promise<TModel>;
}
