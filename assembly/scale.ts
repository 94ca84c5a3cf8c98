// Element-wise scaling and cleaning of a row-major f32 frame [n × d] with per-column parameters
// (f64 arrays of length d, e.g. statistics fitted by the stats kernels). `out` may equal `ptr`.
// With d = 1 the whole buffer is one column and the kernels run 4 lanes at a time (f32x4).
//
// NaN/Inf policy: scaling and clipping follow IEEE arithmetic (NaN stays NaN, ±Inf scales to
// ±Inf); the impute kernels replace every non-finite value (NaN, +Inf, -Inf); a zero or
// non-finite spread (std, max - min, IQR) is treated as 1 so a constant column maps to x - center.
// Every NaN written is the canonical one (see nan.ts), SIMD stores through a lane select.
import { canon, canonf, canonF32x4 } from "./nan";

@inline function f32At(p: usize, i: usize): f32 {
  return load<f32>(p + (i << 2));
}

@inline function f64At(p: usize, i: i32): f64 {
  return load<f64>(p + (<usize>i << 3));
}

// The center is split into f32 hi + lo parts: x - hi is exact when x is near the center
// (Sterbenz), so rounding the f64 center to f32 no longer shifts every output by |c|·2^-24/spread.
@inline function centerHi(c: f64): f32 {
  return <f32>c;
}
@inline function centerLo(c: f64): f32 {
  return <f32>(c - <f64><f32>c);
}

/** out = ((x - hi) - lo) * scale over a contiguous run (f32 arithmetic). */
function affineContig(p: usize, len: i32, center: f64, scale: f32, out: usize): void {
  const hi = centerHi(center);
  const lo = centerLo(center);
  const hv = f32x4.splat(hi);
  const lv = f32x4.splat(lo);
  const sv = f32x4.splat(scale);
  let i = 0;
  for (; i + 8 <= len; i += 8) {
    const o = <usize>i << 2;
    v128.store(out + o, canonF32x4(f32x4.mul(f32x4.sub(f32x4.sub(v128.load(p + o), hv), lv), sv)));
    v128.store(out + o, canonF32x4(f32x4.mul(f32x4.sub(f32x4.sub(v128.load(p + o, 16), hv), lv), sv)), 16);
  }
  for (; i < len; i++) store<f32>(out + (<usize>i << 2), canonf((f32At(p, <usize>i) - hi - lo) * scale));
}

@inline function inverseSpread(spread: f64): f32 {
  return spread == 0 || !isFinite<f64>(spread) ? 1 : <f32>(1.0 / spread);
}

@inline function spreadOf(center: usize, spread: usize, minMax: bool, c: i32): f32 {
  return inverseSpread(minMax ? f64At(spread, c) - f64At(center, c) : f64At(spread, c));
}

/** Columns c..c+3 of every row in one pass (d > 1): parameters held in f32x4 registers. */
function affineBlock4(ptr: usize, n: i32, d: i32, center: usize, spread: usize, minMax: bool, c: i32, out: usize): void {
  const m0 = f64At(center, c), m1 = f64At(center, c + 1), m2 = f64At(center, c + 2), m3 = f64At(center, c + 3);
  const hv = f32x4(centerHi(m0), centerHi(m1), centerHi(m2), centerHi(m3));
  const lv = f32x4(centerLo(m0), centerLo(m1), centerLo(m2), centerLo(m3));
  const sv = f32x4(
    spreadOf(center, spread, minMax, c), spreadOf(center, spread, minMax, c + 1),
    spreadOf(center, spread, minMax, c + 2), spreadOf(center, spread, minMax, c + 3),
  );
  const rowBytes = <usize>d << 2;
  let o = <usize>c << 2;
  for (let i = 0; i < n; i++) {
    v128.store(out + o, canonF32x4(f32x4.mul(f32x4.sub(f32x4.sub(v128.load(ptr + o), hv), lv), sv)));
    o += rowBytes;
  }
}

/** out[i, c] = (x[i, c] - center[c]) * invSpread[c], with the spread given (or max - min when `minMax`). */
function affine(ptr: usize, n: i32, d: i32, center: usize, spread: usize, minMax: bool, out: usize): void {
  if (d == 1) {
    affineContig(ptr, n, f64At(center, 0), spreadOf(center, spread, minMax, 0), out);
    return;
  }
  let c = 0;
  for (; c + 4 <= d; c += 4) affineBlock4(ptr, n, d, center, spread, minMax, c, out);
  for (; c < d; c++) {
    const m = f64At(center, c);
    const s = spreadOf(center, spread, minMax, c);
    const hi = centerHi(m);
    const lo = centerLo(m);
    for (let i = 0; i < n; i++) {
      const k = <usize>i * <usize>d + <usize>c;
      store<f32>(out + (k << 2), canonf((f32At(ptr, k) - hi - lo) * s));
    }
  }
}

/** out = (x - mean[c]) / std[c] (z-score with fitted mean and std). */
export function zscore(ptr: usize, n: i32, d: i32, mean: usize, std: usize, out: usize): void {
  affine(ptr, n, d, mean, std, false, out);
}

/** out = (x - min[c]) / (max[c] - min[c]) (min-max scaling to [0, 1] with fitted bounds). */
export function minMaxScale(ptr: usize, n: i32, d: i32, lo: usize, hi: usize, out: usize): void {
  affine(ptr, n, d, lo, hi, true, out);
}

/** out = (x - median[c]) / iqr[c] (robust scaling with fitted median and interquartile range). */
export function robustScale(ptr: usize, n: i32, d: i32, median: usize, iqr: usize, out: usize): void {
  affine(ptr, n, d, median, iqr, false, out);
}

/** out = min(max(x, lo[c]), hi[c]); NaN stays NaN. */
export function clip(ptr: usize, n: i32, d: i32, lo: usize, hi: usize, out: usize): void {
  if (d == 1) {
    const a = <f32>f64At(lo, 0);
    const b = <f32>f64At(hi, 0);
    const av = f32x4.splat(a);
    const bv = f32x4.splat(b);
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      v128.store(out + o, canonF32x4(f32x4.min(f32x4.max(v128.load(ptr + o), av), bv)));
      v128.store(out + o, canonF32x4(f32x4.min(f32x4.max(v128.load(ptr + o, 16), av), bv)), 16);
    }
    for (; i < n; i++) store<f32>(out + (<usize>i << 2), canonf(min(max(f32At(ptr, <usize>i), a), b)));
    return;
  }
  const rowBytes = <usize>d << 2;
  let c = 0;
  for (; c + 4 <= d; c += 4) {
    const av = f32x4(<f32>f64At(lo, c), <f32>f64At(lo, c + 1), <f32>f64At(lo, c + 2), <f32>f64At(lo, c + 3));
    const bv = f32x4(<f32>f64At(hi, c), <f32>f64At(hi, c + 1), <f32>f64At(hi, c + 2), <f32>f64At(hi, c + 3));
    let o = <usize>c << 2;
    for (let i = 0; i < n; i++) {
      v128.store(out + o, canonF32x4(f32x4.min(f32x4.max(v128.load(ptr + o), av), bv)));
      o += rowBytes;
    }
  }
  for (; c < d; c++) {
    const a = <f32>f64At(lo, c);
    const b = <f32>f64At(hi, c);
    for (let i = 0; i < n; i++) {
      const k = <usize>i * <usize>d + <usize>c;
      store<f32>(out + (k << 2), canonf(min(max(f32At(ptr, k), a), b)));
    }
  }
}

/** out = x where finite, else values[c] (constant, or fitted mean/median for mean/median imputation). */
export function imputeConst(ptr: usize, n: i32, d: i32, values: usize, out: usize): void {
  if (d == 1) {
    const f = canonf(<f32>f64At(values, 0));
    const fv = f32x4.splat(f);
    const inf = f32x4.splat(Infinity);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(ptr + o);
      // |x| < Inf is false for NaN and ±Inf.
      v128.store(out + o, v128.bitselect(v, fv, f32x4.lt(f32x4.abs(v), inf)));
    }
    for (; i < n; i++) {
      const x = f32At(ptr, <usize>i);
      store<f32>(out + (<usize>i << 2), isFinite<f32>(x) ? x : f);
    }
    return;
  }
  const rowBytes = <usize>d << 2;
  const inf = f32x4.splat(Infinity);
  let c = 0;
  for (; c + 4 <= d; c += 4) {
    const fv = canonF32x4(f32x4(<f32>f64At(values, c), <f32>f64At(values, c + 1), <f32>f64At(values, c + 2), <f32>f64At(values, c + 3)));
    let o = <usize>c << 2;
    for (let i = 0; i < n; i++) {
      const v = v128.load(ptr + o);
      v128.store(out + o, v128.bitselect(v, fv, f32x4.lt(f32x4.abs(v), inf)));
      o += rowBytes;
    }
  }
  for (; c < d; c++) {
    const f = canonf(<f32>f64At(values, c));
    for (let i = 0; i < n; i++) {
      const k = <usize>i * <usize>d + <usize>c;
      const x = f32At(ptr, k);
      store<f32>(out + (k << 2), isFinite<f32>(x) ? x : f);
    }
  }
}

/**
 * Forward fill: out = x where finite, else the last finite value of its column. `last` (d f64)
 * carries the last value across calls (in and out); a NaN there means "none yet", so leading
 * missing values stay NaN.
 */
export function imputeLast(ptr: usize, n: i32, d: i32, last: usize, out: usize): void {
  for (let c = 0; c < d; c++) {
    let l = canonf(<f32>f64At(last, c));
    for (let i = 0; i < n; i++) {
      const k = <usize>i * <usize>d + <usize>c;
      const x = f32At(ptr, k);
      if (isFinite<f32>(x)) l = x;
      store<f32>(out + (k << 2), isFinite<f32>(x) ? x : l);
    }
    store<f64>(last + (<usize>c << 3), canon(<f64>l));
  }
}

/** out[c] = number of non-finite values (NaN, ±Inf) in column c; returns the total. */
export function countNonFinite(ptr: usize, n: i32, d: i32, out: usize): i32 {
  let total = 0;
  for (let c = 0; c < d; c++) {
    let k = 0;
    for (let i = 0; i < n; i++) if (!isFinite<f32>(f32At(ptr, <usize>i * <usize>d + <usize>c))) k++;
    store<f64>(out + (<usize>c << 3), <f64>k);
    total += k;
  }
  return total;
}

/** out[i] = 1 where x[i] is non-finite, else 0 (a missing-value indicator feature), over `len` values. */
export function nonFiniteMask(ptr: usize, len: i32, out: usize): void {
  const inf = f32x4.splat(Infinity);
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const o = <usize>i << 2;
    // ge(|x|, Inf) is false for NaN, so test "not (|x| < Inf)".
    const finite = f32x4.lt(f32x4.abs(v128.load(ptr + o)), inf);
    v128.store(out + o, v128.andnot(one, finite));
  }
  for (; i < len; i++) store<f32>(out + (<usize>i << 2), isFinite<f32>(f32At(ptr, <usize>i)) ? 0 : 1);
}
