/**
 * An independent reference for softmax regression: Newton's method with the full Hessian, in
 * plain f64 TypeScript, on the raw features. Newton's steps are invariant to affine changes of
 * the features, so unlike first-order methods it converges on unscaled data; it costs
 * O(n·k²·nnz²) per iteration and a (k·(d+1))³ Cholesky, fine for a test and too much for a device.
 */

interface Point {
  f: number;
  g: number[];
}

/** Objective (1/n)Σ −log p(yᵢ) + (λ/2)‖W‖² and its gradient at W (k rows of [w…, b]). */
function evaluate(rows: readonly (readonly number[])[], y: readonly number[], k: number, l2: number, W: number[][]): Point {
  const n = rows.length,
    d = rows[0]!.length,
    D = d + 1;
  const g = new Array<number>(k * D).fill(0);
  let f = 0;
  for (let i = 0; i < n; i++) {
    const p = probabilities(rows[i]!, W);
    f -= Math.log(p[y[i]!]!);
    for (let c = 0; c < k; c++) {
      const e = (p[c]! - (c === y[i] ? 1 : 0)) / n;
      for (let j = 0; j < d; j++) g[c * D + j]! += e * rows[i]![j]!;
      g[c * D + d]! += e;
    }
  }
  f /= n;
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      f += 0.5 * l2 * W[c]![j]! ** 2;
      g[c * D + j]! += l2 * W[c]![j]!;
    }
  }
  return { f, g };
}

/** Softmax of one row's scores, computed stably. */
function probabilities(x: readonly number[], W: number[][]): number[] {
  const d = x.length;
  const z = W.map((w) => w.slice(0, d).reduce((s, v, j) => s + v * x[j]!, w[d]!));
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Hessian (1/n)Σ (diag p − ppᵀ) ⊗ x̃x̃ᵀ + λI on the weights (a 1e-10 ridge on the intercepts' shift direction), row-major P × P. */
function hessian(rows: readonly (readonly number[])[], k: number, l2: number, W: number[][]): Float64Array {
  const n = rows.length,
    d = rows[0]!.length,
    D = d + 1,
    P = k * D;
  const H = new Float64Array(P * P);
  const outer = new Float64Array(D * D),
    xt = new Float64Array(D),
    nz = new Int32Array(D);
  for (const x of rows) {
    const p = probabilities(x, W);
    let m = 0;
    for (let j = 0; j < D; j++) {
      xt[j] = j < d ? x[j]! : 1;
      if (xt[j] !== 0) nz[m++] = j;
    }
    for (let q = 0; q < m; q++) for (let q2 = 0; q2 < m; q2++) outer[nz[q]! * D + nz[q2]!] = xt[nz[q]!]! * xt[nz[q2]!]!;
    for (let c = 0; c < k; c++) {
      for (let c2 = c; c2 < k; c2++) {
        const a = (p[c]! * ((c === c2 ? 1 : 0) - p[c2]!)) / n;
        for (let q = 0; q < m; q++) {
          const j = nz[q]!,
            base = (c * D + j) * P + c2 * D;
          for (let q2 = 0; q2 < m; q2++) H[base + nz[q2]!]! += a * outer[j * D + nz[q2]!]!;
        }
      }
    }
  }
  for (let r = 0; r < P; r++) {
    for (let s = 0; s < r; s++) H[r * P + s] = H[s * P + r]!;
    H[r * P + r]! += r % D === d ? 1e-10 : l2;
  }
  return H;
}

/** Solves H·x = b for the symmetric positive-definite H (P × P, row-major) by Cholesky. */
function choleskySolve(H: Float64Array, b: readonly number[]): number[] {
  const P = b.length;
  const L = new Float64Array(P * P);
  for (let i = 0; i < P; i++) {
    for (let j = 0; j <= i; j++) {
      let s = H[i * P + j]!;
      for (let q = 0; q < j; q++) s -= L[i * P + q]! * L[j * P + q]!;
      L[i * P + j] = i === j ? Math.sqrt(s) : s / L[j * P + j]!;
    }
  }
  const y = new Array<number>(P);
  for (let i = 0; i < P; i++) {
    let s = b[i]!;
    for (let q = 0; q < i; q++) s -= L[i * P + q]! * y[q]!;
    y[i] = s / L[i * P + i]!;
  }
  const x = new Array<number>(P);
  for (let i = P - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let q = i + 1; q < P; q++) s -= L[q * P + i]! * x[q]!;
    x[i] = s / L[i * P + i]!;
  }
  return x;
}

/**
 * Minimises the softmax objective by damped Newton until max |gradient| ≤ gtol. Returns k rows
 * of [w…, b] with the intercepts centred to sum to zero (softmax is shift-invariant). `start`
 * (k rows of [w…, b]; default zeros) only saves iterations: the objective is strictly convex in
 * the weights, so Newton reaches the same optimum from anywhere, and a start that is not the
 * optimum ends where the optimum is.
 */
export function softmaxNewton(rows: readonly (readonly number[])[], y: readonly number[], k: number, l2: number, options: { gtol?: number; start?: number[][] } = {}): number[][] {
  const D = rows[0]!.length + 1,
    gtol = options.gtol ?? 1e-10;
  let W = options.start?.map((r) => [...r]) ?? Array.from({ length: k }, () => new Array<number>(D).fill(0));
  let at = evaluate(rows, y, k, l2, W);
  for (let iter = 0; iter < 100 && Math.max(...at.g.map(Math.abs)) > gtol; iter++) {
    const step = choleskySolve(hessian(rows, k, l2, W), at.g);
    const predicted = step.reduce((s, v, i) => s + v * at.g[i]!, 0);
    let moved = false;
    for (let t = 1; t > 1e-12 && !moved; t /= 2) {
      const next = W.map((w, c) => w.map((v, j) => v - t * step[c * D + j]!));
      const there = evaluate(rows, y, k, l2, next);
      // Armijo, with room for the rounding error of a mean of n terms near the optimum.
      if (there.f <= at.f - 1e-4 * t * predicted + 1e-15 * rows.length * at.f) [W, at, moved] = [next, there, true];
    }
    if (!moved) break;
  }
  if (Math.max(...at.g.map(Math.abs)) > gtol) throw new Error(`softmaxNewton: did not reach max |gradient| ≤ ${gtol}`);
  const shift = W.reduce((s, w) => s + w[D - 1]!, 0) / k;
  return W.map((w) => [...w.slice(0, D - 1), w[D - 1]! - shift]);
}
