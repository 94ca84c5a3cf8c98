/**
 * The solvers of logistic regression, all minimising the same objective
 * (1/n)·Σ log-loss + (λ/2)·‖W‖² over the raw features, intercepts unpenalised.
 *
 * All measure convergence in standardised coordinates: the gradient with respect to the
 * coefficients of features centred on their mean and scaled by 1/√(variance + λ). That is a
 * scale-free test (a feature in grams and one in tonnes count alike). The softmax solvers also
 * *search* in those coordinates (`softmax-objective.ts`): on raw features whose scales differ by
 * 10⁴ (wine's proline against its hue) a first-order method's single step length cannot suit
 * every coordinate and stalls. The reparameterisation is exact, so the answer is the optimum of
 * the documented objective in raw units.
 */
import { lbfgs, type LbfgsStop } from './lbfgs.js';
import { SoftmaxObjective } from './softmax-objective.js';
import { solveSpd } from './solve.js';
import { standardise, type LogisticProblem } from './logistic-problem.js';

/** What a solver returns: rows of [w…, b] (one row for binary), and how it stopped. */
export interface SolverResult {
  rows: Float64Array[];
  iterations: number;
  objective: number;
  converged: boolean;
  /** Max |gradient| in standardised coordinates at the returned point. */
  gradient: number;
  stop: LbfgsStop;
}

/** Rounding slack of an objective that is a mean of n non-negative terms: n·ε relative. */
const roundingSlack = (objective: number, n: number): number => (n + 16) * Number.EPSILON * Math.abs(objective);

/**
 * Newton/IRLS for the binary problem (y holds 0/1) with a backtracking Armijo line search. A step
 * is accepted when it lowers the objective by the Armijo fraction of the predicted decrease, up
 * to the objective's rounding error: near the optimum the true decrease is smaller than that
 * error, and refusing a full Newton step there would stall a converging fit.
 */
export function newton(pb: LogisticProblem, maxIter: number, tol: number): SolverResult {
  const { ws, n, d, l2 } = pb;
  const D = d + 1;
  const beta = ws.f64(D),
    w = ws.f64(n),
    r = ws.f64(n),
    h = ws.f64(D * D),
    g = ws.f64(D);
  const objectiveAt = (): number => {
    const loss = ws.x.logisticTerms(pb.x, pb.y, n, d, beta.ptr, w.ptr, r.ptr);
    const b = beta.view;
    let obj = loss / n;
    for (let j = 0; j < d; j++) obj += 0.5 * l2 * b[j]! ** 2;
    return obj;
  };
  let obj = objectiveAt(),
    gradient = Infinity;
  for (let iter = 0; iter < maxIter; iter++) {
    // w and r hold the IRLS weights and residuals at beta (the last objectiveAt was there).
    h.view.fill(0);
    g.view.fill(0);
    ws.x.gramAccumulate(pb.x, w.ptr, r.ptr, n, d, h.ptr, g.ptr);
    const current = Float64Array.from(beta.view);
    const H = Float64Array.from(h.view, (v) => v / n),
      G = Float64Array.from(g.view, (v) => v / n);
    for (let j = 0; j < D; j++) {
      H[j * D + j]! += j < d ? l2 : 1e-12;
      if (j < d) G[j]! += l2 * current[j]!;
    }
    const standardised = new Float64Array(D);
    standardise(G, 1, pb.scaling, standardised);
    gradient = maxAbs(standardised);
    if (gradient <= tol) return { rows: [current], iterations: iter, objective: obj, converged: true, gradient, stop: 'gradient' };
    const step = solveSpd(H, G, D);
    if (!(step instanceof Float64Array)) throw new RangeError('logistic regression: the Hessian is singular (constant or collinear features); use l2 > 0');
    const predicted = step.reduce((s, v, j) => s + v * G[j]!, 0);
    const slack = roundingSlack(obj, n);
    let accepted = false;
    for (let t = 1; t >= 1e-10 && !accepted; t /= 2) {
      const b = beta.view;
      for (let j = 0; j < D; j++) b[j] = current[j]! - t * step[j]!;
      const next = objectiveAt();
      if (next <= obj - 1e-4 * t * predicted + slack) {
        accepted = true;
        obj = next;
      }
    }
    if (!accepted) {
      // No step lowers the objective beyond its rounding error: this is as close as f64 gets.
      beta.view.set(current);
      return { rows: [current], iterations: iter, objective: objectiveAt(), converged: false, gradient, stop: 'line-search' };
    }
  }
  return { rows: [Float64Array.from(beta.view)], iterations: maxIter, objective: obj, converged: false, gradient, stop: 'max-iter' };
}

/** The penalty per softmax row: doubled for 2 classes, so both rows together cost (λ/2)·‖W₁ − W₀‖². */
const rowPenalty = (k: number, l2: number): number => (k === 2 ? 2 * l2 : l2);

/**
 * The fitted rows in raw units. With k = 2 the loss depends only on w = W₁ − W₀ and, with each
 * row carrying twice the penalty, is smallest at W₀ = −W₁, where λ·(‖W₀‖² + ‖W₁‖²) = (λ/2)·‖w‖²:
 * the binary objective. So that case returns the one row w (the positive class), as Newton does.
 */
function fittedRows(objective: SoftmaxObjective, theta: Float64Array, k: number): Float64Array[] {
  const raw = new Float64Array(objective.size);
  objective.toRaw(theta, raw);
  const D = objective.size / k;
  const rows = Array.from({ length: k }, (_, c) => raw.slice(c * D, c * D + D));
  return k === 2 ? [rows[1]!.map((v, j) => v - rows[0]![j]!)] : rows;
}

/** L-BFGS on the softmax problem (y holds class indices) in standardised coordinates. */
export function softmaxLbfgs(pb: LogisticProblem, k: number, maxIter: number, tol: number): SolverResult {
  const objective = new SoftmaxObjective(pb, k, rowPenalty(k, pb.l2));
  const res = lbfgs((theta, g) => objective.evaluate(theta, g), new Float64Array(objective.size), { maxIter, gtol: tol });
  return { rows: fittedRows(objective, res.x, k), iterations: res.iterations, objective: res.f, converged: res.converged, gradient: res.gradient, stop: res.stop };
}

/**
 * Newton-CG (truncated Newton) on the softmax problem in standardised coordinates: each
 * iteration solves H·s = ∇f by conjugate gradients preconditioned with the Hessian's diagonal,
 * one O(n·k·d) WASM pass per CG step and no Hessian matrix, stopping at a residual of
 * min(½, √‖∇f‖)·‖∇f‖ (so steps become exact Newton steps near the optimum, where convergence
 * is quadratic), then backtracks as `newton` does.
 */
export function softmaxNewtonCg(pb: LogisticProblem, k: number, maxIter: number, tol: number): SolverResult {
  const objective = new SoftmaxObjective(pb, k, rowPenalty(k, pb.l2));
  const p = objective.size;
  let theta = new Float64Array(p),
    g = new Float64Array(p);
  let f = objective.evaluate(theta, g),
    gradient = maxAbs(g);
  const done = (iterations: number, converged: boolean, stop: LbfgsStop): SolverResult => ({
    rows: fittedRows(objective, theta, k),
    iterations,
    objective: f,
    converged,
    gradient,
    stop,
  });
  for (let iter = 0; iter < maxIter; iter++) {
    if (gradient <= tol) return done(iter, true, 'gradient');
    const step = conjugateGradient(objective, g);
    const predicted = dot(step, g);
    const slack = roundingSlack(f, pb.n);
    const next = new Float64Array(p),
      gNext = new Float64Array(p);
    let accepted = false;
    for (let t = 1; t >= 1e-10 && !accepted; t /= 2) {
      for (let i = 0; i < p; i++) next[i] = theta[i]! - t * step[i]!;
      const fNext = objective.evaluate(next, gNext);
      if (fNext <= f - 1e-4 * t * predicted + slack) {
        [theta, g, f, accepted] = [Float64Array.from(next), Float64Array.from(gNext), fNext, true];
      }
    }
    if (!accepted) {
      objective.evaluate(theta, g);
      return done(iter, false, 'line-search');
    }
    gradient = maxAbs(g);
  }
  return done(maxIter, gradient <= tol, gradient <= tol ? 'gradient' : 'max-iter');
}

/**
 * Preconditioned CG for H·s = g at the objective's last evaluated point, to a relative residual
 * of min(½, √‖g‖), at most 2·p steps; stops early on non-positive curvature (the intercepts'
 * common shift, along which softmax is flat).
 */
function conjugateGradient(objective: SoftmaxObjective, g: Float64Array): Float64Array {
  const p = g.length;
  const m = new Float64Array(p);
  objective.preconditioner(m);
  const s = new Float64Array(p),
    r = Float64Array.from(g),
    hd = new Float64Array(p);
  const z = r.map((v, i) => v / m[i]!);
  const dir = Float64Array.from(z);
  const gNorm = Math.sqrt(dot(g, g));
  const target = Math.min(0.5, Math.sqrt(gNorm)) * gNorm;
  let rz = dot(r, z);
  for (let it = 0; it < 2 * p && Math.sqrt(dot(r, r)) > target; it++) {
    objective.hessianVector(dir, hd);
    const curvature = dot(dir, hd);
    if (!(curvature > 0)) break;
    const alpha = rz / curvature;
    for (let i = 0; i < p; i++) {
      s[i]! += alpha * dir[i]!;
      r[i]! -= alpha * hd[i]!;
      z[i] = r[i]! / m[i]!;
    }
    const rzNext = dot(r, z);
    for (let i = 0; i < p; i++) dir[i] = z[i]! + (rzNext / rz) * dir[i]!;
    rz = rzNext;
  }
  // No progress at all (a flat direction first): fall back to the preconditioned gradient.
  return s.some((v) => v !== 0) ? s : Float64Array.from(g, (v, i) => v / m[i]!);
}

const dot = (a: Float64Array, b: Float64Array): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
};
const maxAbs = (a: Float64Array): number => a.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0);
