/**
 * Inference settings from a device profile (`devices/*.json`), for the CLI and for programs that
 * start a pipeline on a board: the ONNX handler runs with the profile's inference threads, and
 * RunInference batches at most the profile's `inference.maxBatch` rows. It lives here, not in
 * ml/infer, so that inference does not depend on how boards are described.
 */
import type { DeviceProfile } from './device-profile.js';
import { OnnxModelHandler, type OnnxHandlerOptions } from '../ml/infer/onnx-handler.js';
import type { RunInferenceOptions } from '../ml/infer/run-inference.js';

/**
 * An ONNX handler whose runtime uses `profile.threads.inference` WASM threads. The thread count is
 * fixed for the process by the first model loaded, so create handlers from one profile per process.
 */
export function onnxHandlerForDevice(profile: DeviceProfile, options: Omit<OnnxHandlerOptions, 'numThreads'> = {}): OnnxModelHandler {
  return new OnnxModelHandler({ ...options, numThreads: profile.threads.inference });
}

/** `runInference` options sized for the board: `maxBatchSize` from `profile.inference.maxBatch`. */
export function runInferenceOptionsForDevice(profile: DeviceProfile, options: RunInferenceOptions = {}): RunInferenceOptions {
  return { ...options, maxBatchSize: profile.inference.maxBatch };
}
