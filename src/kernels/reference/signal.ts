/**
 * Plain-TS twins of `assembly/signal.ts` over a row-major frame [n × d] (rows are time steps),
 * computed in f64 and written into `out`.
 */
import type { FloatArray } from './stats.js';

/** Trailing moving average over `w` rows (partial windows at the start); NaN while a non-finite value is in the window. */
export function movingAverage(x: FloatArray, n: number, d: number, w: number, out: FloatArray): void {
  const width = Math.max(1, w);
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const from = Math.max(0, i - width + 1);
      for (let j = from; j <= i; j++) s += Number.isFinite(x[j * d + c]!) ? x[j * d + c]! : NaN;
      out[i * d + c] = s / (i - from + 1);
    }
  }
}

/** EMA y = alpha·x + (1 - alpha)·y_prev; `state` (NaN = start from the first value) is updated. */
export function ema(x: FloatArray, n: number, d: number, alpha: number, state: FloatArray, out: FloatArray): void {
  for (let c = 0; c < d; c++) {
    let y = state[c]!;
    for (let i = 0; i < n; i++) {
      const v = x[i * d + c]!;
      y = i === 0 && Number.isNaN(y) ? v : alpha * v + (1 - alpha) * y;
      out[i * d + c] = y;
    }
    state[c] = y;
  }
}

/** RBJ cookbook biquad coefficients [b0, b1, b2, a1, a2] / a0, or undefined for invalid arguments. */
export function biquadDesign(kind: number, f0: number, q: number, fs: number): Float64Array | undefined {
  if (![0, 1, 2].includes(kind) || !(f0 > 0 && f0 < fs / 2) || !(q > 0)) return undefined;
  const w0 = (2 * Math.PI * f0) / fs;
  const cos = Math.cos(w0);
  const alpha = Math.sin(w0) / (2 * q);
  const b = kind === 0 ? [(1 - cos) / 2, 1 - cos, (1 - cos) / 2] : kind === 1 ? [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2] : [alpha, 0, -alpha];
  const a0 = 1 + alpha;
  return Float64Array.from([b[0]! / a0, b[1]! / a0, b[2]! / a0, (-2 * cos) / a0, (1 - alpha) / a0]);
}

/** Direct form I difference equation y = b0x + b1x₋₁ + b2x₋₂ - a1y₋₁ - a2y₋₂ from rest, per column. */
export function biquad(x: FloatArray, n: number, d: number, coef: ArrayLike<number>, out: FloatArray): void {
  const [b0, b1, b2, a1, a2] = [coef[0]!, coef[1]!, coef[2]!, coef[3]!, coef[4]!];
  for (let c = 0; c < d; c++) {
    let x1 = 0,
      x2 = 0,
      y1 = 0,
      y2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i * d + c]!;
      const y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
      x2 = x1;
      x1 = v;
      y2 = y1;
      y1 = y;
      out[i * d + c] = y;
    }
  }
}

/** out[i] = Σ_k taps[k]·x[i-k], zero before row 0. */
export function fir(x: FloatArray, n: number, d: number, taps: ArrayLike<number>, out: FloatArray): void {
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < taps.length && k <= i; k++) s += taps[k]! * x[(i - k) * d + c]!;
      out[i * d + c] = s;
    }
  }
}

/** out[i] = x[i] - x[i-1] per column; row 0 NaN. */
export function diff(x: FloatArray, n: number, d: number, out: FloatArray): void {
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) out[i * d + c] = i === 0 ? NaN : x[i * d + c]! - x[(i - 1) * d + c]!;
}

/** out[i, (j-1)·d + c] = x[i-j, c] for j = 1..k; NaN before row 0. */
export function lags(x: FloatArray, n: number, d: number, k: number, out: FloatArray): void {
  for (let i = 0; i < n; i++) {
    for (let j = 1; j <= k; j++) {
      for (let c = 0; c < d; c++) out[i * k * d + (j - 1) * d + c] = i - j >= 0 ? x[(i - j) * d + c]! : NaN;
    }
  }
}

/** Linear interpolation of rows stamped `times` at t0 + r·dt, r < m; NaN outside the stamps. */
export function resampleLinear(times: ArrayLike<number>, x: FloatArray, n: number, d: number, t0: number, dt: number, m: number, out: FloatArray): void {
  for (let r = 0; r < m; r++) {
    const t = t0 + r * dt;
    // Last stamp <= t, searched from scratch each time for obviousness.
    let j = -1;
    for (let s = 0; s < n; s++) if (times[s]! <= t) j = s;
    for (let c = 0; c < d; c++) {
      let v = NaN;
      if (n > 0 && t >= times[0]! && t <= times[n - 1]!) {
        if (j === n - 1) v = x[j * d + c]!;
        else {
          const f = (t - times[j]!) / (times[j + 1]! - times[j]!);
          v = x[j * d + c]! + f * (x[(j + 1) * d + c]! - x[j * d + c]!);
        }
      }
      out[r * d + c] = v;
    }
  }
}
