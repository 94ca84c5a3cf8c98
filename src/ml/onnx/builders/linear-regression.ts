/** Linear regression: `prediction = x · Wᵀ + b` as MatMul + Add; output `prediction` `[N, targets]`. */
import { beginGraph, finishModel, flattenRows, transposeFlat, type BuildOptions } from './common.js';

/** Coefficients of a linear regression. */
export interface LinearRegressionParams {
  /** One weight per feature, or one row of weights per target (`targets × features`). */
  weights: readonly number[] | readonly (readonly number[])[];
  /** One intercept, or one per target. */
  bias: number | readonly number[];
}

/** Normalises weights to rows (targets × features). */
export function weightRows(weights: LinearRegressionParams['weights']): readonly (readonly number[])[] {
  return typeof weights[0] === 'number' ? [weights as readonly number[]] : (weights as readonly (readonly number[])[]);
}

/** Builds a linear regression model; see `BuildOptions` for the input, scaler and metadata. */
export function linearRegressionModel(params: LinearRegressionParams, options: BuildOptions = {}): Uint8Array {
  const rows = weightRows(params.weights);
  const features = rows[0]?.length ?? 0;
  const targets = rows.length;
  flattenRows('linearRegressionModel weights', rows, features);
  const bias = typeof params.bias === 'number' ? [params.bias] : [...params.bias];
  if (bias.length !== targets) throw new RangeError(`linearRegressionModel: ${bias.length} biases for ${targets} targets`);
  const { g, x, n } = beginGraph('linear-regression', features, options);
  const xw = g.op('MatMul', [x, g.floats([features, targets], transposeFlat(rows, features), 'weights')]);
  const y = g.op('Add', [xw, g.floats([targets], bias, 'bias')], { output: 'prediction' });
  g.output(y, 'float', [n, targets]);
  return finishModel(g, 'linear-regression', options);
}
