/**
 * Gaussian naive Bayes with standard ONNX ops. For class c the joint log-likelihood is
 *   jll[c] = log prior[c] - ½ Σⱼ log(2π var[c,j]) - Σⱼ (x[j] - mean[c,j])² / (2 var[c,j]),
 * computed by broadcasting x (`[N, 1, F]`) against the `[C, F]` statistics and ReduceSum over F.
 * Outputs `label` (argmax), `probabilities` (softmax of jll, i.e. the normalised posterior) and
 * `log_likelihood` (jll, `[N, C]`).
 */
import { beginGraph, finishModel, flattenRows, type BuildOptions } from './common.js';
import { appendLabel, type ClassLabelOptions } from './classification.js';

/** Fitted statistics of a Gaussian naive Bayes model. */
export interface GaussianNaiveBayesParams extends ClassLabelOptions {
  /** Per-class feature means (`classes × features`). */
  means: readonly (readonly number[])[];
  /** Per-class feature variances (`classes × features`), each > 0 (add smoothing before). */
  variances: readonly (readonly number[])[];
  /** Class prior probabilities, each > 0. */
  priors: readonly number[];
}

/** Per-class constant `log prior - ½ Σ log(2π var)` and per-feature `1 / (2 var)`, in float64. */
export function naiveBayesTerms(params: GaussianNaiveBayesParams): { constant: number[]; halfInvVar: number[][] } {
  const constant = params.priors.map((p, c) => {
    const vars = params.variances[c]!;
    return Math.log(p) - 0.5 * vars.reduce((s, v) => s + Math.log(2 * Math.PI * v), 0);
  });
  return { constant, halfInvVar: params.variances.map((r) => r.map((v) => 1 / (2 * v))) };
}

/** Builds a Gaussian naive Bayes classifier. */
export function gaussianNaiveBayesModel(params: GaussianNaiveBayesParams, options: BuildOptions = {}): Uint8Array {
  const classes = params.means.length;
  const features = params.means[0]?.length ?? 0;
  if (classes < 2) throw new RangeError(`gaussianNaiveBayesModel: needs at least 2 classes, got ${classes}`);
  const means = flattenRows('gaussianNaiveBayesModel means', params.means, features);
  const vars = flattenRows('gaussianNaiveBayesModel variances', params.variances, features);
  if (params.variances.length !== classes || params.priors.length !== classes) {
    throw new RangeError(`gaussianNaiveBayesModel: ${classes} classes of means, ${params.variances.length} of variances, ${params.priors.length} priors`);
  }
  vars.forEach((v, i) => {
    if (!(v > 0 && Number.isFinite(v))) throw new RangeError(`gaussianNaiveBayesModel: variance ${i} is ${v}; it must be finite and > 0`);
  });
  params.priors.forEach((p, c) => {
    if (!(p > 0)) throw new RangeError(`gaussianNaiveBayesModel: prior of class ${c} is ${p}; it must be > 0`);
  });
  const { constant, halfInvVar } = naiveBayesTerms(params);
  const { g, x, n } = beginGraph('gaussian-naive-bayes', features, options);
  const x3 = g.op('Reshape', [x, g.int64s([3], [-1, 1, features], 'shape_n1f')]);
  const diff = g.op('Sub', [x3, g.floats([classes, features], means, 'means')]);
  const sq = g.op('Mul', [diff, diff]);
  const weighted = g.op('Mul', [sq, g.floats([classes, features], halfInvVar.flat(), 'half_inv_var')]);
  const dist = g.op('ReduceSum', [weighted, g.int64s([1], [2], 'axis_features')], { attributes: { keepdims: { kind: 'int', value: 0 } } });
  const jll = g.op('Sub', [g.floats([classes], constant, 'log_prior_norm'), dist], { output: 'log_likelihood' });
  const probabilities = g.op('Softmax', [jll], { attributes: { axis: { kind: 'int', value: 1 } }, output: 'probabilities' });
  appendLabel(g, jll, classes, n, params.classLabels);
  g.output(probabilities, 'float', [n, classes]);
  g.output(jll, 'float', [n, classes]);
  return finishModel(g, 'gaussian-naive-bayes', options);
}
