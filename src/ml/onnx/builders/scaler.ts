/**
 * Feature scaling folded in front of any model: z-score `(x - mean) / std` or min-max
 * `(x - min) / (max - min)`, with statistics given (fitted elsewhere, e.g. by a features stage).
 */
import type { GraphBuilder } from '../graph-builder.js';

/** Scaling statistics, one entry per feature. */
export type FeatureScaler = { kind: 'zscore'; mean: readonly number[]; std: readonly number[] } | { kind: 'minmax'; min: readonly number[]; max: readonly number[] };

/** The affine form of a scaler: `(x - offset) / divisor`, per feature, in float64. */
export function scalerAffine(scaler: FeatureScaler, features: number): { offset: number[]; divisor: number[] } {
  const [a, b, what] = scaler.kind === 'zscore' ? [scaler.mean, scaler.std, 'std'] : [scaler.min, scaler.max.map((m, i) => m - (scaler.min[i] ?? NaN)), 'max - min'];
  if (a.length !== features || b.length !== features) {
    throw new RangeError(`${scaler.kind} scaler: expected ${features} statistics per kind, got ${a.length} and ${b.length}`);
  }
  b.forEach((d, i) => {
    if (!(Number.isFinite(d) && d > 0)) throw new RangeError(`${scaler.kind} scaler: ${what} of feature ${i} is ${d}; it must be finite and > 0`);
  });
  return { offset: [...a], divisor: [...b] };
}

/** Appends Sub + Div nodes scaling `x` ([N, features]); returns the scaled value's name. */
export function appendScaler(g: GraphBuilder, x: string, scaler: FeatureScaler, features: number): string {
  const { offset, divisor } = scalerAffine(scaler, features);
  const centred = g.op('Sub', [x, g.floats([features], offset, 'scaler_offset')], { name: 'scaler_sub' });
  return g.op('Div', [centred, g.floats([features], divisor, 'scaler_divisor')], { name: 'scaler_div', output: 'scaled_features' });
}
