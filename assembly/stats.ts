// Per-column statistics of a row-major f32 frame [n × d] in linear memory.
// Every column kernel writes `d` f64 results to `out`; a window is a call on a sub-frame
// (`ptr + start * d * 4`, `n = window rows`). Accumulation is in f64, variance is two-pass.
//
// NaN/Inf policy: a NaN anywhere in a column makes that column's result NaN (except `colCount`,
// which counts non-NaN values, and the `…Finite` kernels, which skip NaN and ±Inf).
// ±Inf follows IEEE arithmetic (sum +Inf, variance NaN, min/max ±Inf).
// Empty columns (n = 0): count 0, sum 0, everything else NaN. Every NaN written or returned is
// the canonical one (see nan.ts), so results have the same bits on every CPU.
import { selectK, minFrom } from "./select";
import { canon, canonF64s } from "./nan";

// ---- contiguous (d == 1) SIMD helpers --------------------------------------------------------

@inline function hi2(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
}

function sumContig(p: usize, n: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let a2 = f64x2.splat(0);
  let a3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const q = p + (<usize>i << 2);
    const v = v128.load(q);
    const w = v128.load(q, 16);
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v));
    a1 = f64x2.add(a1, hi2(v));
    a2 = f64x2.add(a2, f64x2.promote_low_f32x4(w));
    a3 = f64x2.add(a3, hi2(w));
  }
  const s = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let acc = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) acc += <f64>load<f32>(p + (<usize>i << 2));
  return acc;
}

/** Σ (x - m)^2 over a contiguous run, f64. */
function sqDevContig(p: usize, n: i32, m: f64): f64 {
  const mm = f64x2.splat(m);
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(p + (<usize>i << 2));
    const lo = f64x2.sub(f64x2.promote_low_f32x4(v), mm);
    const hi = f64x2.sub(hi2(v), mm);
    a0 = f64x2.add(a0, f64x2.mul(lo, lo));
    a1 = f64x2.add(a1, f64x2.mul(hi, hi));
  }
  const s = f64x2.add(a0, a1);
  let acc = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const t = <f64>load<f32>(p + (<usize>i << 2)) - m;
    acc += t * t;
  }
  return acc;
}

function minContig(p: usize, n: i32): f32 {
  let r: f32 = Infinity;
  let i = 0;
  if (n >= 16) {
    let v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    for (i = 16; i + 16 <= n; i += 16) {
      const q = p + (<usize>i << 2);
      v0 = f32x4.min(v0, v128.load(q));
      v1 = f32x4.min(v1, v128.load(q, 16));
      v2 = f32x4.min(v2, v128.load(q, 32));
      v3 = f32x4.min(v3, v128.load(q, 48));
    }
    const v = f32x4.min(f32x4.min(v0, v1), f32x4.min(v2, v3));
    r = min(min(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), min(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  }
  for (; i < n; i++) r = min(r, load<f32>(p + (<usize>i << 2)));
  return r;
}

function maxContig(p: usize, n: i32): f32 {
  let r: f32 = -Infinity;
  let i = 0;
  if (n >= 16) {
    let v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    for (i = 16; i + 16 <= n; i += 16) {
      const q = p + (<usize>i << 2);
      v0 = f32x4.max(v0, v128.load(q));
      v1 = f32x4.max(v1, v128.load(q, 16));
      v2 = f32x4.max(v2, v128.load(q, 32));
      v3 = f32x4.max(v3, v128.load(q, 48));
    }
    const v = f32x4.max(f32x4.max(v0, v1), f32x4.max(v2, v3));
    r = max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
  }
  for (; i < n; i++) r = max(r, load<f32>(p + (<usize>i << 2)));
  return r;
}

// ---- one column, any stride (stride in elements) ---------------------------------------------

@inline function at(p: usize, i: i32, stride: i32): f32 {
  return load<f32>(p + ((<usize>i * <usize>stride) << 2));
}

function sumCol(p: usize, n: i32, stride: i32): f64 {
  if (stride == 1) return sumContig(p, n);
  let acc: f64 = 0;
  for (let i = 0; i < n; i++) acc += <f64>at(p, i, stride);
  return acc;
}

function sqDevCol(p: usize, n: i32, stride: i32, m: f64): f64 {
  if (stride == 1) return sqDevContig(p, n, m);
  let acc: f64 = 0;
  for (let i = 0; i < n; i++) {
    const t = <f64>at(p, i, stride) - m;
    acc += t * t;
  }
  return acc;
}

function extremeCol(p: usize, n: i32, stride: i32, wantMax: bool): f64 {
  if (n == 0) return NaN;
  if (stride == 1) return <f64>(wantMax ? maxContig(p, n) : minContig(p, n));
  let r: f32 = at(p, 0, stride);
  for (let i = 1; i < n; i++) r = wantMax ? max(r, at(p, i, stride)) : min(r, at(p, i, stride));
  return <f64>r;
}

/** Standardised third (k = 3) or fourth (k = 4) central moment, population form. */
function momentRatioCol(p: usize, n: i32, stride: i32, k: i32): f64 {
  if (n == 0) return NaN;
  const m = sumCol(p, n, stride) / <f64>n;
  let m2: f64 = 0;
  let mk: f64 = 0;
  for (let i = 0; i < n; i++) {
    const t = <f64>at(p, i, stride) - m;
    const t2 = t * t;
    m2 += t2;
    mk += k == 3 ? t2 * t : t2 * t2;
  }
  m2 /= <f64>n;
  mk /= <f64>n;
  return k == 3 ? mk / (m2 * Math.sqrt(m2)) : mk / (m2 * m2) - 3.0;
}

/** Copies a column into scratch; returns the number copied, or -1 if a NaN was seen (when `skipNonFinite` is false). */
function gatherCol(p: usize, n: i32, stride: i32, scratch: usize, skipNonFinite: bool): i32 {
  let k = 0;
  for (let i = 0; i < n; i++) {
    const x = at(p, i, stride);
    if (skipNonFinite) {
      if (!isFinite<f32>(x)) continue;
    } else if (isNaN<f32>(x)) return -1;
    store<f32>(scratch + (<usize>k << 2), x);
    k++;
  }
  return k;
}

/** Quantile q (linear interpolation between order statistics, numpy's default) of scratch[0..m). */
function quantileOf(scratch: usize, m: i32, q: f64): f64 {
  if (m <= 0 || !(q >= 0 && q <= 1)) return NaN;
  const h = <f64>(m - 1) * q;
  const lo = <i32>Math.floor(h);
  selectK(scratch, m, lo);
  const a = <f64>load<f32>(scratch + (<usize>lo << 2));
  const frac = h - <f64>lo;
  if (frac == 0 || lo + 1 >= m) return a;
  const b = <f64>minFrom(scratch, lo + 1, m);
  return a + frac * (b - a);
}

// ---- four adjacent columns at once (d > 1): one pass over the rows per block of 4 ------------

/** Stores Σx (k = 1) or Σ(x - mean)² (k = 2, means read from `out`) of columns c..c+3 into out[c..c+3]. */
function block4(p: usize, n: i32, d: i32, out: usize, k: i32): void {
  const rowBytes = <usize>d << 2;
  let lo = f64x2.splat(0);
  let hi = f64x2.splat(0);
  const mlo = k == 2 ? v128.load(out) : f64x2.splat(0);
  const mhi = k == 2 ? v128.load(out, 16) : f64x2.splat(0);
  let q = p;
  for (let i = 0; i < n; i++) {
    const v = v128.load(q);
    const a = f64x2.sub(f64x2.promote_low_f32x4(v), mlo);
    const b = f64x2.sub(hi2(v), mhi);
    if (k == 1) {
      lo = f64x2.add(lo, a);
      hi = f64x2.add(hi, b);
    } else {
      lo = f64x2.add(lo, f64x2.mul(a, a));
      hi = f64x2.add(hi, f64x2.mul(b, b));
    }
    q += rowBytes;
  }
  v128.store(out, lo);
  v128.store(out, hi, 16);
}

/**
 * out[c] = Σ column c (k = 1), or Σ (x - out[c])² with out[c] holding the column mean on entry
 * (k = 2): blocks of 4 columns with SIMD for d > 1, strided scalar for the rest.
 */
function sums(ptr: usize, n: i32, d: i32, out: usize, k: i32): void {
  let c = 0;
  if (d > 1) for (; c + 4 <= d; c += 4) block4(ptr + (<usize>c << 2), n, d, out + (<usize>c << 3), k);
  for (; c < d; c++) {
    const p = ptr + (<usize>c << 2);
    const o = out + (<usize>c << 3);
    store<f64>(o, k == 1 ? sumCol(p, n, d) : sqDevCol(p, n, d, load<f64>(o)));
  }
}

/** out[c] = mean of column c; NaN when n == 0. */
function means(ptr: usize, n: i32, d: i32, out: usize): void {
  sums(ptr, n, d, out, 1);
  for (let c = 0; c < d; c++) {
    const o = out + (<usize>c << 3);
    store<f64>(o, n == 0 ? NaN : load<f64>(o) / <f64>n);
  }
}

/** out[c] = variance with ddof (two-pass: means, then squared deviations, both into out). */
function variances(ptr: usize, n: i32, d: i32, ddof: i32, out: usize): void {
  means(ptr, n, d, out);
  sums(ptr, n, d, out, 2);
  for (let c = 0; c < d; c++) {
    const o = out + (<usize>c << 3);
    store<f64>(o, n - ddof <= 0 ? NaN : load<f64>(o) / <f64>(n - ddof));
  }
}

// ---- exported kernels ------------------------------------------------------------------------

/** Sum of `len` f32 values at `ptr`, accumulated in f64. */
export function sumF32(ptr: usize, len: i32): f64 {
  return canon(sumContig(ptr, len));
}

/** Arithmetic mean of `len` f32 values at `ptr`; NaN when `len` is 0. */
export function meanF32(ptr: usize, len: i32): f64 {
  return len == 0 ? NaN : canon(sumContig(ptr, len) / <f64>len);
}

/** out[c] = number of non-NaN values in column c. */
export function colCount(ptr: usize, n: i32, d: i32, out: usize): void {
  for (let c = 0; c < d; c++) {
    const p = ptr + (<usize>c << 2);
    let k = 0;
    for (let i = 0; i < n; i++) if (!isNaN<f32>(at(p, i, d))) k++;
    store<f64>(out + (<usize>c << 3), <f64>k);
  }
}

/** out[c] = Σ column c (f64 accumulation). */
export function colSum(ptr: usize, n: i32, d: i32, out: usize): void {
  sums(ptr, n, d, out, 1);
  canonF64s(out, d);
}

/** out[c] = mean of column c. */
export function colMean(ptr: usize, n: i32, d: i32, out: usize): void {
  means(ptr, n, d, out);
  canonF64s(out, d);
}

/** out[c] = variance of column c with `ddof` delta degrees of freedom (0 population, 1 sample), two-pass. */
export function colVar(ptr: usize, n: i32, d: i32, ddof: i32, out: usize): void {
  variances(ptr, n, d, ddof, out);
  canonF64s(out, d);
}

/** out[c] = standard deviation of column c (sqrt of `colVar`). */
export function colStd(ptr: usize, n: i32, d: i32, ddof: i32, out: usize): void {
  variances(ptr, n, d, ddof, out);
  for (let c = 0; c < d; c++) store<f64>(out + (<usize>c << 3), canon(Math.sqrt(load<f64>(out + (<usize>c << 3)))));
}

/** out[c] = minimum of column c (NaN if the column has a NaN or is empty). */
export function colMin(ptr: usize, n: i32, d: i32, out: usize): void {
  for (let c = 0; c < d; c++) store<f64>(out + (<usize>c << 3), canon(extremeCol(ptr + (<usize>c << 2), n, d, false)));
}

/** out[c] = maximum of column c (NaN if the column has a NaN or is empty). */
export function colMax(ptr: usize, n: i32, d: i32, out: usize): void {
  for (let c = 0; c < d; c++) store<f64>(out + (<usize>c << 3), canon(extremeCol(ptr + (<usize>c << 2), n, d, true)));
}

/** out[c] = max - min of column c (peak-to-peak). */
export function colPtp(ptr: usize, n: i32, d: i32, out: usize): void {
  for (let c = 0; c < d; c++) {
    const p = ptr + (<usize>c << 2);
    store<f64>(out + (<usize>c << 3), canon(extremeCol(p, n, d, true) - extremeCol(p, n, d, false)));
  }
}

/** out[c] = sqrt(mean(x²)) of column c. */
export function colRms(ptr: usize, n: i32, d: i32, out: usize): void {
  memory.fill(out, 0, <usize>d << 3); // Σ (x - 0)²
  sums(ptr, n, d, out, 2);
  for (let c = 0; c < d; c++) {
    const o = out + (<usize>c << 3);
    store<f64>(o, n == 0 ? NaN : canon(Math.sqrt(load<f64>(o) / <f64>n)));
  }
}

/** out[c] = population skewness g1 = m3 / m2^1.5 of column c (NaN for a constant column). */
export function colSkew(ptr: usize, n: i32, d: i32, out: usize): void {
  for (let c = 0; c < d; c++) store<f64>(out + (<usize>c << 3), canon(momentRatioCol(ptr + (<usize>c << 2), n, d, 3)));
}

/** out[c] = population excess kurtosis g2 = m4 / m2² - 3 of column c (NaN for a constant column). */
export function colKurt(ptr: usize, n: i32, d: i32, out: usize): void {
  for (let c = 0; c < d; c++) store<f64>(out + (<usize>c << 3), canon(momentRatioCol(ptr + (<usize>c << 2), n, d, 4)));
}

/**
 * out[j * d + c] = quantile qs[j] of column c, by quickselect on `scratch` (n f32, caller-owned),
 * linear interpolation between order statistics. NaN for a column with a NaN, q outside [0, 1], or n = 0.
 */
export function colQuantiles(ptr: usize, n: i32, d: i32, qs: usize, nq: i32, scratch: usize, out: usize): void {
  for (let c = 0; c < d; c++) {
    const m = gatherCol(ptr + (<usize>c << 2), n, d, scratch, false);
    for (let j = 0; j < nq; j++) {
      const q = load<f64>(qs + (<usize>j << 3));
      store<f64>(out + ((<usize>(j * d + c)) << 3), m < 0 ? NaN : canon(quantileOf(scratch, m, q)));
    }
  }
}

/** out[c] = median of column c (quickselect on `scratch`, n f32). */
export function colMedian(ptr: usize, n: i32, d: i32, scratch: usize, out: usize): void {
  for (let c = 0; c < d; c++) {
    const m = gatherCol(ptr + (<usize>c << 2), n, d, scratch, false);
    store<f64>(out + (<usize>c << 3), m < 0 ? NaN : canon(quantileOf(scratch, m, 0.5)));
  }
}

/** out[c] = mean of the finite values of column c (NaN if there are none): fits mean imputation. */
export function colMeanFinite(ptr: usize, n: i32, d: i32, out: usize): void {
  for (let c = 0; c < d; c++) {
    const p = ptr + (<usize>c << 2);
    let acc: f64 = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const x = at(p, i, d);
      if (isFinite<f32>(x)) {
        acc += <f64>x;
        k++;
      }
    }
    store<f64>(out + (<usize>c << 3), k == 0 ? NaN : acc / <f64>k);
  }
}

/** out[c] = median of the finite values of column c (NaN if none): fits median imputation. */
export function colMedianFinite(ptr: usize, n: i32, d: i32, scratch: usize, out: usize): void {
  for (let c = 0; c < d; c++) {
    const m = gatherCol(ptr + (<usize>c << 2), n, d, scratch, true);
    store<f64>(out + (<usize>c << 3), quantileOf(scratch, m, 0.5));
  }
}

/**
 * out[c] = zero-crossing rate of column c: the fraction of the n - 1 consecutive pairs whose
 * signs differ (a value < 0 is negative, anything else non-negative). NaN if n < 2 or a NaN is seen.
 */
export function colZcr(ptr: usize, n: i32, d: i32, out: usize): void {
  for (let c = 0; c < d; c++) {
    const p = ptr + (<usize>c << 2);
    let r: f64 = NaN;
    if (n >= 2) {
      let crossings = 0;
      let prev = at(p, 0, d);
      let nan = isNaN<f32>(prev);
      for (let i = 1; i < n; i++) {
        const x = at(p, i, d);
        nan = nan || isNaN<f32>(x);
        if ((x < 0) != (prev < 0)) crossings++;
        prev = x;
      }
      r = nan ? NaN : <f64>crossings / <f64>(n - 1);
    }
    store<f64>(out + (<usize>c << 3), r);
  }
}
