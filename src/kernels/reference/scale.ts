/**
 * Plain-TS twins of `assembly/scale.ts`: element-wise scaling and cleaning of a row-major frame
 * [n × d] with per-column parameters, in f64, written into `out` (f32 or f64).
 */
import type { FloatArray } from './stats.js';

/** A zero or non-finite spread scales by 1 (a constant column maps to x - center). */
function inverse(spread: number): number {
  return spread === 0 || !Number.isFinite(spread) ? 1 : 1 / spread;
}

function perElement(x: FloatArray, n: number, d: number, out: FloatArray, f: (v: number, c: number) => number): void {
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) out[i * d + c] = f(x[i * d + c]!, c);
}

/** out = (x - mean[c]) / std[c]. */
export function zscore(x: FloatArray, n: number, d: number, mean: ArrayLike<number>, std: ArrayLike<number>, out: FloatArray): void {
  perElement(x, n, d, out, (v, c) => (v - mean[c]!) * inverse(std[c]!));
}

/** out = (x - lo[c]) / (hi[c] - lo[c]). */
export function minMaxScale(x: FloatArray, n: number, d: number, lo: ArrayLike<number>, hi: ArrayLike<number>, out: FloatArray): void {
  perElement(x, n, d, out, (v, c) => (v - lo[c]!) * inverse(hi[c]! - lo[c]!));
}

/** out = (x - median[c]) / iqr[c]. */
export function robustScale(x: FloatArray, n: number, d: number, median: ArrayLike<number>, iqr: ArrayLike<number>, out: FloatArray): void {
  perElement(x, n, d, out, (v, c) => (v - median[c]!) * inverse(iqr[c]!));
}

/** out = min(max(x, lo[c]), hi[c]); NaN stays NaN. */
export function clip(x: FloatArray, n: number, d: number, lo: ArrayLike<number>, hi: ArrayLike<number>, out: FloatArray): void {
  perElement(x, n, d, out, (v, c) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v, lo[c]!), hi[c]!)));
}

/** out = x if finite, else values[c]. */
export function imputeConst(x: FloatArray, n: number, d: number, values: ArrayLike<number>, out: FloatArray): void {
  perElement(x, n, d, out, (v, c) => (Number.isFinite(v) ? v : values[c]!));
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
