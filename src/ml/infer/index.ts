/** Inference: the model-handler contract and its ONNX implementation on onnxruntime-web. */
export { OnnxModelHandler, LoadedOnnxModel, type OnnxHandlerOptions, type OnnxModelOptions } from './onnx-handler.js';
export { loadOnnxRuntime, onnxRuntimeLoaded, type OrtModule } from './runtime.js';
export { LatencyWindow, type InferenceMetrics } from './metrics.js';
export { applyNanPolicy, checkFrameColumns, findNanRows, type NanPolicy } from './validate.js';
export {
  frameOf,
  type FloatTensor,
  type FrameLike,
  type LoadedModel,
  type ModelHandler,
  type ModelOutputs,
  type TensorDescription,
  type TensorType,
  type TensorValue,
} from './types.js';
