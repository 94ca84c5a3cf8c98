/**
 * Inference settings from a device profile (`devices/*.json`), for the CLI and for programs that
 * start a pipeline on a board: the ONNX handler runs with the profile's inference threads, and
 * RunInference batches at most the profile's `inference.maxBatch` rows.
 */
import type { DeviceProfile } from '../../config/device-profile.js';
import { OnnxModelHandler, type OnnxHandlerOptions } from './onnx-handler.js';
import type { RunInferenceOptions } from './run-inference.js';

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
