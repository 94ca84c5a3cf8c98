/**
 * Logistic (binary) and softmax (multinomial) regression. Outputs `label` (int64 `[N]`) and
 * `probabilities` (`[N, classes]`). Binary: one weight row, `p1 = sigmoid(x·w + b)`,
 * probabilities `[1 - p1, p1]`. Multinomial: one row per class, `softmax(x · Wᵀ + b)`.
 */
import { beginGraph, finishModel, flattenRows, transposeFlat, type BuildOptions } from './common.js';
import { appendLabel, type ClassLabelOptions } from './classification.js';

/** Coefficients of a logistic or softmax regression. */
export interface LogisticRegressionParams extends ClassLabelOptions {
  /** One row (binary) or one row per class (multinomial), each with one weight per feature. */
  weights: readonly (readonly number[])[];
  /** One intercept per row. */
  bias: readonly number[];
}

/** Builds a binary (one weight row) or multinomial (≥ 2 rows) logistic regression model. */
export function logisticRegressionModel(params: LogisticRegressionParams, options: BuildOptions = {}): Uint8Array {
  const rows = params.weights;
  const features = rows[0]?.length ?? 0;
  flattenRows('logisticRegressionModel weights', rows, features);
  if (params.bias.length !== rows.length) throw new RangeError(`logisticRegressionModel: ${params.bias.length} biases for ${rows.length} weight rows`);
  const kind = rows.length === 1 ? 'logistic-regression' : 'softmax-regression';
  const { g, x, n } = beginGraph(kind, features, options);
  const logits = g.op('Add', [g.op('MatMul', [x, g.floats([features, rows.length], transposeFlat(rows, features), 'weights')]), g.floats([rows.length], params.bias, 'bias')], {
    output: 'logits',
  });
  let probabilities: string;
  if (rows.length === 1) {
    const p1 = g.op('Sigmoid', [logits]);
    const p0 = g.op('Sub', [g.floats([1], [1], 'one'), p1]);
    probabilities = g.op('Concat', [p0, p1], { attributes: { axis: { kind: 'int', value: 1 } }, output: 'probabilities' });
  } else {
    probabilities = g.op('Softmax', [logits], { attributes: { axis: { kind: 'int', value: 1 } }, output: 'probabilities' });
  }
  const classes = Math.max(2, rows.length);
  appendLabel(g, probabilities, classes, n, params.classLabels);
  g.output(probabilities, 'float', [n, classes]);
  return finishModel(g, kind, options);
}
