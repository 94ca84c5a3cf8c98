// Small dense linear algebra for on-device training. Matrices are row-major. Vectors and
// matrices of data are f32; normal-equation accumulators and Cholesky factors are f64.
// Products of two f32 are exact in f64, so dot/gemv/gemm only round in the f64 sums.
//
// NaN/Inf policy: IEEE arithmetic throughout. cholesky reports a non-positive (or NaN) pivot
// by its return value instead of producing NaN. Every NaN written or returned is the canonical
// one (see nan.ts); the accumulators get one pass over their (small) outputs at the end.
import { canon, canonf, canonF32x4, canonF64s } from "./nan";

@inline function hi2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

/** Σ a[i]·b[i] over `len` f32 values, f64 products and accumulation. */
export function dot(a: usize, b: usize, len: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let s2 = f64x2.splat(0);
  let s3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const o = <usize>i << 2;
    const va = v128.load(a + o), vb = v128.load(b + o);
    const wa = v128.load(a + o, 16), wb = v128.load(b + o, 16);
    s0 = f64x2.add(s0, f64x2.mul(f64x2.promote_low_f32x4(va), f64x2.promote_low_f32x4(vb)));
    s1 = f64x2.add(s1, f64x2.mul(hi2(va), hi2(vb)));
    s2 = f64x2.add(s2, f64x2.mul(f64x2.promote_low_f32x4(wa), f64x2.promote_low_f32x4(wb)));
    s3 = f64x2.add(s3, f64x2.mul(hi2(wa), hi2(wb)));
  }
  const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let acc = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < len; i++) {
    const o = <usize>i << 2;
    acc += <f64>load<f32>(a + o) * <f64>load<f32>(b + o);
  }
  return canon(acc);
}

/** y[m] = A[m × n] · x[n] (f32 in and out, f64 accumulation). */
export function gemv(a: usize, m: i32, n: i32, x: usize, y: usize): void {
  const rowBytes = <usize>n << 2;
  for (let i = 0; i < m; i++) store<f32>(y + (<usize>i << 2), canonf(<f32>dot(a + <usize>i * rowBytes, x, n)));
}

/** C[m × n] = A[m × k] · B[k × n] (f32 in and out, f64 accumulation; C must not overlap A or B). */
export function gemm(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  const bRow = <usize>n << 2;
  for (let i = 0; i < m; i++) {
    const ar = a + ((<usize>i * <usize>k) << 2);
    const cr = c + ((<usize>i * <usize>n) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let lo = f64x2.splat(0);
      let hi = f64x2.splat(0);
      let bp = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const av = f64x2.splat(<f64>load<f32>(ar + (<usize>p << 2)));
        const bv = v128.load(bp);
        lo = f64x2.add(lo, f64x2.mul(av, f64x2.promote_low_f32x4(bv)));
        hi = f64x2.add(hi, f64x2.mul(av, hi2(bv)));
        bp += bRow;
      }
      const lo32 = f32x4.demote_f64x2_zero(lo);
      const hi32 = f32x4.demote_f64x2_zero(hi);
      v128.store(cr + (<usize>j << 2), canonF32x4(v128.shuffle<f32>(lo32, hi32, 0, 1, 4, 5)));
    }
    for (; j < n; j++) {
      let acc: f64 = 0;
      for (let p = 0; p < k; p++) {
        acc += <f64>load<f32>(ar + (<usize>p << 2)) * <f64>load<f32>(b + ((<usize>p * <usize>n + <usize>j) << 2));
      }
      store<f32>(cr + (<usize>j << 2), canonf(<f32>acc));
    }
  }
}

/**
 * G += Xᵀ·X for X [n × d] f32 and G [d × d] f64 (accumulates across calls; G stays symmetric).
 */
export function xtxAccumulate(x: usize, n: i32, d: i32, g: usize): void {
  for (let r = 0; r < n; r++) {
    const row = x + ((<usize>r * <usize>d) << 2);
    for (let a = 0; a < d; a++) {
      const xa = <f64>load<f32>(row + (<usize>a << 2));
      const ga = g + ((<usize>a * <usize>d) << 3);
      for (let b = a; b < d; b++) {
        const p = ga + (<usize>b << 3);
        store<f64>(p, load<f64>(p) + xa * <f64>load<f32>(row + (<usize>b << 2)));
      }
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = a + 1; b < d; b++) {
      store<f64>(g + ((<usize>b * <usize>d + <usize>a) << 3), load<f64>(g + ((<usize>a * <usize>d + <usize>b) << 3)));
    }
  }
  canonF64s(g, d * d);
}

/** v += Xᵀ·y for X [n × d] f32, y [n] f32 and v [d] f64 (accumulates across calls). */
export function xtyAccumulate(x: usize, y: usize, n: i32, d: i32, v: usize): void {
  for (let r = 0; r < n; r++) {
    const row = x + ((<usize>r * <usize>d) << 2);
    const yr = <f64>load<f32>(y + (<usize>r << 2));
    for (let a = 0; a < d; a++) {
      const p = v + (<usize>a << 3);
      store<f64>(p, load<f64>(p) + yr * <f64>load<f32>(row + (<usize>a << 2)));
    }
  }
  canonF64s(v, d);
}

/**
 * In-place Cholesky factorisation of the symmetric positive-definite A [d × d] f64: on success A
 * holds L (lower triangle, strict upper zeroed) with A = L·Lᵀ and the result is 0; otherwise the
 * result is k + 1 for the first pivot k that is not > 0 (A is then partly overwritten).
 */
export function cholesky(a: usize, d: i32): i32 {
  const result = factor(a, d);
  canonF64s(a, d * d);
  return result;
}

/** The factorisation of `cholesky`, before its NaNs are made canonical. */
function factor(a: usize, d: i32): i32 {
  for (let j = 0; j < d; j++) {
    const rj = a + ((<usize>j * <usize>d) << 3);
    let s = load<f64>(rj + (<usize>j << 3));
    for (let p = 0; p < j; p++) {
      const l = load<f64>(rj + (<usize>p << 3));
      s -= l * l;
    }
    if (!(s > 0)) return j + 1;
    const ljj = Math.sqrt(s);
    store<f64>(rj + (<usize>j << 3), ljj);
    for (let i = j + 1; i < d; i++) {
      const ri = a + ((<usize>i * <usize>d) << 3);
      let t = load<f64>(ri + (<usize>j << 3));
      for (let p = 0; p < j; p++) t -= load<f64>(ri + (<usize>p << 3)) * load<f64>(rj + (<usize>p << 3));
      store<f64>(ri + (<usize>j << 3), t / ljj);
    }
    for (let p = j + 1; p < d; p++) store<f64>(rj + (<usize>p << 3), 0);
  }
  return 0;
}

/** Solves L·Lᵀ·x = b for the factor from `cholesky` (d × d f64); b and x are d f64 and may be the same. */
export function choleskySolve(l: usize, d: i32, b: usize, x: usize): void {
  // Forward: L·z = b (z stored in x).
  for (let i = 0; i < d; i++) {
    const ri = l + ((<usize>i * <usize>d) << 3);
    let t = load<f64>(b + (<usize>i << 3));
    for (let p = 0; p < i; p++) t -= load<f64>(ri + (<usize>p << 3)) * load<f64>(x + (<usize>p << 3));
    store<f64>(x + (<usize>i << 3), t / load<f64>(ri + (<usize>i << 3)));
  }
  // Backward: Lᵀ·x = z.
  for (let i = d - 1; i >= 0; i--) {
    let t = load<f64>(x + (<usize>i << 3));
    for (let p = i + 1; p < d; p++) {
      t -= load<f64>(l + ((<usize>p * <usize>d + <usize>i) << 3)) * load<f64>(x + (<usize>p << 3));
    }
    store<f64>(x + (<usize>i << 3), t / load<f64>(l + ((<usize>i * <usize>d + <usize>i) << 3)));
  }
  canonF64s(x, d);
}
