/** Inference: the model-handler contract, its ONNX implementation on onnxruntime-web, and the RunInference transforms. */
export { OnnxModelHandler, LoadedOnnxModel, type OnnxHandlerOptions, type OnnxModelOptions } from './onnx-handler.js';
export { FastPathModelHandler, LoadedFastModel, type FastPathHandlerOptions } from './fast-path-handler.js';
export type { FrameModelOptions } from './frame-settings.js';
export { loadOnnxRuntime, onnxRuntimeLoaded, type OrtModule } from './runtime.js';
export { LatencyWindow, RunInferenceMetrics, type InferenceMetrics, type RunInferenceSnapshot } from './metrics.js';
export { applyNanPolicy, checkFrameColumns, findNanRows, type NanPolicy } from './validate.js';
export { runInference, RunInference, type RunInferenceOptions } from './run-inference.js';
export { runStatefulInference, StatefulInference, type StatefulInferenceOptions } from './stateful-inference.js';
export { servedModel, ServedModel, type ModelLease, type ModelProvider, type ModelBytes, type ServedModelOptions } from './served-model.js';
export { keyedModelHandler, KeyedModels, type KeyedModelOptions } from './keyed-models.js';
export { batchElementsFn, type HeldBatch, type HeldExample } from './batch-elements.js';
export { BatchFrame, type Example } from './batch-frame.js';
export { inferenceValues, type InferenceValues, type PredictionResult } from './prediction.js';
export { frameOf, type FrameLike } from '../../kernels/frame.js';
export { type FloatTensor, type FrameModel, type LoadedModel, type ModelHandler, type ModelOutputs, type TensorDescription, type ExtraInput } from './types.js';
export {
  tensor,
  float32,
  int64,
  zeros,
  stack,
  take,
  isTensor,
  reviveTensor,
  sizeOf,
  TENSOR_TYPES,
  type Tensor,
  type TensorType,
  type TensorData,
  type TensorDataMap,
} from './tensor.js';
export type { InputFns, InputValue } from './example-feeds.js';
export { wrapModelHandler, type ModelWrapper } from './wrap-handler.js';
export { sampleFrames, lastRows, type SampleFramesOptions } from './stream-windows.js';
