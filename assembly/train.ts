// Training kernels: the passes over the data that fitting a model needs. Frames are row-major
// f32 [n × d]; targets, class indices, weights and every accumulator are f64 (class indices are
// small integers stored as f64). Nothing here allocates; callers pass scratch where it is needed.
// Accumulating kernels add to their outputs so a model can be fitted over many bundles; the
// others write their outputs. x̃ = [x, 1] is a row with the intercept term appended.
//
// NaN/Inf policy: IEEE arithmetic. A NaN feature spreads into the accumulators it touches
// (callers reject non-finite training rows first); binColumns sends NaN to the last bin. Every
// NaN written or returned is the canonical one (see nan.ts): at the store for written outputs,
// by one pass at the end over accumulated ones.
import { canon, canonF64s } from "./nan";

// ---- normal equations -------------------------------------------------------------------------

@inline function px(row: usize, a: i32): f64 {
  return <f64>load<f32>(row + (<usize>a << 2));
}

@inline function pair(row: usize, b: i32): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>b << 2)));
}

@inline function addF64(p: usize, v: f64): void {
  store<f64>(p, load<f64>(p) + v);
}

/** Mirrors the upper triangle of the D × D matrix g into its lower triangle. */
function mirrorUpper(g: usize, D: i32): void {
  for (let a = 0; a < D; a++) {
    for (let b = a + 1; b < D; b++) {
      store<f64>(g + ((<usize>b * <usize>D + <usize>a) << 3), load<f64>(g + ((<usize>a * <usize>D + <usize>b) << 3)));
    }
  }
}

/** G += w·x̃x̃ᵀ and v += r·x̃ for one row (the tail of gramAccumulate). */
function gramRow(row: usize, wi: f64, ri: f64, hasR: bool, d: i32, g: usize, v: usize): void {
  const D = <usize>(d + 1);
  for (let a = 0; a < d; a++) {
    const xa = wi * px(row, a);
    const ga = g + ((<usize>a * D) << 3);
    for (let b = a; b < d; b++) addF64(ga + (<usize>b << 3), xa * px(row, b));
    addF64(ga + (<usize>d << 3), xa);
    if (hasR) addF64(v + (<usize>a << 3), ri * px(row, a));
  }
  addF64(g + ((<usize>d * D + <usize>d) << 3), wi);
  if (hasR) addF64(v + (<usize>d << 3), ri);
}

/**
 * Normal-equation statistics with an intercept: G [(d+1) × (d+1)] += Σ wᵢ·x̃ᵢx̃ᵢᵀ and
 * v [d+1] += Σ rᵢ·x̃ᵢ, for X [n × d] f32, w [n] f64 (0: all ones) and r [n] f64 (0: skip v).
 * Ordinary least squares passes r = y; Newton steps pass the IRLS weights and residuals.
 * Four rows at a time, two columns per f64x2 lane pair; G stays symmetric.
 */
export function gramAccumulate(x: usize, w: usize, r: usize, n: i32, d: i32, g: usize, v: usize): void {
  const D = <usize>(d + 1);
  const rowBytes = <usize>d << 2;
  const hasW = w != 0;
  const hasR = r != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x0 = x + <usize>i * rowBytes;
    const x1 = x0 + rowBytes, x2 = x1 + rowBytes, x3 = x2 + rowBytes;
    const wo = w + (<usize>i << 3);
    const w0: f64 = hasW ? load<f64>(wo) : 1.0, w1: f64 = hasW ? load<f64>(wo, 8) : 1.0;
    const w2: f64 = hasW ? load<f64>(wo, 16) : 1.0, w3: f64 = hasW ? load<f64>(wo, 24) : 1.0;
    for (let a = 0; a < d; a++) {
      const a0 = w0 * px(x0, a), a1 = w1 * px(x1, a), a2 = w2 * px(x2, a), a3 = w3 * px(x3, a);
      const s0 = f64x2.splat(a0), s1 = f64x2.splat(a1), s2 = f64x2.splat(a2), s3 = f64x2.splat(a3);
      const ga = g + ((<usize>a * D) << 3);
      let b = a;
      for (; b + 2 <= d; b += 2) {
        const p = ga + (<usize>b << 3);
        const t = f64x2.add(
          f64x2.add(f64x2.mul(s0, pair(x0, b)), f64x2.mul(s1, pair(x1, b))),
          f64x2.add(f64x2.mul(s2, pair(x2, b)), f64x2.mul(s3, pair(x3, b))),
        );
        v128.store(p, f64x2.add(v128.load(p), t));
      }
      if (b < d) addF64(ga + (<usize>b << 3), a0 * px(x0, b) + a1 * px(x1, b) + a2 * px(x2, b) + a3 * px(x3, b));
      addF64(ga + (<usize>d << 3), a0 + a1 + a2 + a3);
    }
    addF64(g + ((<usize>d * D + <usize>d) << 3), w0 + w1 + w2 + w3);
    if (hasR) {
      const ro = r + (<usize>i << 3);
      const r0 = load<f64>(ro), r1 = load<f64>(ro, 8), r2 = load<f64>(ro, 16), r3 = load<f64>(ro, 24);
      for (let a = 0; a < d; a++) addF64(v + (<usize>a << 3), r0 * px(x0, a) + r1 * px(x1, a) + r2 * px(x2, a) + r3 * px(x3, a));
      addF64(v + (<usize>d << 3), r0 + r1 + r2 + r3);
    }
  }
  for (; i < n; i++) {
    const wi: f64 = hasW ? load<f64>(w + (<usize>i << 3)) : 1.0;
    const ri: f64 = hasR ? load<f64>(r + (<usize>i << 3)) : 0.0;
    gramRow(x + <usize>i * rowBytes, wi, ri, hasR, d, g, v);
  }
  mirrorUpper(g, d + 1);
  canonF64s(g, (d + 1) * (d + 1));
  if (hasR) canonF64s(v, d + 1);
}

/** z = β·x̃ for one row (β has d + 1 f64, intercept last). */
@inline function linearScore(row: usize, d: i32, beta: usize): f64 {
  let z = load<f64>(beta + (<usize>d << 3));
  for (let a = 0; a < d; a++) z += load<f64>(beta + (<usize>a << 3)) * px(row, a);
  return z;
}

/** log(1 + e^z) without overflow. */
@inline function softplus(z: f64): f64 {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/**
 * One IRLS pass of binary logistic regression at β [d+1]: writes the weights wᵢ = pᵢ(1 - pᵢ)
 * and residuals rᵢ = pᵢ - yᵢ (n f64 each) for gramAccumulate; returns Σ log-loss.
 */
export function logisticTerms(x: usize, y: usize, n: i32, d: i32, beta: usize, w: usize, r: usize): f64 {
  const rowBytes = <usize>d << 2;
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const z = linearScore(x + <usize>i * rowBytes, d, beta);
    const yi = load<f64>(y + (<usize>i << 3));
    const p = 1.0 / (1.0 + Math.exp(-z));
    loss += softplus(z) - yi * z;
    store<f64>(w + (<usize>i << 3), canon(p * (1.0 - p)));
    store<f64>(r + (<usize>i << 3), canon(p - yi));
  }
  return canon(loss);
}

/**
 * Multinomial (softmax) log-loss gradient at W [k × (d+1)] f64 (intercepts last in each row):
 * grad [k × (d+1)] += Σ (pᵢ - onehot(yᵢ)) x̃ᵢᵀ; returns Σ -log p(yᵢ). y holds class indices
 * 0..k-1 as f64; `scratch` is k f64; `probs` (0: skip) receives pᵢ [n × k] f64 for the
 * Hessian passes below.
 */
export function softmaxGradient(x: usize, y: usize, n: i32, d: i32, k: i32, wts: usize, grad: usize, scratch: usize, probs: usize): f64 {
  const rowBytes = <usize>d << 2;
  const D = <usize>(d + 1);
  let loss: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = x + <usize>i * rowBytes;
    let m = -Infinity;
    for (let c = 0; c < k; c++) {
      const z = linearScore(row, d, wts + ((<usize>c * D) << 3));
      store<f64>(scratch + (<usize>c << 3), z);
      if (z > m) m = z;
    }
    let s: f64 = 0;
    for (let c = 0; c < k; c++) s += Math.exp(load<f64>(scratch + (<usize>c << 3)) - m);
    const logZ = m + Math.log(s);
    const yi = <i32>load<f64>(y + (<usize>i << 3));
    loss += logZ - load<f64>(scratch + (<usize>yi << 3));
    for (let c = 0; c < k; c++) {
      const p = Math.exp(load<f64>(scratch + (<usize>c << 3)) - logZ);
      if (probs != 0) store<f64>(probs + ((<usize>i * <usize>k + <usize>c) << 3), canon(p));
      const e = p - (c == yi ? 1.0 : 0.0);
      const gc = grad + ((<usize>c * D) << 3);
      for (let a = 0; a < d; a++) addF64(gc + (<usize>a << 3), e * px(row, a));
      addF64(gc + (<usize>d << 3), e);
    }
  }
  canonF64s(grad, k * (d + 1));
  return canon(loss);
}

/**
 * Softmax Hessian times a direction V [k × (d+1)] f64, from the probabilities P [n × k] of
 * softmaxGradient: out [k × (d+1)] += Σᵢ rᵢ x̃ᵢᵀ with sᵢc = V_c·x̃ᵢ, mᵢ = Σc pᵢc sᵢc and
 * rᵢc = pᵢc (sᵢc − mᵢ). One pass, O(n·k·d): Newton-CG's inner step. `scratch` is k f64.
 */
export function softmaxHessianVector(x: usize, n: i32, d: i32, k: i32, probs: usize, v: usize, out: usize, scratch: usize): void {
  const rowBytes = <usize>d << 2;
  const D = <usize>(d + 1);
  for (let i = 0; i < n; i++) {
    const row = x + <usize>i * rowBytes;
    const pi = probs + ((<usize>i * <usize>k) << 3);
    let m: f64 = 0;
    for (let c = 0; c < k; c++) {
      const s = linearScore(row, d, v + ((<usize>c * D) << 3));
      store<f64>(scratch + (<usize>c << 3), s);
      m += load<f64>(pi + (<usize>c << 3)) * s;
    }
    for (let c = 0; c < k; c++) {
      const r = load<f64>(pi + (<usize>c << 3)) * (load<f64>(scratch + (<usize>c << 3)) - m);
      const oc = out + ((<usize>c * D) << 3);
      for (let a = 0; a < d; a++) addF64(oc + (<usize>a << 3), r * px(row, a));
      addF64(oc + (<usize>d << 3), r);
    }
  }
  canonF64s(out, k * (d + 1));
}

/**
 * Diagonal of the softmax Hessian from the probabilities P [n × k], about the feature means
 * (d f64; 0: about zero): out [k × (d+1)] += Σᵢ pᵢc (1 − pᵢc) (xᵢⱼ − μⱼ)², and Σᵢ pᵢc (1 − pᵢc)
 * for the intercept — the preconditioner of Newton-CG in centred coordinates.
 */
export function softmaxHessianDiagonal(x: usize, n: i32, d: i32, k: i32, probs: usize, mean: usize, out: usize): void {
  const rowBytes = <usize>d << 2;
  const D = <usize>(d + 1);
  const centred = mean != 0;
  for (let i = 0; i < n; i++) {
    const row = x + <usize>i * rowBytes;
    for (let c = 0; c < k; c++) {
      const p = load<f64>(probs + ((<usize>i * <usize>k + <usize>c) << 3));
      const w = p * (1.0 - p);
      const oc = out + ((<usize>c * D) << 3);
      for (let a = 0; a < d; a++) {
        const xa = centred ? px(row, a) - load<f64>(mean + (<usize>a << 3)) : px(row, a);
        addF64(oc + (<usize>a << 3), w * xa * xa);
      }
      addF64(oc + (<usize>d << 3), w);
    }
  }
  canonF64s(out, k * (d + 1));
}

/** out [n × k] f64 = X·Wᵀ + b for W [k × (d+1)] f64 (intercepts last): linear scores and logits. */
export function affine(x: usize, n: i32, d: i32, k: i32, wts: usize, out: usize): void {
  const rowBytes = <usize>d << 2;
  const D = <usize>(d + 1);
  for (let i = 0; i < n; i++) {
    const row = x + <usize>i * rowBytes;
    const o = out + ((<usize>i * <usize>k) << 3);
    for (let c = 0; c < k; c++) store<f64>(o + (<usize>c << 3), canon(linearScore(row, d, wts + ((<usize>c * D) << 3))));
  }
}

// ---- Probabilities ----------------------------------------------------------------------------
// In the kernels rather than in JS: AssemblyScript's Math.exp is a software function, so the
// same scores give the same bits on x64 and arm64 (V8's Math.exp differs by an ulp on arm64).

/** Row-wise softmax of [rows × k] f64 scores at `p`, in place (each row's maximum subtracted first). */
export function softmaxRows(p: usize, rows: i32, k: i32): void {
  for (let i = 0; i < rows; i++) {
    const row = p + ((<usize>i * <usize>k) << 3);
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, load<f64>(row + (<usize>c << 3)));
    let s: f64 = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(load<f64>(row + (<usize>c << 3)) - m);
      store<f64>(row + (<usize>c << 3), e);
      s += e;
    }
    for (let c = 0; c < k; c++) store<f64>(row + (<usize>c << 3), canon(load<f64>(row + (<usize>c << 3)) / s));
  }
}

/** out [n × 2] f64 = [1 − σ(z), σ(z)] for the n f64 margins z (the positive class second). */
export function sigmoidPairs(z: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    const p = 1.0 / (1.0 + Math.exp(-load<f64>(z + (<usize>i << 3))));
    store<f64>(out + (<usize>i << 4), canon(1.0 - p));
    store<f64>(out + (<usize>i << 4) + 8, canon(p));
  }
}

/** Natural logarithm of the n f64 values at `p`, in place (priors and log-odds the trainers start from). */
export function logValues(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const q = p + (<usize>i << 3);
    store<f64>(q, canon(Math.log(load<f64>(q))));
  }
}

// ---- Gaussian naive Bayes ---------------------------------------------------------------------

/**
 * Per-class moments of one batch, two-pass: count [k], mean [k × d] and m2 [k × d] (Σ squared
 * deviations from the class mean) are written, not accumulated; callers merge batches with
 * Chan's formula. y holds class indices 0..k-1 as f64. A class absent from the batch gets
 * count 0, mean 0, m2 0.
 */
export function classMoments(x: usize, y: usize, n: i32, d: i32, k: i32, count: usize, mean: usize, m2: usize): void {
  const rowBytes = <usize>d << 2;
  memory.fill(count, 0, <usize>k << 3);
  memory.fill(mean, 0, (<usize>k * <usize>d) << 3);
  memory.fill(m2, 0, (<usize>k * <usize>d) << 3);
  for (let i = 0; i < n; i++) {
    const c = <usize>(<i32>load<f64>(y + (<usize>i << 3)));
    addF64(count + (c << 3), 1);
    const row = x + <usize>i * rowBytes, mc = mean + ((c * <usize>d) << 3);
    for (let a = 0; a < d; a++) addF64(mc + (<usize>a << 3), px(row, a));
  }
  for (let c = 0; c < k; c++) {
    const nc = load<f64>(count + (<usize>c << 3));
    if (nc == 0) continue;
    const mc = mean + ((<usize>c * <usize>d) << 3);
    for (let a = 0; a < d; a++) store<f64>(mc + (<usize>a << 3), load<f64>(mc + (<usize>a << 3)) / nc);
  }
  for (let i = 0; i < n; i++) {
    const c = <usize>(<i32>load<f64>(y + (<usize>i << 3)));
    const row = x + <usize>i * rowBytes, mc = mean + ((c * <usize>d) << 3), sc = m2 + ((c * <usize>d) << 3);
    for (let a = 0; a < d; a++) {
      const t = px(row, a) - load<f64>(mc + (<usize>a << 3));
      addF64(sc + (<usize>a << 3), t * t);
    }
  }
  canonF64s(mean, k * d);
  canonF64s(m2, k * d);
}

/**
 * Joint log-likelihood of Gaussian naive Bayes: out [n × k] f64 =
 * constant[c] - Σⱼ (x[j] - mean[c,j])² · halfInvVar[c,j]  (see naiveBayesTerms).
 */
export function gaussianJll(x: usize, n: i32, d: i32, k: i32, mean: usize, halfInvVar: usize, constant: usize, out: usize): void {
  const rowBytes = <usize>d << 2;
  for (let i = 0; i < n; i++) {
    const row = x + <usize>i * rowBytes;
    const o = out + ((<usize>i * <usize>k) << 3);
    for (let c = 0; c < k; c++) {
      const off = (<usize>c * <usize>d) << 3;
      let s: f64 = 0;
      for (let a = 0; a < d; a++) {
        const t = px(row, a) - load<f64>(mean + off + (<usize>a << 3));
        s += t * t * load<f64>(halfInvVar + off + (<usize>a << 3));
      }
      store<f64>(o + (<usize>c << 3), canon(load<f64>(constant + (<usize>c << 3)) - s));
    }
  }
}

// ---- histogram gradient boosting --------------------------------------------------------------

/**
 * Quantises each value to a bin: out [n × d] u8 = number of edges of its column below it, so
 * bin b holds edge[b-1] < x ≤ edge[b]. edges [d × m] f64 ascending per column (pad with +Inf),
 * m ≤ 255; NaN goes to bin m (with values above every edge).
 */
export function binColumns(x: usize, n: i32, d: i32, edges: usize, m: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    const row = x + ((<usize>i * <usize>d) << 2);
    const o = out + <usize>i * <usize>d;
    for (let a = 0; a < d; a++) {
      const v = px(row, a);
      let bin = m;
      if (v == v) {
        const e = edges + ((<usize>a * <usize>m) << 3);
        let lo = 0, hi = m;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (load<f64>(e + (<usize>mid << 3)) < v) lo = mid + 1;
          else hi = mid;
        }
        bin = lo;
      }
      store<u8>(o + <usize>a, <u8>bin);
    }
  }
}

/**
 * Gradient/hessian histogram of the rows rows[0..m) (i32 indices): hist [d × nb × 2] f64 is
 * overwritten with (Σ grad, Σ hess) per feature and bin. bins [n × d] u8 from binColumns.
 */
export function histogram(bins: usize, d: i32, nb: i32, rows: usize, m: i32, grad: usize, hess: usize, hist: usize): void {
  memory.fill(hist, 0, (<usize>d * <usize>nb * 2) << 3);
  const stride = <usize>nb << 4;
  for (let t = 0; t < m; t++) {
    const i = <usize>load<i32>(rows + (<usize>t << 2));
    const gi = load<f64>(grad + (i << 3)), hi = load<f64>(hess + (i << 3));
    const b = bins + i * <usize>d;
    let h = hist;
    for (let a = 0; a < d; a++) {
      const p = h + (<usize>load<u8>(b + <usize>a) << 4);
      v128.store(p, f64x2.add(v128.load(p), f64x2.replace_lane(f64x2.splat(gi), 1, hi)));
      h += stride;
    }
  }
  canonF64s(hist, d * nb * 2);
}

// ---- k-means ----------------------------------------------------------------------------------

/**
 * Nearest of k centres C [k × d] f64 for each row: assign [n] i32 and squared distance
 * dist [n] f64 are written (ties to the lower index); returns Σ dist (the inertia).
 */
export function nearestCenter(x: usize, n: i32, d: i32, c: usize, k: i32, assign: usize, dist: usize): f64 {
  const rowBytes = <usize>d << 2;
  let inertia: f64 = 0;
  for (let i = 0; i < n; i++) {
    const row = x + <usize>i * rowBytes;
    let best = 0;
    let bestD = Infinity;
    for (let j = 0; j < k; j++) {
      const cj = c + ((<usize>j * <usize>d) << 3);
      let s: f64 = 0;
      for (let a = 0; a < d; a++) {
        const t = px(row, a) - load<f64>(cj + (<usize>a << 3));
        s += t * t;
      }
      if (s < bestD) {
        bestD = s;
        best = j;
      }
    }
    store<i32>(assign + (<usize>i << 2), best);
    store<f64>(dist + (<usize>i << 3), bestD);
    inertia += bestD;
  }
  return inertia;
}
