// Time-series kernels over a row-major f32 frame [n × d]: rows are time steps, columns channels.
// Unless a kernel says otherwise, `out` must not overlap `ptr`.
//
// NaN/Inf policy: recursive filters (ema, biquad) follow IEEE arithmetic, so a NaN or ±Inf
// input poisons every later output of its column until the state is reset: impute first.
// movingAverage outputs NaN while its window holds a non-finite value and recovers after.
// fir, diff, resampleLinear: IEEE arithmetic on the values involved; lags copies values as is.
// Every NaN a kernel computes is written as the canonical one (see nan.ts); lags' copies keep the
// bits they were given.
import { canon, canonf, canonF32x4 } from "./nan";

@inline function f32At(p: usize, i: usize): f32 {
  return load<f32>(p + (i << 2));
}

@inline function idx(i: i32, d: i32, c: i32): usize {
  return <usize>i * <usize>d + <usize>c;
}

/**
 * Trailing moving average over `w` rows: out[i] = mean(x[max(0, i-w+1) .. i]) per column (the first
 * w-1 rows average what is available). NaN while the window holds a non-finite value. w < 1 acts as 1.
 */
export function movingAverage(ptr: usize, n: i32, d: i32, w: i32, out: usize): void {
  if (w < 1) w = 1;
  for (let c = 0; c < d; c++) {
    let sum: f64 = 0;
    let bad = 0;
    for (let i = 0; i < n; i++) {
      const x = f32At(ptr, idx(i, d, c));
      if (isFinite<f32>(x)) sum += <f64>x;
      else bad++;
      if (i >= w) {
        const old = f32At(ptr, idx(i - w, d, c));
        if (isFinite<f32>(old)) sum -= <f64>old;
        else bad--;
      }
      const count = i + 1 < w ? i + 1 : w;
      store<f32>(out + (idx(i, d, c) << 2), bad > 0 ? NaN : <f32>(sum / <f64>count));
    }
  }
}

/**
 * Contiguous EMA in blocks of 4: with b = 1 - alpha, y[i+j] = p_j + b^(j+1)·y[i-1] where p_j is the
 * block's own EMA from zero. Only `p_3 + b^4·y` is on the loop-carried chain (one mul + add per
 * 4 samples instead of per sample); the p_j chains of different blocks overlap. All in f64.
 */
function emaContig(ptr: usize, n: i32, alpha: f64, y: f64, out: usize): f64 {
  const b = 1 - alpha;
  const b2 = b * b, b3 = b2 * b, b4 = b2 * b2;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p0 = alpha * <f64>load<f32>(ptr + o);
    const p1 = b * p0 + alpha * <f64>load<f32>(ptr + o, 4);
    const p2 = b * p1 + alpha * <f64>load<f32>(ptr + o, 8);
    const p3 = b * p2 + alpha * <f64>load<f32>(ptr + o, 12);
    store<f32>(out + o, canonf(<f32>(p0 + b * y)));
    store<f32>(out + o, canonf(<f32>(p1 + b2 * y)), 4);
    store<f32>(out + o, canonf(<f32>(p2 + b3 * y)), 8);
    y = p3 + b4 * y;
    store<f32>(out + o, canonf(<f32>y), 12);
  }
  for (; i < n; i++) {
    y = alpha * <f64>load<f32>(ptr + (<usize>i << 2)) + b * y;
    store<f32>(out + (<usize>i << 2), canonf(<f32>y));
  }
  return y;
}

/**
 * Exponential moving average y = alpha * x + (1 - alpha) * y_prev per column. `state` (d f64) holds
 * y_prev across calls (in and out); NaN there means "start from the first value". out may equal ptr.
 */
export function ema(ptr: usize, n: i32, d: i32, alpha: f64, state: usize, out: usize): void {
  for (let c = 0; c < d; c++) {
    let y = load<f64>(state + (<usize>c << 3));
    let i = 0;
    if (isNaN<f64>(y) && n > 0) {
      y = <f64>f32At(ptr, <usize>c);
      store<f32>(out + (<usize>c << 2), canonf(<f32>y));
      i = 1;
    }
    if (d == 1) {
      y = emaContig(ptr + (<usize>i << 2), n - i, alpha, y, out + (<usize>i << 2));
    } else {
      for (; i < n; i++) {
        const k = idx(i, d, c);
        y = alpha * <f64>f32At(ptr, k) + (1 - alpha) * y;
        store<f32>(out + (k << 2), canonf(<f32>y));
      }
    }
    store<f64>(state + (<usize>c << 3), canon(y));
  }
}

/**
 * Designs an RBJ-cookbook biquad: kind 0 low-pass, 1 high-pass, 2 band-pass (0 dB peak), cutoff/centre
 * `f0` Hz, quality `q`, sample rate `fs` Hz. Writes [b0, b1, b2, a1, a2] (normalised by a0, f64) to
 * `coef`. Returns 0, or -1 if kind is unknown, f0 is not in (0, fs/2) or q <= 0.
 */
export function biquadDesign(kind: i32, f0: f64, q: f64, fs: f64, coef: usize): i32 {
  if (kind < 0 || kind > 2 || !(f0 > 0 && f0 < fs / 2) || !(q > 0)) return -1;
  const w0 = (2 * Math.PI * f0) / fs;
  const cw = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  let b0: f64, b1: f64, b2: f64;
  if (kind == 0) {
    b0 = (1 - cw) / 2;
    b1 = 1 - cw;
    b2 = b0;
  } else if (kind == 1) {
    b0 = (1 + cw) / 2;
    b1 = -(1 + cw);
    b2 = b0;
  } else {
    b0 = alpha;
    b1 = 0;
    b2 = -alpha;
  }
  const a0 = 1 + alpha;
  store<f64>(coef, b0 / a0);
  store<f64>(coef, b1 / a0, 8);
  store<f64>(coef, b2 / a0, 16);
  store<f64>(coef, (-2 * cw) / a0, 24);
  store<f64>(coef, (1 - alpha) / a0, 32);
  return 0;
}

/**
 * Contiguous biquad, 4 samples per step. The transposed DF II is the state-space system
 * s' = A·s + B·x, y = C·s + D·x with A = [[-a1, 1], [-a2, 0]], B = [b1 - a1·b0, b2 - a2·b0],
 * C = [1, 0], D = b0. Over 4 samples: y_j = C·A^j·s + Σ_m h_(j-m)·x_m (h_0 = D, h_k = C·A^(k-1)·B)
 * and s' = A^4·s + Σ_m A^(3-m)·B·x_m. Only the A^4·s product is on the loop-carried chain.
 */
function biquadContig(ptr: usize, n: i32, b0: f64, b1: f64, b2: f64, a1: f64, a2: f64, sp: usize, out: usize): void {
  const be1 = b1 - a1 * b0, be2 = b2 - a2 * b0;
  // Rows C·A^j.
  const r10 = -a1, r11: f64 = 1;
  const r20 = -a1 * r10 - a2 * r11, r21 = r10;
  const r30 = -a1 * r20 - a2 * r21, r31 = r20;
  // Impulse response h_k.
  const h0 = b0, h1 = be1, h2 = r10 * be1 + r11 * be2, h3 = r20 * be1 + r21 * be2;
  // A^j·B.
  const g10 = -a1 * be1 + be2, g11 = -a2 * be1;
  const g20 = -a1 * g10 + g11, g21 = -a2 * g10;
  const g30 = -a1 * g20 + g21, g31 = -a2 * g20;
  // A^4 = (A^2)^2 with A^2 = [[a1² - a2, -a1], [a1·a2, -a2]].
  const p00 = a1 * a1 - a2, p01 = -a1, p10 = a1 * a2, p11 = -a2;
  const q00 = p00 * p00 + p01 * p10, q01 = p00 * p01 + p01 * p11;
  const q10 = p10 * p00 + p11 * p10, q11 = p10 * p01 + p11 * p11;

  // Products with a zero coefficient are masked to +0 rather than computed: 0·x is NaN for a
  // non-finite x, which would poison an output computed before that sample.
  const lane1 = i64x2(0, -1);
  const r01a = f64x2(1, r10), r01b = f64x2(0, r11);
  const r23a = f64x2(r20, r30), r23b = f64x2(r21, r31);
  const hA = f64x2(h0, h1), hB = f64x2(0, h0);
  const hC = f64x2(h2, h3), hD = f64x2(h1, h2);
  const a4c0 = f64x2(q00, q10), a4c1 = f64x2(q01, q11);
  const gv0 = f64x2(be1, be2), gv1 = f64x2(g10, g11), gv2 = f64x2(g20, g21), gv3 = f64x2(g30, g31);

  let st = f64x2(load<f64>(sp), load<f64>(sp, 8));
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(ptr + o);
    const x01 = f64x2.promote_low_f32x4(v);
    const x23 = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1));
    const x0 = v128.shuffle<f64>(x01, x01, 0, 0), x1 = v128.shuffle<f64>(x01, x01, 1, 1);
    const x2 = v128.shuffle<f64>(x23, x23, 0, 0), x3 = v128.shuffle<f64>(x23, x23, 1, 1);
    const s1 = v128.shuffle<f64>(st, st, 0, 0), s2 = v128.shuffle<f64>(st, st, 1, 1);
    const y01 = f64x2.add(
      f64x2.add(f64x2.mul(r01a, s1), v128.and(f64x2.mul(r01b, s2), lane1)),
      f64x2.add(f64x2.mul(hA, x0), v128.and(f64x2.mul(hB, x1), lane1)),
    );
    const y23 = f64x2.add(
      f64x2.add(f64x2.mul(r23a, s1), f64x2.mul(r23b, s2)),
      f64x2.add(
        f64x2.add(f64x2.mul(hC, x0), f64x2.mul(hD, x1)),
        f64x2.add(f64x2.mul(hA, x2), v128.and(f64x2.mul(hB, x3), lane1)),
      ),
    );
    const xs = f64x2.add(f64x2.add(f64x2.mul(gv3, x0), f64x2.mul(gv2, x1)), f64x2.add(f64x2.mul(gv1, x2), f64x2.mul(gv0, x3)));
    st = f64x2.add(f64x2.add(f64x2.mul(a4c0, s1), f64x2.mul(a4c1, s2)), xs);
    v128.store(out + o, canonF32x4(v128.shuffle<f32>(f32x4.demote_f64x2_zero(y01), f32x4.demote_f64x2_zero(y23), 0, 1, 4, 5)));
  }
  let s1 = f64x2.extract_lane(st, 0);
  let s2 = f64x2.extract_lane(st, 1);
  for (; i < n; i++) {
    const x = <f64>load<f32>(ptr + (<usize>i << 2));
    const y = b0 * x + s1;
    s1 = b1 * x - a1 * y + s2;
    s2 = b2 * x - a2 * y;
    store<f32>(out + (<usize>i << 2), canonf(<f32>y));
  }
  store<f64>(sp, canon(s1));
  store<f64>(sp, canon(s2), 8);
}

/**
 * Runs the biquad `coef` (from biquadDesign) over each column, transposed direct form II in f64.
 * `state` (2·d f64, zero to start) carries the filter memory across calls. out may equal ptr.
 */
export function biquad(ptr: usize, n: i32, d: i32, coef: usize, state: usize, out: usize): void {
  const b0 = load<f64>(coef), b1 = load<f64>(coef, 8), b2 = load<f64>(coef, 16);
  const a1 = load<f64>(coef, 24), a2 = load<f64>(coef, 32);
  if (d == 1) {
    biquadContig(ptr, n, b0, b1, b2, a1, a2, state, out);
    return;
  }
  for (let c = 0; c < d; c++) {
    const sp = state + (<usize>c << 4);
    let s1 = load<f64>(sp);
    let s2 = load<f64>(sp, 8);
    for (let i = 0; i < n; i++) {
      const k = idx(i, d, c);
      const x = <f64>f32At(ptr, k);
      const y = b0 * x + s1;
      s1 = b1 * x - a1 * y + s2;
      s2 = b2 * x - a2 * y;
      store<f32>(out + (k << 2), canonf(<f32>y));
    }
    store<f64>(sp, canon(s1));
    store<f64>(sp, canon(s2), 8);
  }
}

/** Contiguous FIR, 4 outputs per step with f32x4 accumulation. */
function firContig(ptr: usize, n: i32, taps: usize, m: i32, out: usize): void {
  const head = min(m - 1, n);
  for (let i = 0; i < head; i++) {
    let acc: f32 = 0;
    for (let k = 0; k <= i; k++) acc += f32At(taps, <usize>k) * f32At(ptr, <usize>(i - k));
    store<f32>(out + (<usize>i << 2), canonf(acc));
  }
  let i = head;
  for (; i + 4 <= n; i += 4) {
    let acc = f32x4.splat(0);
    const base = ptr + (<usize>i << 2);
    for (let k = 0; k < m; k++) {
      const h = f32x4.splat(f32At(taps, <usize>k));
      acc = f32x4.add(acc, f32x4.mul(h, v128.load(base - (<usize>k << 2))));
    }
    v128.store(out + (<usize>i << 2), canonF32x4(acc));
  }
  for (; i < n; i++) {
    let acc: f32 = 0;
    for (let k = 0; k < m; k++) acc += f32At(taps, <usize>k) * f32At(ptr, <usize>(i - k));
    store<f32>(out + (<usize>i << 2), canonf(acc));
  }
}

/**
 * FIR convolution per column: out[i] = Σ_{k<m} taps[k] · x[i-k], with x before row 0 taken as 0
 * (`taps` is m f32). f32 accumulation, in taps order.
 */
export function fir(ptr: usize, n: i32, d: i32, taps: usize, m: i32, out: usize): void {
  if (d == 1) {
    firContig(ptr, n, taps, m, out);
    return;
  }
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < n; i++) {
      let acc: f32 = 0;
      const top = i + 1 < m ? i + 1 : m;
      for (let k = 0; k < top; k++) acc += f32At(taps, <usize>k) * f32At(ptr, idx(i - k, d, c));
      store<f32>(out + (idx(i, d, c) << 2), canonf(acc));
    }
  }
}

/** First differences per column: out[i] = x[i] - x[i-1]; row 0 is NaN. */
export function diff(ptr: usize, n: i32, d: i32, out: usize): void {
  const len = <usize>n * <usize>d;
  const first = min(<usize>d, len);
  for (let j: usize = 0; j < first; j++) store<f32>(out + (j << 2), NaN);
  // Row-major: x[i, c] - x[i-1, c] is x[j] - x[j - d] on the flat buffer, for any d.
  const back = <usize>d << 2;
  let j = first;
  for (; j + 4 <= len; j += 4) {
    const o = j << 2;
    v128.store(out + o, canonF32x4(f32x4.sub(v128.load(ptr + o), v128.load(ptr + o - back))));
  }
  for (; j < len; j++) store<f32>(out + (j << 2), canonf(f32At(ptr, j) - f32At(ptr, j - <usize>d)));
}

/**
 * Lag features: out is [n × (k·d)] with out[i, (j-1)·d + c] = x[i-j, c] for j = 1..k, NaN before row 0.
 */
export function lags(ptr: usize, n: i32, d: i32, k: i32, out: usize): void {
  const rowBytes = <usize>d << 2;
  for (let i = 0; i < n; i++) {
    for (let j = 1; j <= k; j++) {
      const dst = out + (<usize>(i * k + j - 1) * rowBytes);
      if (i - j >= 0) memory.copy(dst, ptr + <usize>(i - j) * rowBytes, rowBytes);
      else for (let c = 0; c < d; c++) store<f32>(dst + (<usize>c << 2), NaN);
    }
  }
}

/**
 * Linear resampling to a fixed rate: `times` (n f64, ascending) stamps the rows of x; writes m rows
 * at t0 + r·dt, interpolating linearly per column. Rows outside [times[0], times[n-1]] are NaN.
 */
export function resampleLinear(times: usize, ptr: usize, n: i32, d: i32, t0: f64, dt: f64, m: i32, out: usize): void {
  let j = 0;
  for (let r = 0; r < m; r++) {
    const t = t0 + <f64>r * dt;
    const dst = out + ((<usize>r * <usize>d) << 2);
    if (n == 0 || !(t >= load<f64>(times) && t <= load<f64>(times + (<usize>(n - 1) << 3)))) {
      for (let c = 0; c < d; c++) store<f32>(dst + (<usize>c << 2), NaN);
      continue;
    }
    // Find j with times[j] <= t < times[j+1] (or j = n-1 when t is the last stamp); t only grows.
    if (j > 0 && load<f64>(times + (<usize>j << 3)) > t) j = 0;
    while (j + 1 < n && load<f64>(times + (<usize>(j + 1) << 3)) <= t) j++;
    if (j + 1 >= n) {
      for (let c = 0; c < d; c++) store<f32>(dst + (<usize>c << 2), canonf(f32At(ptr, idx(j, d, c))));
      continue;
    }
    const ta = load<f64>(times + (<usize>j << 3));
    const tb = load<f64>(times + (<usize>(j + 1) << 3));
    const f = (t - ta) / (tb - ta);
    for (let c = 0; c < d; c++) {
      const a = <f64>f32At(ptr, idx(j, d, c));
      const b = <f64>f32At(ptr, idx(j + 1, d, c));
      store<f32>(dst + (<usize>c << 2), canonf(<f32>(a + f * (b - a))));
    }
  }
}
