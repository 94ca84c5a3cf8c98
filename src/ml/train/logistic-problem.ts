/**
 * The staged logistic-regression problem its solvers share, and the standardised coordinates
 * they test convergence in (and the softmax solvers search in).
 */
import type { Workspace } from './wasm.js';

/** The staged problem: frame and labels in WASM memory, n rows of d features. */
export interface LogisticProblem {
  ws: Workspace;
  x: number;
  y: number;
  n: number;
  d: number;
  l2: number;
  /** Per-feature means and scales 1/√(variance + λ) of the standardised coordinates. */
  scaling: FeatureScaling;
}

/** Means μⱼ and scales cⱼ = 1/√(varⱼ + λ) of each feature (cⱼ = 1 for a constant feature at λ = 0). */
export interface FeatureScaling {
  mean: Float64Array;
  scale: Float64Array;
}

/** Column means and scales of a row-major float32 frame, accumulated in f64. */
export function featureScaling(view: Float32Array, n: number, d: number, l2: number): FeatureScaling {
  const mean = new Float64Array(d),
    m2 = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      // Welford: stable for features with a large offset (a sensor reading near 1,000 ± 0.1).
      const delta = view[i * d + j]! - mean[j]!;
      mean[j]! += delta / (i + 1);
      m2[j]! += delta * (view[i * d + j]! - mean[j]!);
    }
  }
  const scale = m2.map((s) => {
    const v = s / n + l2;
    return v > 0 ? 1 / Math.sqrt(v) : 1;
  });
  return { mean, scale };
}

/**
 * A raw-coordinate gradient h (k rows of D = d + 1) in standardised coordinates:
 * ∂f/∂θⱼ = cⱼ·(hⱼ − μⱼ·h_b), ∂f/∂θ_b = h_b.
 */
export function standardise(h: Float64Array, k: number, s: FeatureScaling, out: Float64Array): void {
  const d = s.mean.length,
    D = d + 1;
  for (let c = 0; c < k; c++) {
    const hb = h[c * D + d]!;
    out[c * D + d] = hb;
    for (let j = 0; j < d; j++) out[c * D + j] = s.scale[j]! * (h[c * D + j]! - s.mean[j]! * hb);
  }
}
