/**
 * Independent plain-TS references in f64 for the trainer tests: least squares by Householder QR
 * (no normal equations), a linear solve by Gaussian elimination, logistic/softmax regression
 * by accelerated gradient descent run to convergence, and k-means (k-means++ seeding, Lloyd).
 */

/** Least squares min ‖A·x - b‖ by Householder QR; A is m × p (rows). */
export function lstsqQr(rows: readonly (readonly number[])[], b: readonly number[]): number[] {
  const m = rows.length,
    p = rows[0]!.length;
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
  const n = rows.length,
    d = rows[0]!.length;
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
  const n = rows.length,
    d = rows[0]!.length,
    D = d + 1,
    R = k === 2 ? 1 : k;
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

/**
 * Best of `restarts` k-means runs in plain f64: greedy k-means++ seeding over all rows (each
 * centre the best of 2 + ⌊ln k⌋ D²-weighted candidates, scikit-learn's seeding), then Lloyd until
 * no row changes cluster (an empty cluster takes the row farthest from its centre). Returns the
 * lowest inertia (Σ squared distance to the nearest centre) and its centres.
 */
export function kMeansReference(rows: readonly (readonly number[])[], k: number, restarts: number, rng: () => number): { inertia: number; centers: number[][] } {
  const d = rows[0]!.length,
    x = Float64Array.from(rows.flat());
  let best: { inertia: number; centers: Float64Array } = { inertia: Infinity, centers: new Float64Array(0) };
  for (let r = 0; r < restarts; r++) {
    const run = lloydReference(x, d, seedReference(x, d, k, rng));
    if (run.inertia < best.inertia) best = run;
  }
  return { inertia: best.inertia, centers: Array.from({ length: k }, (_, c) => Array.from(best.centers.subarray(c * d, c * d + d))) };
}

/** Squared distance between row i of x and row c of centres (both flat, d wide). */
function sqDist(x: Float64Array, i: number, centers: Float64Array, c: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += (x[i * d + j]! - centers[c * d + j]!) ** 2;
  return s;
}

/** Greedy k-means++ over all rows. */
function seedReference(x: Float64Array, d: number, k: number, rng: () => number): Float64Array {
  const n = x.length / d,
    centers = new Float64Array(k * d);
  const first = Math.floor(rng() * n);
  centers.set(x.subarray(first * d, first * d + d));
  let near: Float64Array = Float64Array.from({ length: n }, (_, i) => sqDist(x, i, centers, 0, d));
  for (let c = 1; c < k; c++) {
    let pick: { row: number; near: Float64Array; pot: number } | undefined;
    for (let t = 0; t < 2 + Math.floor(Math.log(k)); t++) {
      let u = rng() * near.reduce((a, b) => a + b, 0),
        row = 0;
      while (row < n - 1 && (u -= near[row]!) > 0) row++;
      const next = near.map((v, i) => Math.min(v, sqDist(x, i, x, row, d)));
      const pot = next.reduce((a, b) => a + b, 0);
      if (!pick || pot < pick.pot) pick = { row, near: next, pot };
    }
    centers.set(x.subarray(pick!.row * d, pick!.row * d + d), c * d);
    near = pick!.near;
  }
  return centers;
}

/** Lloyd from `centers` until the assignment repeats; the inertia is of the final centres. */
function lloydReference(x: Float64Array, d: number, centers: Float64Array): { inertia: number; centers: Float64Array } {
  const n = x.length / d,
    k = centers.length / d;
  const labels = new Int32Array(n).fill(-1),
    own = new Float64Array(n);
  for (let it = 0; it < 10_000; it++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let c = 0,
        best = sqDist(x, i, centers, 0, d);
      for (let q = 1; q < k; q++) {
        const s = sqDist(x, i, centers, q, d);
        if (s < best) [c, best] = [q, s];
      }
      own[i] = best;
      if (labels[i] !== c) [labels[i], changed] = [c, true];
    }
    if (!changed) break;
    const sums = new Float64Array(k * d),
      counts = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      counts[labels[i]!]!++;
      for (let j = 0; j < d; j++) sums[labels[i]! * d + j]! += x[i * d + j]!;
    }
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) for (let j = 0; j < d; j++) centers[c * d + j] = sums[c * d + j]! / counts[c]!;
      else {
        const far = own.indexOf(Math.max(...own));
        centers.set(x.subarray(far * d, far * d + d), c * d);
        own[far] = -Infinity;
      }
    }
  }
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += sqDist(x, i, centers, labels[i]!, d);
  return { inertia, centers };
}
