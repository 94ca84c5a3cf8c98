/**
 * Logistic regression with an L2 penalty, minimising (1/n)·Σ log-loss + (λ/2)·‖W‖² (intercepts
 * unpenalised; scikit-learn's C = 1/(λ·n)).
 *
 * Binary: Newton's method (IRLS). The Hessian (1/n)·Σ p(1-p)·x̃x̃ᵀ + λI is one WASM pass
 * (`logisticTerms` + `gramAccumulate`, O(n·d²)) and a (d+1)² Cholesky; Newton converges
 * quadratically, so 5–10 passes reach machine precision where first-order methods need hundreds.
 * Multinomial: L-BFGS on the softmax loss. Its Hessian would be (k·(d+1))² per row, too costly
 * for the device; the gradient (`softmaxGradient`) is O(n·k·d) per pass and L-BFGS needs no more.
 */
import { logisticRegressionModel } from '../onnx/builders/logistic-regression.js';
import { lbfgs } from './lbfgs.js';
import { argmaxLabels, sigmoidPairs, softmaxRows } from './probabilities.js';
import { solveSpd } from './solve.js';
import type { ExportOptions, FrameLike, TrainedClassifier, Trainer } from './types.js';
import { checkColumns, checkFinite, checkLabels, encodeClasses, forEachChunk, stageFrame, withWorkspace, type Workspace } from './wasm.js';

/** Options of logistic regression. */
export interface LogisticRegressionOptions {
  /** L2 penalty λ on the mean loss; default 1/n (scikit-learn's default C = 1). */
  l2?: number;
  /** Iteration cap; default 50 (Newton) or 500 (L-BFGS). */
  maxIter?: number;
  /** Convergence: max |gradient| of the objective; default 1e-9 (Newton) or 1e-7 (L-BFGS). */
  tol?: number;
  /** `'auto'` (default: Newton for 2 classes, L-BFGS for more), `'newton'` (2 classes only) or `'lbfgs'`. */
  solver?: 'auto' | 'newton' | 'lbfgs';
}

/** Fitted coefficients: one row (binary, the positive class) or one per class. */
export interface LogisticRegressionParams {
  classes: number[];
  weights: number[][];
  intercepts: number[];
  /** Solver used, iterations, and the final objective. */
  solver: 'newton' | 'lbfgs';
  iterations: number;
  objective: number;
  converged: boolean;
}

/** A fitted logistic (binary) or softmax (multinomial) regression. */
export class LogisticRegressionModel implements TrainedClassifier<LogisticRegressionParams> {
  readonly kind = 'logistic-regression';
  readonly classes: readonly number[];

  constructor(
    readonly featureNames: readonly string[],
    readonly params: LogisticRegressionParams,
  ) {
    this.classes = params.classes;
  }

  /** Linear scores `[rows × weight rows]` by the WASM `affine` kernel. */
  decisionFunction(frame: FrameLike): Float64Array {
    checkColumns('LogisticRegressionModel', this.featureNames, frame);
    const k = this.params.weights.length;
    const out = new Float64Array(frame.rows * k);
    withWorkspace((ws) => {
      const w = ws.f64Of(this.params.weights.flatMap((row, c) => [...row, this.params.intercepts[c]!]));
      const o = ws.f64(Math.min(frame.rows, 16_384) * k);
      forEachChunk(ws, frame, (ptr, n, first) => {
        ws.x.affine(ptr, n, frame.cols, k, w.ptr, o.ptr);
        out.set(o.view.subarray(0, n * k), first * k);
      });
    });
    return out;
  }

  predictProba(frame: FrameLike): Float64Array {
    const z = this.decisionFunction(frame);
    if (this.params.weights.length > 1) return softmaxRows(z, this.classes.length);
    return sigmoidPairs(z);
  }

  predict(frame: FrameLike): Float64Array {
    return argmaxLabels(this.predictProba(frame), this.classes);
  }

  /** ONNX with outputs `label` and `probabilities` (and `logits`). */
  toOnnx(options: ExportOptions = {}): Uint8Array {
    const { weights, intercepts, classes } = this.params;
    return logisticRegressionModel({ weights, bias: intercepts, classLabels: classes }, { ...options, featureNames: this.featureNames });
  }
}

interface Problem {
  ws: Workspace;
  x: number;
  y: number;
  n: number;
  d: number;
  l2: number;
}

/** Newton/IRLS for the binary problem; y holds 0/1. */
function newton(pb: Problem, maxIter: number, tol: number): { beta: Float64Array; iterations: number; objective: number; converged: boolean } {
  const { ws, n, d, l2 } = pb;
  const D = d + 1;
  const beta = ws.f64(D), w = ws.f64(n), r = ws.f64(n), h = ws.f64(D * D), g = ws.f64(D);
  let prev = Float64Array.from(beta.view), delta: Float64Array = new Float64Array(D), prevObj = Infinity, t = 1;
  for (let iter = 0; iter < maxIter; iter++) {
    const loss = ws.x.logisticTerms(pb.x, pb.y, n, d, beta.ptr, w.ptr, r.ptr);
    const b = beta.view;
    let obj = loss / n;
    for (let j = 0; j < d; j++) obj += 0.5 * l2 * b[j]! ** 2;
    if (obj > prevObj && t > 1e-6) {
      // Damped step: the full Newton step overshot.
      t /= 2;
      for (let j = 0; j < D; j++) b[j] = prev[j]! - t * delta[j]!;
      continue;
    }
    h.view.fill(0);
    g.view.fill(0);
    ws.x.gramAccumulate(pb.x, w.ptr, r.ptr, n, d, h.ptr, g.ptr);
    const H = Float64Array.from(h.view, (v) => v / n), G = Float64Array.from(g.view, (v) => v / n);
    const bv = beta.view;
    for (let j = 0; j < D; j++) {
      H[j * D + j]! += j < d ? l2 : 1e-12;
      if (j < d) G[j]! += l2 * bv[j]!;
    }
    if (G.every((v) => Math.abs(v) <= tol)) return { beta: Float64Array.from(bv), iterations: iter, objective: obj, converged: true };
    const step = solveSpd(H, G, D);
    if (!(step instanceof Float64Array)) throw new RangeError('logistic regression: the Hessian is singular (constant or collinear features); use l2 > 0');
    prev = Float64Array.from(bv);
    prevObj = obj;
    delta = step;
    t = 1;
    const b2 = beta.view;
    for (let j = 0; j < D; j++) b2[j] = prev[j]! - delta[j]!;
  }
  const loss = ws.x.logisticTerms(pb.x, pb.y, n, d, beta.ptr, w.ptr, r.ptr);
  const b = beta.view;
  return { beta: Float64Array.from(b), iterations: maxIter, objective: loss / n + b.subarray(0, d).reduce((s, v) => s + 0.5 * l2 * v * v, 0), converged: false };
}

/** L-BFGS for the softmax problem; y holds class indices. */
function softmaxLbfgs(pb: Problem, k: number, maxIter: number, tol: number): { w: Float64Array; iterations: number; objective: number; converged: boolean } {
  const { ws, n, d, l2 } = pb;
  const D = d + 1;
  const wts = ws.f64(k * D), grad = ws.f64(k * D), scratch = ws.f64(k);
  const fg = (w: Float64Array, g: Float64Array): number => {
    wts.view.set(w);
    grad.view.fill(0);
    let f = ws.x.softmaxGradient(pb.x, pb.y, n, d, k, wts.ptr, grad.ptr, scratch.ptr) / n;
    const gv = grad.view;
    for (let i = 0; i < k * D; i++) {
      g[i] = gv[i]! / n;
      if (i % D !== d) {
        g[i]! += l2 * w[i]!;
        f += 0.5 * l2 * w[i]! ** 2;
      }
    }
    return f;
  };
  const res = lbfgs(fg, new Float64Array(k * D), { maxIter, gtol: tol });
  return { w: res.x, iterations: res.iterations, objective: res.f, converged: res.converged };
}

/** Fits binary or multinomial logistic regression. */
export function fitLogisticRegression(frame: FrameLike, labels: ArrayLike<number> | null, options: LogisticRegressionOptions = {}): LogisticRegressionModel {
  checkFinite('fitLogisticRegression', frame);
  const { classes, index } = encodeClasses('fitLogisticRegression', checkLabels('fitLogisticRegression', frame, labels));
  if (classes.length < 2) throw new RangeError(`fitLogisticRegression: needs at least 2 classes, got ${classes.length} (${classes.join(', ')})`);
  const n = frame.rows, d = frame.cols, k = classes.length;
  const l2 = options.l2 ?? 1 / n;
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new RangeError(`fitLogisticRegression: l2 must be a finite number ≥ 0, got ${options.l2}`);
  const solver = options.solver === 'lbfgs' || (options.solver !== 'newton' && k > 2) ? 'lbfgs' : 'newton';
  if (solver === 'newton' && k > 2) throw new RangeError(`fitLogisticRegression: solver "newton" handles 2 classes; got ${k}: use "lbfgs" or "auto"`);
  return withWorkspace((ws) => {
    const pb: Problem = { ws, x: stageFrame(ws, frame), y: ws.f64Of(index).ptr, n, d, l2 };
    let params: LogisticRegressionParams;
    if (solver === 'newton') {
      const r = newton(pb, options.maxIter ?? 50, options.tol ?? 1e-9);
      params = { classes, weights: [Array.from(r.beta.subarray(0, d))], intercepts: [r.beta[d]!], solver, iterations: r.iterations, objective: r.objective, converged: r.converged };
    } else {
      const r = softmaxLbfgs(pb, k, options.maxIter ?? 500, options.tol ?? 1e-7);
      const D = d + 1;
      const rows = Array.from({ length: k }, (_, c) => Array.from(r.w.subarray(c * D, c * D + D)));
      // The intercepts are unpenalised and softmax is shift-invariant: centre them for a unique answer.
      const shift = rows.reduce((s, row) => s + row[d]!, 0) / k;
      params = {
        classes, weights: rows.map((row) => row.slice(0, d)), intercepts: rows.map((row) => row[d]! - shift),
        solver, iterations: r.iterations, objective: r.objective, converged: r.converged,
      };
    }
    return new LogisticRegressionModel(frame.names, params);
  });
}

/** The logistic regression trainer. */
export const logisticRegression: Trainer<LogisticRegressionOptions, LogisticRegressionModel> = {
  name: 'logistic-regression',
  fit: fitLogisticRegression,
};
