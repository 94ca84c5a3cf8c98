// Time-series kernels over a row-major f32 frame [n × d]: rows are time steps, columns channels.
// Unless a kernel says otherwise, `out` must not overlap `ptr`.
//
// NaN/Inf policy: recursive filters (ema, biquad) follow IEEE arithmetic, so a NaN or ±Inf
// input poisons every later output of its column until the state is reset: impute first.
// movingAverage outputs NaN while its window holds a non-finite value and recovers after.
// fir, diff, resampleLinear: IEEE arithmetic on the values involved; lags copies values as is.

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
 * Exponential moving average y = alpha * x + (1 - alpha) * y_prev per column. `state` (d f64) holds
 * y_prev across calls (in and out); NaN there means "start from the first value". out may equal ptr.
 */
export function ema(ptr: usize, n: i32, d: i32, alpha: f64, state: usize, out: usize): void {
  for (let c = 0; c < d; c++) {
    let y = load<f64>(state + (<usize>c << 3));
    for (let i = 0; i < n; i++) {
      const k = idx(i, d, c);
      const x = <f64>f32At(ptr, k);
      y = isNaN<f64>(y) && i == 0 ? x : alpha * x + (1 - alpha) * y;
      store<f32>(out + (k << 2), <f32>y);
    }
    store<f64>(state + (<usize>c << 3), y);
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
 * Runs the biquad `coef` (from biquadDesign) over each column, transposed direct form II in f64.
 * `state` (2·d f64, zero to start) carries the filter memory across calls. out may equal ptr.
 */
export function biquad(ptr: usize, n: i32, d: i32, coef: usize, state: usize, out: usize): void {
  const b0 = load<f64>(coef), b1 = load<f64>(coef, 8), b2 = load<f64>(coef, 16);
  const a1 = load<f64>(coef, 24), a2 = load<f64>(coef, 32);
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
      store<f32>(out + (k << 2), <f32>y);
    }
    store<f64>(sp, s1);
    store<f64>(sp, s2, 8);
  }
}

/** Contiguous FIR, 4 outputs per step with f32x4 accumulation. */
function firContig(ptr: usize, n: i32, taps: usize, m: i32, out: usize): void {
  const head = min(m - 1, n);
  for (let i = 0; i < head; i++) {
    let acc: f32 = 0;
    for (let k = 0; k <= i; k++) acc += f32At(taps, <usize>k) * f32At(ptr, <usize>(i - k));
    store<f32>(out + (<usize>i << 2), acc);
  }
  let i = head;
  for (; i + 4 <= n; i += 4) {
    let acc = f32x4.splat(0);
    const base = ptr + (<usize>i << 2);
    for (let k = 0; k < m; k++) {
      const h = f32x4.splat(f32At(taps, <usize>k));
      acc = f32x4.add(acc, f32x4.mul(h, v128.load(base - (<usize>k << 2))));
    }
    v128.store(out + (<usize>i << 2), acc);
  }
  for (; i < n; i++) {
    let acc: f32 = 0;
    for (let k = 0; k < m; k++) acc += f32At(taps, <usize>k) * f32At(ptr, <usize>(i - k));
    store<f32>(out + (<usize>i << 2), acc);
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
      store<f32>(out + (idx(i, d, c) << 2), acc);
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
    v128.store(out + o, f32x4.sub(v128.load(ptr + o), v128.load(ptr + o - back)));
  }
  for (; j < len; j++) store<f32>(out + (j << 2), f32At(ptr, j) - f32At(ptr, j - <usize>d));
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
      memory.copy(dst, ptr + ((<usize>j * <usize>d) << 2), <usize>d << 2);
      continue;
    }
    const ta = load<f64>(times + (<usize>j << 3));
    const tb = load<f64>(times + (<usize>(j + 1) << 3));
    const f = (t - ta) / (tb - ta);
    for (let c = 0; c < d; c++) {
      const a = <f64>f32At(ptr, idx(j, d, c));
      const b = <f64>f32At(ptr, idx(j + 1, d, c));
      store<f32>(dst + (<usize>c << 2), <f32>(a + f * (b - a)));
    }
  }
}
