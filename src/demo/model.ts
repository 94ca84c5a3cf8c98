/**
 * What the demo's model predicts and from what: per sensor and one-second window, the mean
 * temperature of the *next* window (a self-supervised target: the stream labels itself one
 * window later) from this window's statistics of temperature and vibration.
 */
import { windowStatNames, type WindowStat } from '../features/window-stats.js';
import { linearRegressionModel } from '../ml/onnx/builders/linear-regression.js';
import type { TensorSpec } from '../sync/manifest.js';

/** The model's name in the registry. */
export const MODEL_NAME = 'next-window-temp';
/** Window length, ms: one window per sensor per second. */
export const WINDOW_MS = 1000;
/** Where a sample's label comes from: the same sensor's mean temperature one window later. */
export const LABELS = { kind: 'ahead', horizonMs: WINDOW_MS } as const;
export const STATS: readonly WindowStat[] = ['mean', 'std', 'min', 'max'];
export const READINGS = ['temp', 'vibration'] as const;
/** The model's inputs, in order: `temp_mean`, `temp_std`, …, `vibration_max`. */
export const FEATURES: readonly string[] = windowStatNames(STATS, READINGS);
/** The feature whose next-window value is the label. */
export const TARGET = 'temp_mean';

/** The manifest's description of the model's tensors. */
export const MODEL_TENSORS: { readonly inputs: readonly TensorSpec[]; readonly outputs: readonly TensorSpec[] } = {
  inputs: [{ name: 'features', type: 'float32', shape: ['N', FEATURES.length], features: FEATURES }],
  outputs: [{ name: 'prediction', type: 'float32', shape: ['N', 1] }],
};

/** The starting champion when the registry has none: "the next window's mean is this one's" (persistence). */
export function persistenceModel(): Uint8Array {
  const weights = FEATURES.map((f) => (f === TARGET ? 1 : 0));
  return linearRegressionModel({ weights, bias: 0 }, { featureNames: FEATURES, graphName: 'persistence' });
}

/** The id a model version serves under (`next-window-temp@3`; `@0` is the persistence baseline). */
export const modelId = (version: number): string => `${MODEL_NAME}@${version}`;
