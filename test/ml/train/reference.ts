/**
 * Independent plain-TS references in f64 for the trainer tests: least squares by Householder QR
 * (no normal equations), a linear solve by Gaussian elimination, and logistic/softmax regression
 * by accelerated gradient descent run to convergence.
 */

/** Least squares min ‖A·x - b‖ by Householder QR; A is m × p (rows). */
export function lstsqQr(rows: readonly (readonly number[])[], b: readonly number[]): number[] {
  const m = rows.length, p = rows[0]!.length;
  const a = rows.map((r) => [...r]);
  const y = [...b];
  for (let k = 0; k < p; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += a[i]![k]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = a[k]![k]! > 0 ? -norm : norm;
    const v = new Array<number>(m).fill(0);
    for (let i = k; i < m; i++) v[i] = a[i]![k]!;
    v[k]! -= alpha;
    const vv = v.reduce((s, t) => s + t * t, 0);
    if (vv === 0) continue;
    for (let j = k; j < p; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += v[i]! * a[i]![j]!;
      for (let i = k; i < m; i++) a[i]![j]! -= (2 * s * v[i]!) / vv;
    }
    let s = 0;
    for (let i = k; i < m; i++) s += v[i]! * y[i]!;
    for (let i = k; i < m; i++) y[i]! -= (2 * s * v[i]!) / vv;
  }
  const x = new Array<number>(p).fill(0);
  for (let k = p - 1; k >= 0; k--) {
    let s = y[k]!;
    for (let j = k + 1; j < p; j++) s -= a[k]![j]! * x[j]!;
    x[k] = s / a[k]![k]!;
  }
  return x;
}

/** Solves A·x = b (A square, rows) by Gaussian elimination with partial pivoting. */
export function gaussSolve(aIn: readonly (readonly number[])[], bIn: readonly number[]): number[] {
  const n = bIn.length;
  const a = aIn.map((r, i) => [...r, bIn[i]!]);
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[piv]![k]!)) piv = i;
    [a[k], a[piv]] = [a[piv]!, a[k]!];
    for (let i = k + 1; i < n; i++) {
      const f = a[i]![k]! / a[k]![k]!;
      for (let j = k; j <= n; j++) a[i]![j]! -= f * a[k]![j]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let k = n - 1; k >= 0; k--) {
    let s = a[k]![n]!;
    for (let j = k + 1; j < n; j++) s -= a[k]![j]! * x[j]!;
    x[k] = s / a[k]![k]!;
  }
  return x;
}

/** Ridge with an unpenalised intercept by centring and Gaussian elimination. */
export function ridgeClosedForm(rows: readonly (readonly number[])[], y: ArrayLike<number>, l2: number): { weights: number[]; intercept: number } {
  const n = rows.length, d = rows[0]!.length;
  const mx = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
  let my = 0;
  for (let i = 0; i < n; i++) my += y[i]! / n;
  const a = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + (r[i]! - mx[i]!) * (r[j]! - mx[j]!), 0) + (i === j ? l2 : 0)));
  const c = Array.from({ length: d }, (_, j) => rows.reduce((s, r, i) => s + (r[j]! - mx[j]!) * (y[i]! - my), 0));
  const weights = gaussSolve(a, c);
  return { weights, intercept: my - weights.reduce((s, w, j) => s + w * mx[j]!, 0) };
}

/**
 * Softmax (k ≥ 3) or logistic (k = 2, one weight row for the positive class) regression
 * minimising (1/n)Σ loss + (l2/2)‖W‖² by Nesterov-accelerated gradient descent with step 1/L,
 * until max |gradient| ≤ gtol. Returns rows of [w..., b].
 */
export function logisticGd(rows: readonly (readonly number[])[], y: readonly number[], k: number, l2: number, gtol = 1e-10): number[][] {
  const n = rows.length, d = rows[0]!.length, D = d + 1, R = k === 2 ? 1 : k;
  // L ≤ (1/n)·λmax(X̃ᵀX̃)·(1/4 binary, 1/2 softmax) + l2; bound λmax by the trace.
  const trace = rows.reduce((s, r) => s + r.reduce((t, v) => t + v * v, 1), 0) / n;
  const L = trace * (k === 2 ? 0.25 : 0.5) + l2;
  const grad = (w: number[][]): number[][] => {
    const g = w.map(() => new Array<number>(D).fill(0));
    for (let i = 0; i < n; i++) {
      const x = [...rows[i]!, 1];
      const z = w.map((wr) => wr.reduce((s, v, j) => s + v * x[j]!, 0));
      let e: number[];
      if (k === 2) e = [1 / (1 + Math.exp(-z[0]!)) - y[i]!];
      else {
        const m = Math.max(...z);
        const ez = z.map((v) => Math.exp(v - m));
        const s = ez.reduce((a, b) => a + b, 0);
        e = ez.map((v, c) => v / s - (c === y[i] ? 1 : 0));
      }
      for (let c = 0; c < R; c++) for (let j = 0; j < D; j++) g[c]![j]! += (e[c]! * x[j]!) / n;
    }
    for (let c = 0; c < R; c++) for (let j = 0; j < d; j++) g[c]![j]! += l2 * w[c]![j]!;
    return g;
  };
  // Constant momentum for an l2-strongly convex objective: (√κ - 1)/(√κ + 1), κ = L / l2.
  const mom = (Math.sqrt(L / l2) - 1) / (Math.sqrt(L / l2) + 1);
  let w = Array.from({ length: R }, () => new Array<number>(D).fill(0));
  let prev = w.map((r) => [...r]);
  for (let it = 1; it < 2_000_000; it++) {
    const v = w.map((r, c) => r.map((x, j) => x + mom * (x - prev[c]![j]!)));
    const g = grad(v);
    prev = w;
    w = v.map((r, c) => r.map((x, j) => x - g[c]![j]! / L));
    if (it % 50 === 0) {
      const gw = grad(w);
      if (gw.every((r) => r.every((x) => Math.abs(x) <= gtol))) break;
    }
  }
  return w;
}
