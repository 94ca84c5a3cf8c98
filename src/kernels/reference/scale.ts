/**
 * Plain-TS twins of `assembly/scale.ts`: element-wise scaling and cleaning of a row-major frame
 * [n × d] with per-column parameters, in f64, written into `out` (f32 or f64).
 */
import type { FloatArray } from './stats.js';

/** A zero or non-finite spread scales by 1 (a constant column maps to x - center). */
function inverse(spread: number): number {
  return spread === 0 || !Number.isFinite(spread) ? 1 : 1 / spread;
}

/** out = (x - center[c]) · (1 / spread[c]), the shape of the three scalers. */
function affine(x: FloatArray, n: number, d: number, center: ArrayLike<number>, spread: ArrayLike<number>, out: FloatArray): void {
  for (let c = 0; c < d; c++) {
    const m = center[c]!;
    const s = inverse(spread[c]!);
    for (let i = 0; i < n; i++) out[i * d + c] = (x[i * d + c]! - m) * s;
  }
}

/** out = (x - mean[c]) / std[c]. */
export function zscore(x: FloatArray, n: number, d: number, mean: ArrayLike<number>, std: ArrayLike<number>, out: FloatArray): void {
  affine(x, n, d, mean, std, out);
}

/** out = (x - lo[c]) / (hi[c] - lo[c]). */
export function minMaxScale(x: FloatArray, n: number, d: number, lo: ArrayLike<number>, hi: ArrayLike<number>, out: FloatArray): void {
  affine(
    x,
    n,
    d,
    lo,
    Array.from({ length: d }, (_, c) => hi[c]! - lo[c]!),
    out,
  );
}

/** out = (x - median[c]) / iqr[c]. */
export function robustScale(x: FloatArray, n: number, d: number, median: ArrayLike<number>, iqr: ArrayLike<number>, out: FloatArray): void {
  affine(x, n, d, median, iqr, out);
}

/** out = min(max(x, lo[c]), hi[c]); NaN stays NaN. */
export function clip(x: FloatArray, n: number, d: number, lo: ArrayLike<number>, hi: ArrayLike<number>, out: FloatArray): void {
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < n; i++) {
      const v = x[i * d + c]!;
      out[i * d + c] = v < lo[c]! ? lo[c]! : v > hi[c]! ? hi[c]! : v;
    }
  }
}

/** out = x if finite, else values[c]. */
export function imputeConst(x: FloatArray, n: number, d: number, values: ArrayLike<number>, out: FloatArray): void {
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < n; i++) {
      const v = x[i * d + c]!;
      out[i * d + c] = Number.isFinite(v) ? v : values[c]!;
    }
  }
}

/** Forward fill of non-finite values; `last` (d values, NaN = none yet) is updated in place. */
export function imputeLast(x: FloatArray, n: number, d: number, last: FloatArray, out: FloatArray): void {
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      const v = x[i * d + c]!;
      if (Number.isFinite(v)) last[c] = v;
      out[i * d + c] = last[c]!;
    }
  }
}

/** Non-finite count per column and the total. */
export function countNonFinite(x: FloatArray, n: number, d: number): { perColumn: Float64Array; total: number } {
  const perColumn = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) if (!Number.isFinite(x[i * d + c]!)) perColumn[c]!++;
  return { perColumn, total: perColumn.reduce((a, b) => a + b, 0) };
}

/** out[i] = 1 where x[i] is non-finite, else 0. */
export function nonFiniteMask(x: FloatArray, len: number, out: FloatArray): void {
  for (let i = 0; i < len; i++) out[i] = Number.isFinite(x[i]!) ? 0 : 1;
}
