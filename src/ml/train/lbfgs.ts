/**
 * Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) with a backtracking Armijo line search:
 * a small, allocation-light minimiser for smooth convex objectives whose gradient is one pass
 * over the data (the WASM kernels compute it; this loop runs on O(m·p) numbers).
 */

/** Options of `lbfgs`. */
export interface LbfgsOptions {
  /** Iteration cap; default 500. */
  maxIter?: number;
  /** Correction pairs kept; default 10. */
  memory?: number;
  /** Stop when max |gradient| ≤ gtol; default 1e-7. */
  gtol?: number;
  /** Stop when the objective's relative decrease is ≤ ftol; default 1e-14. */
  ftol?: number;
}

/**
 * Why a minimisation stopped: the gradient test passed (`'gradient'`, the only converged
 * outcome), the objective stopped decreasing (`'objective-stalled'`), no step along the search
 * direction lowered it (`'line-search'`), or the iteration cap (`'max-iter'`).
 */
export type LbfgsStop = 'gradient' | 'objective-stalled' | 'line-search' | 'max-iter';

/** The outcome of a minimisation. */
export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  /** Objective/gradient evaluations (data passes). */
  evaluations: number;
  /** Max |gradient| ≤ gtol at `x`; nothing else counts as converged. */
  converged: boolean;
  /** Max |gradient| at `x`. */
  gradient: number;
  stop: LbfgsStop;
}

const dotp = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};
const maxAbs = (a: Float64Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Minimises f from x0; `fg(x, g)` returns f(x) and writes ∇f(x) into g. */
export function lbfgs(fg: (x: Float64Array, g: Float64Array) => number, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIter ?? 500,
    m = options.memory ?? 10,
    gtol = options.gtol ?? 1e-7,
    ftol = options.ftol ?? 1e-14;
  const p = x0.length;
  let x = Float64Array.from(x0);
  let g = new Float64Array(p);
  let f = fg(x, g);
  let evaluations = 1;
  const S: Float64Array[] = [],
    Y: Float64Array[] = [],
    rho: number[] = [];
  const dir = new Float64Array(p);
  const alpha = new Array<number>(m).fill(0);
  for (let iter = 0; iter < maxIter; iter++) {
    if (maxAbs(g) <= gtol) return { x, f, iterations: iter, evaluations, converged: true, gradient: maxAbs(g), stop: 'gradient' };
    // Two-loop recursion: dir = -H·g.
    for (let i = 0; i < p; i++) dir[i] = -g[i]!;
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j]! * dotp(S[j]!, dir);
      for (let i = 0; i < p; i++) dir[i]! -= alpha[j]! * Y[j]![i]!;
    }
    const gamma = S.length > 0 ? dotp(S.at(-1)!, Y.at(-1)!) / dotp(Y.at(-1)!, Y.at(-1)!) : 1 / Math.max(1, Math.sqrt(dotp(g, g)));
    for (let i = 0; i < p; i++) dir[i]! *= gamma;
    for (let j = 0; j < S.length; j++) {
      const beta = rho[j]! * dotp(Y[j]!, dir);
      for (let i = 0; i < p; i++) dir[i]! += (alpha[j]! - beta) * S[j]![i]!;
    }
    let slope = dotp(g, dir);
    if (!(slope < 0)) {
      // Not a descent direction (curvature lost): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < p; i++) dir[i] = -g[i]! / Math.max(1, Math.sqrt(dotp(g, g)));
      slope = dotp(g, dir);
    }
    let step = 1;
    const xn = new Float64Array(p),
      gn = new Float64Array(p);
    let fn = Infinity;
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < p; i++) xn[i] = x[i]! + step * dir[i]!;
      fn = fg(xn, gn);
      evaluations++;
      if (fn <= f + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(fn <= f)) return { x, f, iterations: iter, evaluations, converged: false, gradient: maxAbs(g), stop: 'line-search' };
    const s = new Float64Array(p),
      y = new Float64Array(p);
    for (let i = 0; i < p; i++) {
      s[i] = xn[i]! - x[i]!;
      y[i] = gn[i]! - g[i]!;
    }
    const sy = dotp(s, y);
    if (sy > 1e-300) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
    }
    const decrease = f - fn;
    x = xn;
    g = gn;
    f = fn;
    if (decrease <= ftol * Math.max(1, Math.abs(f))) {
      const gradient = maxAbs(g);
      return { x, f, iterations: iter + 1, evaluations, converged: gradient <= gtol, gradient, stop: gradient <= gtol ? 'gradient' : 'objective-stalled' };
    }
  }
  const gradient = maxAbs(g);
  return { x, f, iterations: maxIter, evaluations, converged: gradient <= gtol, gradient, stop: gradient <= gtol ? 'gradient' : 'max-iter' };
}
