/**
 * Plain-TS twins of `assembly/train.ts`: the same passes, written for clarity, in f64.
 * Arrays replace pointers; accumulating twins add to their outputs like the kernels.
 */
import type { FloatArray } from './stats.js';

/** G ((d+1)²) += Σ wᵢx̃ᵢx̃ᵢᵀ and v (d+1) += Σ rᵢx̃ᵢ, x̃ = [x, 1]; null w means ones, null r skips v. */
export function gramAccumulate(x: FloatArray, w: FloatArray | null, r: FloatArray | null, n: number, d: number, g: Float64Array, v: Float64Array | null): void {
  const D = d + 1;
  const row = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) row[a] = x[i * d + a]!;
    row[d] = 1;
    const wi = w ? w[i]! : 1;
    for (let a = 0; a < D; a++) for (let b = 0; b < D; b++) g[a * D + b]! += wi * row[a]! * row[b]!;
    if (r && v) for (let a = 0; a < D; a++) v[a]! += r[i]! * row[a]!;
  }
}

function score(x: FloatArray, i: number, d: number, beta: ArrayLike<number>, off = 0): number {
  let z = beta[off + d]!;
  for (let a = 0; a < d; a++) z += beta[off + a]! * x[i * d + a]!;
  return z;
}

/** IRLS weights p(1-p) and residuals p - y into w and r; returns Σ log-loss. */
export function logisticTerms(x: FloatArray, y: ArrayLike<number>, n: number, d: number, beta: ArrayLike<number>, w: Float64Array, r: Float64Array): number {
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const z = score(x, i, d, beta);
    const p = 1 / (1 + Math.exp(-z));
    loss += Math.log(1 + Math.exp(z)) - y[i]! * z;
    w[i] = p * (1 - p);
    r[i] = p - y[i]!;
  }
  return loss;
}

/** grad (k × (d+1)) += softmax log-loss gradient at W; returns Σ -log p(yᵢ); probs (n × k) receives p when given. */
export function softmaxGradient(x: FloatArray, y: ArrayLike<number>, n: number, d: number, k: number, wts: ArrayLike<number>, grad: Float64Array, probs?: Float64Array): number {
  const D = d + 1;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, (_, c) => score(x, i, d, wts, c * D));
    const m = Math.max(...z); // subtracted first, as the kernel does (so a +Inf score gives NaN there too)
    const logZ = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
    loss += logZ - z[y[i]!]!;
    for (let c = 0; c < k; c++) {
      const p = Math.exp(z[c]! - logZ);
      if (probs) probs[i * k + c] = p;
      const e = p - (c === y[i] ? 1 : 0);
      for (let a = 0; a < d; a++) grad[c * D + a]! += e * x[i * d + a]!;
      grad[c * D + d]! += e;
    }
  }
  return loss;
}

/** out (k × (d+1)) += Σᵢ (diag pᵢ − pᵢpᵢᵀ)·(V x̃ᵢ) x̃ᵢᵀ: the softmax Hessian times V, written as the matrix product. */
export function softmaxHessianVector(x: FloatArray, n: number, d: number, k: number, probs: ArrayLike<number>, v: ArrayLike<number>, out: Float64Array): void {
  const D = d + 1;
  for (let i = 0; i < n; i++) {
    const s = Array.from({ length: k }, (_, c) => score(x, i, d, v, c * D));
    for (let c = 0; c < k; c++) {
      // Row c of (diag p − ppᵀ) times s.
      let r = 0;
      for (let c2 = 0; c2 < k; c2++) r += ((c === c2 ? probs[i * k + c]! : 0) - probs[i * k + c]! * probs[i * k + c2]!) * s[c2]!;
      for (let a = 0; a < d; a++) out[c * D + a]! += r * x[i * d + a]!;
      out[c * D + d]! += r;
    }
  }
}

/** out (k × (d+1)) += Σᵢ pᵢc(1 − pᵢc)·(xᵢⱼ − μⱼ)² (μ = 0 when mean is null), and Σᵢ pᵢc(1 − pᵢc) for the intercept. */
export function softmaxHessianDiagonal(x: FloatArray, n: number, d: number, k: number, probs: ArrayLike<number>, mean: ArrayLike<number> | null, out: Float64Array): void {
  const D = d + 1;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const w = probs[i * k + c]! * (1 - probs[i * k + c]!);
      for (let a = 0; a < d; a++) out[c * D + a]! += w * (x[i * d + a]! - (mean ? mean[a]! : 0)) ** 2;
      out[c * D + d]! += w;
    }
  }
}

/** out (n × k) = X·Wᵀ + b. */
export function affine(x: FloatArray, n: number, d: number, k: number, wts: ArrayLike<number>, out: Float64Array): void {
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[i * k + c] = score(x, i, d, wts, c * (d + 1));
}

/** Per-class count, mean and Σ squared deviations of one batch (written, not accumulated). */
export function classMoments(x: FloatArray, y: ArrayLike<number>, n: number, d: number, k: number): { count: Float64Array; mean: Float64Array; m2: Float64Array } {
  const count = new Float64Array(k),
    mean = new Float64Array(k * d),
    m2 = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    count[c]!++;
    for (let a = 0; a < d; a++) mean[c * d + a]! += x[i * d + a]!;
  }
  for (let c = 0; c < k; c++) for (let a = 0; a < d; a++) if (count[c]! > 0) mean[c * d + a]! /= count[c]!;
  for (let i = 0; i < n; i++) {
    const c = y[i]!;
    for (let a = 0; a < d; a++) m2[c * d + a]! += (x[i * d + a]! - mean[c * d + a]!) ** 2;
  }
  return { count, mean, m2 };
}

/** out (n × k) = constant[c] - Σ (x - mean)²·halfInvVar. */
export function gaussianJll(
  x: FloatArray,
  n: number,
  d: number,
  k: number,
  mean: ArrayLike<number>,
  halfInvVar: ArrayLike<number>,
  constant: ArrayLike<number>,
  out: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (x[i * d + a]! - mean[c * d + a]!) ** 2 * halfInvVar[c * d + a]!;
      out[i * k + c] = constant[c]! - s;
    }
  }
}

/** Bin = number of column edges below the value; NaN → m. */
export function binColumns(x: FloatArray, n: number, d: number, edges: ArrayLike<number>, m: number, out: Uint8Array): void {
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const v = x[i * d + a]!;
      let b = 0;
      if (Number.isNaN(v)) b = m;
      else while (b < m && edges[a * m + b]! < v) b++;
      out[i * d + a] = b;
    }
  }
}

/** hist (d × nb × 2) = Σ (grad, hess) per feature and bin over the listed rows. */
export function histogram(bins: Uint8Array, d: number, nb: number, rows: ArrayLike<number>, m: number, grad: ArrayLike<number>, hess: ArrayLike<number>, hist: Float64Array): void {
  hist.fill(0);
  for (let t = 0; t < m; t++) {
    const i = rows[t]!;
    for (let a = 0; a < d; a++) {
      const p = (a * nb + bins[i * d + a]!) * 2;
      hist[p]! += grad[i]!;
      hist[p + 1]! += hess[i]!;
    }
  }
}

/** Nearest centre per row (ties to the lower index); returns the inertia. */
export function nearestCenter(x: FloatArray, n: number, d: number, c: ArrayLike<number>, k: number, assign: Int32Array, dist: Float64Array): number {
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    let best = 0,
      bestD = Infinity;
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let a = 0; a < d; a++) s += (x[i * d + a]! - c[j * d + a]!) ** 2;
      if (s < bestD) [best, bestD] = [j, s];
    }
    assign[i] = best;
    dist[i] = bestD;
    inertia += bestD;
  }
  return inertia;
}

/** Row-wise softmax of `[rows × k]` scores, in place (each row's maximum subtracted first). */
export function softmaxRows(scores: Float64Array, k: number): void {
  for (let i = 0; i < scores.length; i += k) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, scores[i + c]!);
    let s = 0;
    for (let c = 0; c < k; c++) s += scores[i + c] = Math.exp(scores[i + c]! - m);
    for (let c = 0; c < k; c++) scores[i + c]! /= s;
  }
}

/** Natural logarithm of each value, in place. */
export function logValues(values: Float64Array): void {
  for (let i = 0; i < values.length; i++) values[i] = Math.log(values[i]!);
}

/** out [n × 2] = [1 − σ(z), σ(z)] per margin. */
export function sigmoidPairs(margins: ArrayLike<number>, out: Float64Array): void {
  for (let i = 0; i < margins.length; i++) {
    const p = 1 / (1 + Math.exp(-margins[i]!));
    out[2 * i] = 1 - p;
    out[2 * i + 1] = p;
  }
}
