/**
 * Gaussian naive Bayes with scikit-learn's semantics: per-class means and population variances,
 * variances smoothed by `varSmoothing` × the largest feature variance, class priors given or
 * empirical. Per-class moments of each bundle come from the WASM `classMoments` kernel (two-pass)
 * and merge with Chan's formula, so `partialFit` over bundles equals `fit` on their union.
 */
import { gaussianNaiveBayesModel, naiveBayesTerms } from '../onnx/builders/naive-bayes.js';
import { argmaxLabels, softmaxRows } from './probabilities.js';
import type { ExportOptions, FrameLike, TrainedClassifier, Trainer } from './types.js';
import { checkColumns, checkFinite, checkLabels, encodeClasses, forEachChunk, withWorkspace } from './wasm.js';

/** Options of Gaussian naive Bayes. */
export interface GaussianNBOptions {
  /** Class priors in class order (must sum to 1); default the class frequencies. */
  priors?: readonly number[];
  /** Fraction of the largest feature variance added to every variance; default 1e-9 (scikit-learn's). */
  varSmoothing?: number;
  /** Every class label, when a first bundle may miss some (required by `partialFit` for unseen classes). */
  classes?: readonly number[];
}

/** Mergeable per-class statistics of Gaussian naive Bayes (rows of `means`/`m2` in `classes` order). */
export interface ClassMoments {
  readonly classes: readonly number[];
  /** Rows per class. */
  readonly counts: readonly number[];
  /** Per-class feature means, `classes × features`. */
  readonly means: readonly (readonly number[])[];
  /** Per-class sums of squared deviations from the mean, `classes × features`. */
  readonly m2: readonly (readonly number[])[];
}

/** Fitted statistics. */
export interface GaussianNBParams {
  classes: number[];
  /** Class priors. */
  priors: number[];
  /** Per-class feature means, `classes × features`. */
  means: number[][];
  /** Per-class smoothed variances (population variance + epsilon), `classes × features`. */
  variances: number[][];
  /** The smoothing added to every variance. */
  epsilon: number;
  /** Rows per class. */
  counts: number[];
}

/** A fitted Gaussian naive Bayes classifier. */
export class GaussianNBModel implements TrainedClassifier<GaussianNBParams> {
  readonly warnings: readonly string[] = [];
  readonly kind = 'gaussian-naive-bayes';
  readonly classes: readonly number[];
  readonly #constant: number[];
  readonly #halfInvVar: number[];

  constructor(
    readonly featureNames: readonly string[],
    readonly params: GaussianNBParams,
  ) {
    this.classes = params.classes;
    const terms = naiveBayesTerms(params);
    this.#constant = terms.constant;
    this.#halfInvVar = terms.halfInvVar.flat();
  }

  /** Joint log-likelihood `[rows × classes]` (log prior + Σ log N(x | mean, var)), by the WASM `gaussianJll` kernel. */
  jointLogLikelihood(frame: FrameLike): Float64Array {
    checkColumns('GaussianNBModel', this.featureNames, frame);
    const k = this.classes.length,
      d = frame.cols;
    const out = new Float64Array(frame.rows * k);
    withWorkspace((ws) => {
      const mean = ws.f64Of(this.params.means.flat());
      const hiv = ws.f64Of(this.#halfInvVar);
      const constant = ws.f64Of(this.#constant);
      const o = ws.f64(Math.min(frame.rows, 16_384) * k);
      forEachChunk(ws, frame, (ptr, n, first) => {
        ws.x.gaussianJll(ptr, n, d, k, mean.ptr, hiv.ptr, constant.ptr, o.ptr);
        out.set(o.view.subarray(0, n * k), first * k);
      });
    });
    return out;
  }

  /** The class label of highest posterior per row (ties to the lower class, like ONNX ArgMax). */
  predict(frame: FrameLike): Float64Array {
    return argmaxLabels(this.jointLogLikelihood(frame), this.classes);
  }

  /** Normalised posteriors (softmax of the joint log-likelihood). */
  predictProba(frame: FrameLike): Float64Array {
    return softmaxRows(this.jointLogLikelihood(frame), this.classes.length);
  }

  /** ONNX with outputs `label`, `probabilities` and `log_likelihood`. */
  toOnnx(options: ExportOptions = {}): Uint8Array {
    const { means, variances, priors, classes } = this.params;
    return gaussianNaiveBayesModel({ means, variances, priors, classLabels: classes }, { ...options, featureNames: this.featureNames });
  }
}

/**
 * Mergeable sufficient statistics of Gaussian naive Bayes: per-class count, mean and M2.
 * `partialFit` bundles, then `model()`.
 */
export class GaussianNB {
  readonly featureNames: readonly string[];
  #classes: number[] | undefined;
  #count = new Float64Array(0);
  #mean = new Float64Array(0);
  #m2 = new Float64Array(0);
  readonly #options: GaussianNBOptions;

  constructor(featureNames: readonly string[], options: GaussianNBOptions = {}) {
    if (featureNames.length < 1) throw new RangeError('GaussianNB: needs at least one feature');
    const vs = options.varSmoothing ?? 1e-9;
    if (!(vs >= 0 && Number.isFinite(vs))) throw new RangeError(`GaussianNB: varSmoothing must be a finite number ≥ 0, got ${options.varSmoothing}`);
    this.featureNames = featureNames;
    this.#options = options;
    if (options.classes) this.#init([...options.classes].sort((a, b) => a - b));
  }

  #init(classes: number[]): void {
    const k = classes.length,
      d = this.featureNames.length;
    this.#classes = classes;
    this.#count = new Float64Array(k);
    this.#mean = new Float64Array(k * d);
    this.#m2 = new Float64Array(k * d);
  }

  /** The classes known so far. */
  get classes(): readonly number[] {
    return this.#classes ?? [];
  }

  /** Adds one bundle. Classes are fixed by the constructor's `classes` or by the first bundle. */
  partialFit(frame: FrameLike, labels: ArrayLike<number>): this {
    checkColumns('GaussianNB.partialFit', this.featureNames, frame);
    checkFinite('GaussianNB.partialFit', frame);
    checkLabels('GaussianNB.partialFit', frame, labels);
    const { classes, index } = encodeClasses('GaussianNB.partialFit', labels, this.#classes);
    if (!this.#classes) this.#init(classes);
    const k = this.#classes!.length,
      d = frame.cols;
    withWorkspace((ws) => {
      const y = ws.f64(Math.min(frame.rows, 16_384));
      const [cnt, mean, m2] = [ws.f64(k), ws.f64(k * d), ws.f64(k * d)];
      forEachChunk(ws, frame, (ptr, n, first) => {
        y.view.set(index.subarray(first, first + n));
        ws.x.classMoments(ptr, y.ptr, n, d, k, cnt.ptr, mean.ptr, m2.ptr);
        this.#merge(cnt.view, mean.view, m2.view);
      });
    });
    return this;
  }

  /** Chan et al.'s pairwise update: merges a batch's (count, mean, M2) per class into the totals; `into[c]` is batch class c's index here. */
  #merge(cnt: ArrayLike<number>, mean: ArrayLike<number>, m2: ArrayLike<number>, into: (c: number) => number = (c) => c): void {
    const d = this.featureNames.length;
    for (let c = 0; c < cnt.length; c++) {
      const nb = cnt[c]!;
      if (nb === 0) continue;
      const t = into(c);
      const na = this.#count[t]!,
        n = na + nb;
      for (let j = 0; j < d; j++) {
        const p = t * d + j,
          q = c * d + j;
        const delta = mean[q]! - this.#mean[p]!;
        this.#mean[p]! += (delta * nb) / n;
        this.#m2[p]! += m2[q]! + (delta * delta * na * nb) / n;
      }
      this.#count[t] = n;
    }
  }

  /** The per-class sufficient statistics seen so far (copies), for saving or merging elsewhere. */
  moments(): ClassMoments {
    const d = this.featureNames.length;
    const perClass = (values: Float64Array): number[][] => this.classes.map((_, c) => Array.from(values.subarray(c * d, (c + 1) * d)));
    return { classes: [...this.classes], counts: Array.from(this.#count), means: perClass(this.#mean), m2: perClass(this.#m2) };
  }

  /**
   * Adds statistics of other rows (another accumulator's `moments()`): the result equals
   * `partialFit` of those rows. Their classes must be among this accumulator's.
   */
  mergeMoments(moments: ClassMoments): this {
    const d = this.featureNames.length;
    if (!this.#classes) this.#init([...moments.classes].sort((a, b) => a - b));
    const index = moments.classes.map((label) => this.#classes!.indexOf(label));
    const unknown = moments.classes.filter((_, c) => index[c] === -1);
    if (unknown.length > 0) throw new RangeError(`GaussianNB.mergeMoments: class ${unknown.join(', ')} is not among this model's classes (${this.#classes!.join(', ')})`);
    const shapeOk = moments.counts.length === index.length && [moments.means, moments.m2].every((m) => m.length === index.length && m.every((row) => row.length === d));
    if (!shapeOk) throw new RangeError(`GaussianNB.mergeMoments: expected counts, means and m2 for ${index.length} classes × ${d} features`);
    this.#merge(moments.counts, moments.means.flat(), moments.m2.flat(), (c) => index[c]!);
    return this;
  }

  /** The model of everything seen so far. */
  model(): GaussianNBModel {
    const classes = this.#classes;
    const total = this.#count.reduce((a, b) => a + b, 0);
    if (!classes || total === 0) throw new RangeError('GaussianNB: no rows seen; call partialFit() with data first');
    const k = classes.length,
      d = this.featureNames.length;
    const empty = classes.filter((_, c) => this.#count[c] === 0);
    if (empty.length > 0 && !this.#options.priors) throw new RangeError(`GaussianNB: no rows of class ${empty.join(', ')}; train with every class or give priors`);
    // Variance of each feature over all rows (the law of total variance over classes).
    let maxVar = 0;
    for (let j = 0; j < d; j++) {
      let mean = 0;
      for (let c = 0; c < k; c++) mean += (this.#count[c]! * this.#mean[c * d + j]!) / total;
      let m2 = 0;
      for (let c = 0; c < k; c++) m2 += this.#m2[c * d + j]! + this.#count[c]! * (this.#mean[c * d + j]! - mean) ** 2;
      maxVar = Math.max(maxVar, m2 / total);
    }
    const epsilon = (this.#options.varSmoothing ?? 1e-9) * maxVar;
    const priors = this.#options.priors ? [...this.#options.priors] : Array.from(this.#count, (n) => n / total);
    checkPriors(priors, k);
    const rows = (f: (c: number, j: number) => number): number[][] => classes.map((_, c) => Array.from({ length: d }, (_, j) => f(c, j)));
    const variances = rows((c, j) => (this.#count[c]! > 0 ? this.#m2[c * d + j]! / this.#count[c]! : 0) + epsilon);
    if (variances.flat().some((v) => !(v > 0))) {
      throw new RangeError('GaussianNB: a class has zero variance in a feature and varSmoothing is 0; set varSmoothing > 0 (default 1e-9)');
    }
    return new GaussianNBModel(this.featureNames, {
      classes: [...classes],
      priors,
      means: rows((c, j) => this.#mean[c * d + j]!),
      variances,
      epsilon,
      counts: Array.from(this.#count),
    });
  }
}

function checkPriors(priors: number[], k: number): void {
  if (priors.length !== k) throw new RangeError(`GaussianNB: ${priors.length} priors for ${k} classes`);
  const sum = priors.reduce((a, b) => a + b, 0);
  if (priors.some((p) => !(p > 0)) || Math.abs(sum - 1) > 1e-6) throw new RangeError(`GaussianNB: priors must be > 0 and sum to 1, got [${priors.join(', ')}]`);
}

/** Fits Gaussian naive Bayes on one frame. */
export function fitGaussianNB(frame: FrameLike, labels: ArrayLike<number> | null, options: GaussianNBOptions = {}): GaussianNBModel {
  return new GaussianNB(frame.names, options).partialFit(frame, checkLabels('fitGaussianNB', frame, labels)).model();
}

/** The Gaussian naive Bayes trainer. */
export const gaussianNB: Trainer<GaussianNBOptions, GaussianNBModel> = {
  name: 'gaussian-naive-bayes',
  fit: fitGaussianNB,
};
