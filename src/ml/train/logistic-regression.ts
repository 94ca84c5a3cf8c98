/**
 * Logistic regression with an L2 penalty, minimising (1/n)·Σ log-loss + (λ/2)·‖W‖² (intercepts
 * unpenalised; scikit-learn's C = 1/(λ·n)).
 *
 * Binary: Newton's method (IRLS). The Hessian (1/n)·Σ p(1-p)·x̃x̃ᵀ + λI is one WASM pass
 * (`logisticTerms` + `gramAccumulate`, O(n·d²)) and a (d+1)² Cholesky; Newton converges
 * quadratically, so 5–10 passes reach machine precision where first-order methods need hundreds.
 * Multinomial: Newton-CG in standardised coordinates (see `logistic-solvers.ts`). The full
 * Hessian would be (k·(d+1))² per row, too costly for the device; its product with a direction
 * (`softmaxHessianVector`) is one O(n·k·d) pass, like the gradient. L-BFGS is the alternative.
 */
import { logisticRegressionModel } from '../onnx/builders/logistic-regression.js';
import { featureScaling, type LogisticProblem } from './logistic-problem.js';
import { newton, softmaxLbfgs, softmaxNewtonCg, type SolverResult } from './logistic-solvers.js';
import { argmaxLabels, sigmoidPairs, softmaxRows } from './probabilities.js';
import type { ExportOptions, FrameLike, TrainedClassifier, Trainer } from './types.js';
import { checkColumns, checkFinite, checkLabels, encodeClasses, forEachChunk, stageFrame, withWorkspace } from './wasm.js';

/** Options of logistic regression. */
export interface LogisticRegressionOptions {
  /** L2 penalty λ on the mean loss; default 1/n (scikit-learn's default C = 1). */
  l2?: number;
  /** Iteration cap; default 50 (`newton`), 100 (`newton-cg`) or 500 (`lbfgs`). */
  maxIter?: number;
  /**
   * Convergence: max |gradient| of the objective with respect to the coefficients of the
   * standardised features (centred, scaled by 1/√(variance + λ)); default 1e-9 (`newton`,
   * `newton-cg`) or 1e-7 (`lbfgs`).
   */
  tol?: number;
  /**
   * `'auto'` (default: `'newton'` for 2 classes, `'newton-cg'` for more), `'newton'` (IRLS with
   * the full Hessian, 2 classes only), `'newton-cg'` (truncated Newton, Hessian-free) or
   * `'lbfgs'`. All minimise the same objective, so they fit the same model at the same `l2`.
   */
  solver?: LogisticSolver;
}

/** A solver of logistic regression; see `LogisticRegressionOptions.solver`. */
export type LogisticSolver = 'auto' | 'newton' | 'newton-cg' | 'lbfgs';

/** Default iteration caps and tolerances per solver. */
const SOLVER_DEFAULTS = {
  newton: { maxIter: 50, tol: 1e-9 },
  'newton-cg': { maxIter: 100, tol: 1e-9 },
  lbfgs: { maxIter: 500, tol: 1e-7 },
} as const;

/** Fitted coefficients: one row (binary, the positive class) or one per class. */
export interface LogisticRegressionParams {
  classes: number[];
  weights: number[][];
  intercepts: number[];
  /** Solver used, iterations, and the final objective. */
  solver: Exclude<LogisticSolver, 'auto'>;
  iterations: number;
  objective: number;
  /** Whether max |gradient| (in standardised coordinates) reached `tol`; see `warnings` when not. */
  converged: boolean;
  /** Max |gradient| in standardised coordinates at the returned coefficients. */
  gradient: number;
}

/** A fitted logistic (binary) or softmax (multinomial) regression. */
export class LogisticRegressionModel implements TrainedClassifier<LogisticRegressionParams> {
  readonly kind = 'logistic-regression';
  readonly classes: readonly number[];

  constructor(
    readonly featureNames: readonly string[],
    readonly params: LogisticRegressionParams,
    readonly warnings: readonly string[] = [],
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

/** Fits binary or multinomial logistic regression. */
export function fitLogisticRegression(frame: FrameLike, labels: ArrayLike<number> | null, options: LogisticRegressionOptions = {}): LogisticRegressionModel {
  checkFinite('fitLogisticRegression', frame);
  const { classes, index } = encodeClasses('fitLogisticRegression', checkLabels('fitLogisticRegression', frame, labels));
  if (classes.length < 2) throw new RangeError(`fitLogisticRegression: needs at least 2 classes, got ${classes.length} (${classes.join(', ')})`);
  const n = frame.rows,
    d = frame.cols,
    k = classes.length;
  const l2 = options.l2 ?? 1 / n;
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new RangeError(`fitLogisticRegression: l2 must be a finite number ≥ 0, got ${options.l2}`);
  const solver = options.solver === undefined || options.solver === 'auto' ? (k > 2 ? 'newton-cg' : 'newton') : options.solver;
  if (!(solver in SOLVER_DEFAULTS)) throw new RangeError(`fitLogisticRegression: solver must be "auto", "newton", "newton-cg" or "lbfgs", got ${JSON.stringify(options.solver)}`);
  if (solver === 'newton' && k > 2) throw new RangeError(`fitLogisticRegression: solver "newton" handles 2 classes; got ${k}: use "newton-cg", "lbfgs" or "auto"`);
  return withWorkspace((ws) => {
    const scaling = featureScaling(frame.view, n, d, l2);
    const pb: LogisticProblem = { ws, x: stageFrame(ws, frame), y: ws.f64Of(index).ptr, n, d, l2, scaling };
    const tol = options.tol ?? SOLVER_DEFAULTS[solver].tol;
    const maxIter = options.maxIter ?? SOLVER_DEFAULTS[solver].maxIter;
    const r = solver === 'newton' ? newton(pb, maxIter, tol) : (solver === 'lbfgs' ? softmaxLbfgs : softmaxNewtonCg)(pb, k, maxIter, tol);
    // Softmax is shift-invariant and the intercepts are unpenalised: centre them for a unique answer.
    const shift = r.rows.length > 1 ? r.rows.reduce((sum, row) => sum + row[d]!, 0) / r.rows.length : 0;
    const params: LogisticRegressionParams = {
      classes,
      weights: r.rows.map((row) => Array.from(row.subarray(0, d))),
      intercepts: r.rows.map((row) => row[d]! - shift),
      solver,
      iterations: r.iterations,
      objective: r.objective,
      converged: r.converged,
      gradient: r.gradient,
    };
    return new LogisticRegressionModel(frame.names, params, r.converged ? [] : [notConverged(solver, r, tol)]);
  });
}

/** The warning of a fit that stopped short of the optimum, with what to do about it. */
function notConverged(solver: Exclude<LogisticSolver, 'auto'>, r: SolverResult, tol: number): string {
  const why = {
    'max-iter': `reached maxIter (${r.iterations})`,
    'objective-stalled': 'stopped decreasing the objective',
    'line-search': 'found no step that lowers the objective',
    gradient: 'stopped',
  }[r.stop];
  return (
    `logistic regression (${solver}) ${why} before converging: max |gradient| ${r.gradient.toExponential(2)} > tol ${tol}. ` +
    'The coefficients are not the optimum of the objective; raise maxIter, loosen tol, or raise l2 (separable classes have no finite optimum without it).'
  );
}

/** The logistic regression trainer. */
export const logisticRegression: Trainer<LogisticRegressionOptions, LogisticRegressionModel> = {
  name: 'logistic-regression',
  fit: fitLogisticRegression,
};
