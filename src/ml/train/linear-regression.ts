/**
 * Linear regression, ordinary least squares or ridge (L2), with an intercept. Training
 * accumulates the normal-equation statistics XᵀX, Xᵀy (with the intercept column) in WASM over
 * any number of bundles, so memory is O(d²) whatever the row count; solving centres them and
 * runs a Cholesky factorisation in WASM.
 */
import { linearRegressionModel } from '../onnx/builders/linear-regression.js';
import { solveSpd } from './solve.js';
import type { ExportOptions, FrameLike, TrainedModel, Trainer } from './types.js';
import { checkColumns, checkFinite, checkLabels, forEachChunk, withWorkspace } from './wasm.js';

/** Options of linear regression. */
export interface LinearRegressionOptions {
  /** Ridge penalty λ on ‖w‖² (scikit-learn `Ridge(alpha=λ)`; the intercept is not penalised); default 0 (OLS). */
  l2?: number;
  /** Fit an intercept; default true. */
  fitIntercept?: boolean;
}

/** Fitted coefficients. */
export interface LinearRegressionParams {
  weights: number[];
  intercept: number;
  /** Rows the model was fitted on. */
  rows: number;
}

/** A fitted linear regression. */
export class LinearRegressionModel implements TrainedModel<LinearRegressionParams> {
  readonly warnings: readonly string[] = [];
  readonly kind = 'linear-regression';

  constructor(
    readonly featureNames: readonly string[],
    readonly params: LinearRegressionParams,
  ) {}

  /** x·w + b per row, computed by the WASM `affine` kernel. */
  predict(frame: FrameLike): Float64Array {
    checkColumns('LinearRegressionModel.predict', this.featureNames, frame);
    const out = new Float64Array(frame.rows);
    withWorkspace((ws) => {
      const w = ws.f64Of([...this.params.weights, this.params.intercept]);
      const o = ws.f64(Math.min(frame.rows, 16_384));
      forEachChunk(ws, frame, (ptr, n, first) => {
        ws.x.affine(ptr, n, frame.cols, 1, w.ptr, o.ptr);
        out.set(o.view.subarray(0, n), first);
      });
    });
    return out;
  }

  /** ONNX with output `prediction` `[N, 1]`. */
  toOnnx(options: ExportOptions = {}): Uint8Array {
    return linearRegressionModel({ weights: this.params.weights, bias: this.params.intercept }, { ...options, featureNames: this.featureNames });
  }
}

/**
 * Normal-equation statistics of a stream of bundles: `update` each bundle, `solve` when needed.
 * Two accumulators over disjoint data `merge` into the statistics of the union.
 */
export class NormalEquations {
  /** Σ x̃x̃ᵀ, (d+1)², intercept last. */
  readonly gram: Float64Array;
  /** Σ y·x̃. */
  readonly xty: Float64Array;
  /** Σ y². */
  yy = 0;
  /** Rows seen. */
  rows = 0;

  constructor(readonly featureNames: readonly string[]) {
    if (featureNames.length < 1) throw new RangeError('NormalEquations: needs at least one feature');
    const D = featureNames.length + 1;
    this.gram = new Float64Array(D * D);
    this.xty = new Float64Array(D);
  }

  /** Adds one bundle (its rows and targets) to the statistics. */
  update(frame: FrameLike, targets: ArrayLike<number>): this {
    checkColumns('NormalEquations.update', this.featureNames, frame);
    checkFinite('NormalEquations.update', frame);
    checkLabels('NormalEquations.update', frame, targets);
    const d = frame.cols;
    withWorkspace((ws) => {
      const g = ws.f64Of(this.gram);
      const v = ws.f64Of(this.xty);
      const y = ws.f64(Math.min(frame.rows, 16_384));
      forEachChunk(ws, frame, (ptr, n, first) => {
        const yv = y.view;
        for (let i = 0; i < n; i++) {
          const t = targets[first + i]!;
          yv[i] = t;
          this.yy += t * t;
        }
        ws.x.gramAccumulate(ptr, 0, y.ptr, n, d, g.ptr, v.ptr);
      });
      this.gram.set(g.view);
      this.xty.set(v.view);
    });
    this.rows += frame.rows;
    return this;
  }

  /** Adds another accumulator's statistics (same features). */
  merge(other: NormalEquations): this {
    if (other.featureNames.join('\u0000') !== this.featureNames.join('\u0000')) throw new RangeError('NormalEquations.merge: the accumulators have different features');
    other.gram.forEach((v, i) => (this.gram[i]! += v));
    other.xty.forEach((v, i) => (this.xty[i]! += v));
    this.yy += other.yy;
    this.rows += other.rows;
    return this;
  }

  /**
   * Solves for the coefficients. With an intercept the statistics are centred first
   * (Σ(x - x̄)(x - x̄)ᵀ = Σxxᵀ - n·x̄x̄ᵀ), which keeps the system well conditioned when features
   * have large offsets; then (C + λI)·w = c by Cholesky and b = ȳ - x̄·w.
   */
  solve(options: LinearRegressionOptions = {}): LinearRegressionModel {
    const l2 = options.l2 ?? 0;
    if (!(l2 >= 0 && Number.isFinite(l2))) throw new RangeError(`linear regression: l2 must be a finite number ≥ 0, got ${options.l2}`);
    const fitIntercept = options.fitIntercept ?? true;
    const d = this.featureNames.length,
      D = d + 1,
      n = this.rows;
    if (n < 1) throw new RangeError('linear regression: no rows to fit; call update() with data first');
    const a = new Float64Array(d * d);
    const c = new Float64Array(d);
    const mean = (j: number): number => (fitIntercept ? this.gram[j * D + d]! / n : 0);
    const yMean = fitIntercept ? this.xty[d]! / n : 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) a[i * d + j] = this.gram[i * D + j]! - n * mean(i) * mean(j);
      a[i * d + i]! += l2;
      c[i] = this.xty[i]! - n * mean(i) * yMean;
    }
    const w = solveSpd(a, c, d);
    if (!(w instanceof Float64Array)) {
      throw new RangeError(
        `linear regression: XᵀX is singular at feature "${this.featureNames[w.failedPivot]}" (constant or collinear with earlier features); ` + 'drop it, or use ridge with l2 > 0',
      );
    }
    const weights = Array.from(w);
    let intercept = yMean;
    for (let j = 0; j < d; j++) intercept -= mean(j) * weights[j]!;
    return new LinearRegressionModel(this.featureNames, { weights, intercept, rows: n });
  }
}

/** Fits OLS or ridge regression on one frame (equivalent to one `NormalEquations` update + solve). */
export function fitLinearRegression(frame: FrameLike, targets: ArrayLike<number> | null, options: LinearRegressionOptions = {}): LinearRegressionModel {
  return new NormalEquations(frame.names).update(frame, checkLabels('fitLinearRegression', frame, targets)).solve(options);
}

/** The linear regression trainer. */
export const linearRegression: Trainer<LinearRegressionOptions, LinearRegressionModel> = {
  name: 'linear-regression',
  fit: fitLinearRegression,
};
