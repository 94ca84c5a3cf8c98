import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { messageOf } from '../../common/errors.js';
import { kv, type KV } from '../../core/element.js';
import { OnnxModelHandler, type LoadedOnnxModel, type OnnxModelOptions } from '../../ml/infer/onnx-handler.js';
import { inferenceValues, type PredictionResult } from '../../ml/infer/prediction.js';
import { runInference } from '../../ml/infer/run-inference.js';
import type { FrameModelOptions } from '../../ml/infer/frame-settings.js';
import { servedModel, type ServedModel } from '../../ml/infer/served-model.js';
import type { FrameModel } from '../../ml/infer/types.js';
import { FEATURES_KEY } from '../../ml/onnx/builders/common.js';
import { readModelInfo } from '../../ml/onnx/decode.js';
import { readGraph } from '../../ml/onnx/decode-graph.js';
import type { GraphSpec } from '../../ml/onnx/encode.js';
import { describe, type ConfigReader } from '../config.js';
import type { Row } from '../expressions.js';
import type { PipelineModel } from '../runnel-models.js';
import { configOf, FIELD_NAMES, NAME, type JsonSchema } from '../schema/parts.js';
import { MODEL_REGISTRY, registryModel } from './model-registry.js';
import type { YamlTransform } from './yaml-transform.js';

/** The handler type Runnel runs. */
const ONNX = 'OnnxModelHandler';
/** The handler of a model the pipeline trains (`options.runnel_models`): its champion serves. */
const RUNNEL = 'RunnelModel';

const EXPORT_HINT = `export the model to ONNX (docs/inference.md, "Exporting a real model for Runnel") and write model_handler: { type: ${ONNX}, config: { model_uri: model.onnx } }`;

/** Beam's model handlers, and why Runnel cannot run them. */
const BEAM_HANDLERS: Readonly<Record<string, string>> = {
  VertexAIModelHandlerJSON: 'sends each row to a model served on Vertex AI, and Runnel runs its models on the device without a cloud endpoint',
  HuggingFacePipelineModelHandler: 'runs a Hugging Face pipeline in Python, and Runnel runs no Python (optimum-cli export onnx makes an ONNX file of most of them)',
  PytorchModelHandlerTensor: 'loads a PyTorch model in Python, and Runnel runs no Python (torch.onnx.export makes an ONNX file of it)',
  PytorchModelHandlerKeyedTensor: 'loads a PyTorch model in Python, and Runnel runs no Python (torch.onnx.export makes an ONNX file of it)',
  SklearnModelHandlerNumpy: 'unpickles a scikit-learn model in Python, and Runnel runs no Python (skl2onnx makes an ONNX file of it)',
  SklearnModelHandlerPandas: 'unpickles a scikit-learn model in Python, and Runnel runs no Python (skl2onnx makes an ONNX file of it)',
  TFModelHandlerNumpy: 'loads a TensorFlow model in Python, and Runnel runs no Python (tf2onnx makes an ONNX file of it)',
  TFModelHandlerTensor: 'loads a TensorFlow model in Python, and Runnel runs no Python (tf2onnx makes an ONNX file of it)',
  OnnxModelHandlerNumpy: "is Beam's Python ONNX handler; Runnel's own is OnnxModelHandler, which reads rows by field name",
};

const MAX_BATCH_SIZE: JsonSchema = { type: 'integer', minimum: 1, expected: 'a positive whole number' };

/** `config:` of Runnel's handler; the handler types Beam has are refused in `build`, with how to export their models. */
const MODEL_HANDLER: JsonSchema = {
  ...configOf({ type: NAME, config: { type: 'object', expected: 'a mapping' } }, ['type']),
  if: { properties: { type: { const: ONNX } } },
  then: {
    properties: {
      config: configOf({
        model_uri: NAME,
        model_registry: MODEL_REGISTRY,
        features: FIELD_NAMES,
        outputs: FIELD_NAMES,
        nan: { enum: ['reject', 'pass'], expected: 'reject (a row with a NaN or null feature is a dead letter) or pass' },
        max_batch_size: MAX_BATCH_SIZE,
      }),
    },
    required: ['config'],
  },
  else: {
    if: { properties: { type: { const: RUNNEL } } },
    then: { properties: { config: configOf({ model: NAME, max_batch_size: MAX_BATCH_SIZE }, ['model']) }, required: ['config'] },
  },
};

/**
 * `RunInference` (Beam's YAML form: `config: { model_handler: { type, config }, inference_tag }`)
 * with Runnel's `OnnxModelHandler`: `model_uri` is an ONNX file (relative to the pipeline file),
 * or `model_registry` a registry folder to pull the newest good version from (`model-registry.ts`),
 * `features` the row fields fed to the model's `[rows, features]` float input in that order
 * (default: the model's `runnel.features` metadata), `outputs` the outputs fetched (default all),
 * `nan` what a NaN or null feature does (`reject`: a dead letter; `pass`), `max_batch_size`.
 * Each row comes out with its fields and, under `inference_tag` (default `inference`), Beam's
 * PredictionResult `{ example, inference, model_id }`: `inference` is the one output's values (a
 * number when it has one) or, with several outputs, a mapping from output name to values. Rows run
 * in batches per bundle through onnxruntime-web, as `runInference` runs them. With
 * `type: RunnelModel, config: { model }` the champion of a model the pipeline trains
 * (`options.runnel_models`, see runnel-models.ts) serves, each promotion from the next bundle.
 */
export const RunInference: YamlTransform = {
  kind: 'step',
  configSchema: configOf({ model_handler: MODEL_HANDLER, inference_tag: NAME }, ['model_handler']),
  build(input, { config, pipelineDir, models, onInference }) {
    const tag = config.has('inference_tag') ? config.string('inference_tag') : 'inference';
    const spec = config.child('model_handler');
    const type = spec.string('type');
    if (type !== ONNX && type !== RUNNEL) {
      const why = BEAM_HANDLERS[type];
      throw spec.error(
        'type',
        why
          ? `${type} ${why}: ${EXPORT_HINT}`
          : `unknown model handler type ${describe(type)}; Runnel runs ${ONNX} (a model file) and ${RUNNEL} (a model the pipeline trains, declared under options.runnel_models): ${EXPORT_HINT}`,
      );
    }
    const handler = spec.child('config');
    const outputs = handler.has('outputs') ? handler.names('outputs') : undefined;
    const options: OnnxModelOptions = { nan: (handler.raw('nan') as 'reject' | 'pass' | undefined) ?? 'reject', ...(outputs ? { outputs } : {}) };
    const maxBatchSize = (handler.raw('max_batch_size') as number | undefined) ?? 1024;
    const { features, served } = type === RUNNEL ? trainedModel(handler, models) : modelOf(handler, pipelineDir, options);
    onInference?.(served.metrics);
    return input
      .map((row: Row) => kv(row, exampleOf(row, features)), 'example')
      .apply(runInference<Row, number[]>(served, { keyed: true, maxBatchSize }))
      .map(({ key, value }: KV<Row, PredictionResult<number[]>>): Row => ({ ...key, [tag]: predictionRow(value) }), 'prediction');
  },
};

/** The served champion of the model `model` names (declared under `options.runnel_models`), and its features. */
function trainedModel(
  handler: ConfigReader,
  models: ReadonlyMap<string, PipelineModel> | undefined,
): { features: readonly string[]; served: ServedModel<FrameModelOptions, FrameModel> } {
  const name = handler.string('model');
  const model = models?.get(name);
  if (!model) throw handler.error('model', `no model "${name}" is declared: declare it under options: { runnel_models: { ${name}: { features, trainer, … } } }`);
  return { features: model.features, served: model.lifecycle.served };
}

/** The model `model_uri` or `model_registry` names, and the row fields it reads. */
function modelOf(handler: ConfigReader, pipelineDir: string, options: OnnxModelOptions): { features: readonly string[]; served: ServedModel<OnnxModelOptions, LoadedOnnxModel> } {
  if (handler.has('model_registry')) {
    if (handler.has('model_uri')) throw handler.error('model_registry', 'give either model_uri (an ONNX file) or model_registry (a registry folder), not both');
    // The model is pulled when the run starts: its input width and outputs cannot be checked now.
    if (!handler.has('features')) throw handler.error('features', '"features" is required with model_registry: list the row fields the model reads, in its input order', true);
    return { features: handler.names('features'), served: registryModel(handler.child('model_registry'), pipelineDir, options) };
  }
  if (!handler.has('model_uri')) throw handler.error('model_uri', 'give model_uri (an ONNX file, relative to the pipeline file) or model_registry: { path, name }', true);
  const model = readModel(handler, pipelineDir);
  const features = featuresOf(handler, model);
  if (options.outputs && model.graph) checkOutputs(handler, options.outputs, model.graph);
  return { features, served: servedModel(new OnnxModelHandler(), model.bytes, { ...options, id: model.uri }) };
}

/** The model file's bytes, checked to be ONNX, with its metadata and (when Runnel can read it) its graph. */
interface ModelFile {
  readonly uri: string;
  readonly bytes: Uint8Array;
  readonly metadata: Readonly<Record<string, string>>;
  readonly graph: GraphSpec | undefined;
}

function readModel(handler: ConfigReader, pipelineDir: string): ModelFile {
  const uri = handler.string('model_uri');
  const path = resolve(pipelineDir, uri);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : messageOf(error);
    throw handler.error('model_uri', `cannot read the model file ${path}: ${reason} (a relative path is read from the pipeline file's folder)`);
  }
  try {
    const info = readModelInfo(bytes);
    if (!info.hasGraph) throw new RangeError('no graph in the ModelProto');
    return { uri, bytes, metadata: info.metadata, graph: graphOf(bytes) };
  } catch (error) {
    throw handler.error('model_uri', `${path} is not an ONNX model (${messageOf(error)})`);
  }
}

/** The model's graph, or undefined when it holds types Runnel's reader skips (onnxruntime may still run it). */
function graphOf(bytes: Uint8Array): GraphSpec | undefined {
  try {
    return readGraph(bytes);
  } catch {
    return undefined;
  }
}

/** The row fields fed to the model, checked against the model's input width when the graph fixes it. */
function featuresOf(handler: ConfigReader, model: ModelFile): readonly string[] {
  const fromModel = model.metadata[FEATURES_KEY];
  let features: readonly string[];
  if (handler.has('features')) features = handler.names('features');
  else if (fromModel !== undefined) {
    const named = namesIn(fromModel);
    if (!named)
      throw handler.error('model_uri', `${model.uri}'s ${FEATURES_KEY} metadata is not a JSON list of names; give "features", the row fields it reads in its input order`);
    features = named;
  } else
    throw handler.error(
      'features',
      `"features" is required: ${model.uri} does not name its features (no ${FEATURES_KEY} metadata); list the row fields it reads, in its input order`,
      true,
    );
  const input = model.graph?.inputs[0]?.type;
  const width = input && 'tensor' in input ? input.tensor.shape?.[1] : undefined;
  if (typeof width === 'number' && width > 0 && width !== features.length) {
    throw handler.error(handler.has('features') ? 'features' : 'model_uri', `${model.uri} takes ${width} features, and ${features.length} are given (${features.join(', ')})`);
  }
  return features;
}

/** The names in a JSON list of strings, or undefined when `json` is not one. */
function namesIn(json: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

function checkOutputs(handler: ConfigReader, outputs: readonly string[], graph: GraphSpec): void {
  const names = graph.outputs.map((o) => o.name);
  const unknown = outputs.find((o) => !names.includes(o));
  if (unknown !== undefined) throw handler.error('outputs', `the model has no output "${unknown}"; its outputs: ${names.join(', ')}`);
}

/** The model's input row: the features of `row`, in order (null is NaN, which the model's NaN policy handles). */
function exampleOf(row: Row, features: readonly string[]): number[] {
  return features.map((f) => {
    const value = row[f];
    if (typeof value === 'number') return value;
    if (value === null) return NaN;
    throw new Error(`feature "${f}" must be a number, got ${value === undefined ? 'no such field' : describe(value)}`);
  });
}

/** Beam's PredictionResult as a row: the example, the inference (one output's values, or a mapping of them), the model's id. */
function predictionRow(result: PredictionResult<number[]>): Row {
  const values = Object.entries(inferenceValues(result.inference)).map(([name, v]) => [name, v.length === 1 ? v[0] : v] as const);
  const inference = values.length === 1 ? values[0]![1] : Object.fromEntries(values);
  return { example: result.example, inference, model_id: result.modelId };
}
