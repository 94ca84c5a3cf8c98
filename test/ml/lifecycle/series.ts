/**
 * Synthetic labelled series for the lifecycle tests: per key, one sample per second whose
 * self-supervised label (the next sample's target) is a linear function of its features plus
 * noise, with the function's coefficients set by the regime in force at that time.
 */
import { seededRandom } from '../../../src/common/random.js';
import type { FrameModel, ModelHandler } from '../../../src/ml/infer/types.js';
import type { FrameModelOptions } from '../../../src/ml/infer/frame-settings.js';
import { FastPathModelHandler } from '../../../src/ml/infer/fast-path-handler.js';
import { OnnxModelHandler } from '../../../src/ml/infer/onnx-handler.js';
import { linearRegressionModel } from '../../../src/ml/onnx/builders/linear-regression.js';
import { fitLinearRegression } from '../../../src/ml/train/linear-regression.js';
import type { FrameLike } from '../../../src/kernels/frame.js';
import type { SampleRecord } from '../../../src/store/samples.js';
import type { Store } from '../../../src/store/store.js';
import type { VirtualClock } from '../../../src/core/clock.js';
import { ModelLifecycle, type ModelLifecycleOptions } from '../../../src/ml/lifecycle/index.js';

export const MODEL = 'next-value';
export const FEATURES = ['a', 'b', 'c'] as const;
export const STEP_MS = 1000;
export const AHEAD = { kind: 'ahead', horizonMs: STEP_MS } as const;

/** label = w·x + bias + noise. */
export interface Regime {
  readonly weights: readonly number[];
  readonly bias: number;
}

export const REGIME_A: Regime = { weights: [2, -1, 0.5], bias: 1 };
export const REGIME_B: Regime = { weights: [-1, 3, 2], bias: -4 };

/** Writes `seconds` samples per key from `start` (ms) on, labelled under `regime`; returns them. */
export function series(seed: number, keys: number, start: number, seconds: number, regime: Regime, noise = 0.05): SampleRecord[] {
  const random = seededRandom(seed);
  const out: SampleRecord[] = [];
  for (let k = 0; k < keys; k++) {
    let target: number | null = null;
    for (let i = 0; i < seconds; i++) {
      const features = Float32Array.from(FEATURES, () => 4 * random() - 2);
      out.push({ model: MODEL, key: `k${k}`, eventTime: start + i * STEP_MS, features, target: target ?? 0 });
      target = regime.weights.reduce((sum, w, j) => sum + w * features[j]!, regime.bias) + noise * (random() - 0.5);
    }
  }
  return out;
}

/** The starting model: predicts 0 for everything. */
export function zeroModel(): Uint8Array {
  return linearRegressionModel({ weights: FEATURES.map(() => 0), bias: 0 }, { featureNames: FEATURES, graphName: 'zero' });
}

export const ridge = (frame: FrameLike, y: Float64Array) => fitLinearRegression(frame, y, { l2: 1e-3 });

/** The served handler (WASM fast path), counting loads by model id. */
export class CountingHandler implements ModelHandler<FrameModelOptions, FrameModel> {
  readonly loads: string[] = [];
  readonly #inner = new FastPathModelHandler({ fallback: new OnnxModelHandler() });

  async load(bytes: Uint8Array, options?: FrameModelOptions): Promise<FrameModel> {
    this.loads.push(options?.id ?? '?');
    return this.#inner.load(bytes, options);
  }
}

/** A lifecycle on `store` with the test series' model, features, labels, handler and ridge trainer. */
export function lifecycleOn(store: Store, clock: VirtualClock, options: Partial<ModelLifecycleOptions> = {}): ModelLifecycle {
  return new ModelLifecycle({ store, model: MODEL, features: FEATURES, labels: AHEAD, handler: new CountingHandler(), trainer: ridge, baseline: zeroModel(), clock, ...options });
}
