/**
 * The one onnxruntime-web runtime of the process, imported on first use: importing it and
 * compiling its WASM costs ~80 MB RSS and ~0.4 s, which a pipeline without a model never pays.
 * The thread count is fixed when the WASM module starts, so the first caller decides it.
 */
import type * as Ort from 'onnxruntime-web';

/** The onnxruntime-web module. */
export type OrtModule = typeof Ort;

let loading: Promise<OrtModule> | undefined;
let threads: number | undefined;

/** Imports onnxruntime-web once (lazily) with `numThreads` WASM threads (default 1). */
export function loadOnnxRuntime(numThreads = 1): Promise<OrtModule> {
  if (!Number.isInteger(numThreads) || numThreads < 1) {
    throw new RangeError(`numThreads must be a positive integer, got ${numThreads}`);
  }
  if (threads !== undefined && threads !== numThreads) {
    throw new RangeError(
      `numThreads ${numThreads} requested, but onnxruntime-web already runs with ${threads} in this process; ` +
        "the thread count cannot change after the first model is loaded: use one value per process (the device profile's)",
    );
  }
  threads = numThreads;
  loading ??= import('onnxruntime-web').then((ort) => {
    ort.env.wasm.numThreads = numThreads;
    ort.env.logLevel = 'error';
    return ort;
  });
  return loading;
}

/** Whether onnxruntime-web has been imported in this process (for tests and memory reports). */
export function onnxRuntimeLoaded(): boolean {
  return loading !== undefined;
}
