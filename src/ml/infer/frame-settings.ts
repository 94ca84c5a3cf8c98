/**
 * How a frame feeds a model, worked out once at load from the model's inputs, outputs and
 * metadata and the caller's options: the input it feeds, expected feature names and count, the
 * NaN policy, and the outputs fetched. Shared by every `FrameModel` implementation.
 */
import { FEATURES_KEY } from '../onnx/builders/common.js';
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
}

/** What `frameSettings` works out. */
export interface FrameSettings {
  frameInput: string;
  featureNames: readonly string[] | undefined;
  featureCount: number | undefined;
  nanPolicy: NanPolicy;
  fetches: readonly string[];
  skippedOutputs: readonly string[];
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
  if (input.type !== 'float32') throw new RangeError(`model "${id}": input "${input.name}" is ${input.type}; frames feed float32 inputs only`);
  const shape = input.shape ?? [];
  if (shape.length !== 2) throw new RangeError(`model "${id}": input "${input.name}" has shape [${shape.join(', ')}]; a frame feeds a [rows, features] input`);
  const last = shape[1];
  const featureCount = typeof last === 'number' && last > 0 ? last : undefined;
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
  return { frameInput: input.name, featureNames, featureCount, nanPolicy, fetches, skippedOutputs };
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
