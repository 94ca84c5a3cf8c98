/**
 * How a frame feeds a model, worked out once at load from the model's inputs, outputs and
 * metadata and the caller's options: the input it feeds, expected feature names and count, the
 * NaN policy, and the outputs fetched. Shared by every `FrameModel` implementation.
 */
import { FEATURES_KEY } from '../onnx/builders/common.js';
import { isTensor, type Tensor } from './tensor.js';
import type { TensorDescription } from './types.js';
import type { NanPolicy } from './validate.js';

/** Per-model options every frame-fed model takes. */
export interface FrameModelOptions {
  /** Identifies the model in errors and metrics. */
  id?: string;
  /** Input the frame feeds; default the model's first input. */
  input?: string;
  /** Expected frame columns, in order; default the model's `runnel.features` metadata; unchecked if neither. */
  featureNames?: readonly string[];
  /** NaN inputs: `'reject'` (default), `'pass'`, or `{ impute: [one value per feature] }`. */
  nan?: NanPolicy;
  /** Outputs to fetch; default every tensor output (non-tensor outputs such as ZipMap's cannot be read). */
  outputs?: readonly string[];
  /** Inputs fed the same tensor on every run, e.g. `{ sr: int64(16000) }`. */
  constants?: Readonly<Record<string, Tensor>>;
}

/** What `frameSettings` works out. */
export interface FrameSettings {
  frameInput: string;
  featureNames: readonly string[] | undefined;
  featureCount: number | undefined;
  nanPolicy: NanPolicy;
  fetches: readonly string[];
  skippedOutputs: readonly string[];
  /** Whether the frame input is a 2-D float32 `[rows, features]` tensor a frame can feed. */
  tabular: boolean;
  constants: Readonly<Record<string, Tensor>>;
}

/** Checks the options against the model; throws `RangeError` naming the mismatch. */
export function frameSettings(
  id: string,
  inputs: readonly TensorDescription[],
  outputs: readonly TensorDescription[],
  metadata: Readonly<Record<string, string>>,
  options: FrameModelOptions,
): FrameSettings {
  const input = inputs.find((i) => i.name === (options.input ?? inputs[0]?.name));
  if (!input) throw new RangeError(`model "${id}": option input "${options.input}" is not an input; inputs: ${inputs.map((i) => i.name).join(', ')}`);
  const constants = checkConstants(id, inputs, options.constants ?? {});
  if (input.name in constants) throw new RangeError(`model "${id}": input "${input.name}" is given as a constant and as the frame input; pick another option input`);
  const shape = input.shape ?? [];
  const tabular = input.type === 'float32' && shape.length === 2;
  const last = shape[1];
  const featureCount = tabular && typeof last === 'number' && last > 0 ? last : undefined;
  const featureNames = options.featureNames ?? parseFeatures(id, metadata[FEATURES_KEY]);
  if (featureNames && featureCount !== undefined && featureNames.length !== featureCount) {
    throw new RangeError(`model "${id}": ${featureNames.length} featureNames for input "${input.name}" of ${featureCount} features`);
  }
  const nanPolicy = options.nan ?? 'reject';
  if (typeof nanPolicy === 'object') {
    const want = featureCount ?? featureNames?.length;
    if (want !== undefined && nanPolicy.impute.length !== want) throw new RangeError(`model "${id}": nan.impute has ${nanPolicy.impute.length} values for ${want} features`);
    if (nanPolicy.impute.some((v) => Number.isNaN(v))) throw new RangeError(`model "${id}": nan.impute values must not be NaN`);
  }
  const skippedOutputs = outputs.filter((o) => !o.isTensor).map((o) => o.name);
  const tensorOutputs = outputs.filter((o) => o.isTensor).map((o) => o.name);
  for (const o of options.outputs ?? []) {
    if (!tensorOutputs.includes(o)) throw new RangeError(`model "${id}": option outputs names "${o}", which is not a tensor output; tensor outputs: ${tensorOutputs.join(', ')}`);
  }
  const fetches = options.outputs ? [...options.outputs] : tensorOutputs;
  if (fetches.length === 0) throw new RangeError(`model "${id}": no tensor outputs to fetch (non-tensor outputs: ${skippedOutputs.join(', ')})`);
  return { frameInput: input.name, featureNames, featureCount, nanPolicy, fetches, skippedOutputs, tabular, constants };
}

/** Checks each constant names an input and fits its type and fixed dims. */
function checkConstants(id: string, inputs: readonly TensorDescription[], constants: Readonly<Record<string, Tensor>>): Readonly<Record<string, Tensor>> {
  for (const [name, value] of Object.entries(constants)) {
    const input = inputs.find((i) => i.name === name);
    if (!input) throw new RangeError(`model "${id}": option constants names "${name}", which is not an input; inputs: ${inputs.map((i) => i.name).join(', ')}`);
    if (!isTensor(value)) throw new RangeError(`model "${id}": constant "${name}" must be a tensor, e.g. int64(16000) or tensor('float32', data, dims)`);
    const shape = input.shape ?? [];
    const fits =
      value.type === input.type && (shape.length === 0 || (shape.length === value.dims.length && shape.every((d, k) => typeof d !== 'number' || d < 0 || d === value.dims[k])));
    if (!fits) throw new RangeError(`model "${id}": constant "${name}" is ${value.type} [${value.dims.join(', ')}]; the input is ${input.type} [${shape.join(', ')}]`);
  }
  return constants;
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
