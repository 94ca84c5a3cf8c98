/**
 * Plain-TS twins of `assembly/stats.ts`: the same per-column statistics of a row-major frame
 * [n × d], written for clarity and computed in f64. Tests compare the kernels against these.
 */

/** A real-valued array a twin can read or write. */
export type FloatArray = Float32Array | Float64Array;

/** Applies `f` to each column's values (a fresh f64 copy) and collects the results. */
function perColumn(x: FloatArray, n: number, d: number, f: (col: Float64Array) => number): Float64Array {
  const out = new Float64Array(d);
  const col = new Float64Array(n);
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < n; i++) col[i] = x[i * d + c]!;
    out[c] = f(col);
  }
  return out;
}

function sum(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x;
  return s;
}

function mean(v: Float64Array): number {
  return v.length === 0 ? NaN : sum(v) / v.length;
}

function variance(v: Float64Array, ddof: number): number {
  if (v.length - ddof <= 0) return NaN;
  const m = mean(v);
  let s = 0;
  for (const x of v) s += (x - m) ** 2;
  return s / (v.length - ddof);
}

function centralMoment(v: Float64Array, k: number): number {
  const m = mean(v);
  let s = 0;
  for (const x of v) s += (x - m) ** k;
  return s / v.length;
}

function hasNaN(v: Float64Array): boolean {
  return v.some((x) => Number.isNaN(x));
}

function extreme(v: Float64Array, pick: (a: number, b: number) => number): number {
  if (v.length === 0 || hasNaN(v)) return NaN;
  return v.reduce((a, b) => pick(a, b));
}

/** Quantile by full sort with linear interpolation between order statistics (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const m = sorted.length;
  if (m === 0 || !(q >= 0 && q <= 1)) return NaN;
  const h = (m - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (h === lo || lo + 1 >= m) return a;
  return a + (h - lo) * (sorted[lo + 1]! - a);
}

function quantile(v: Float64Array, q: number): number {
  if (hasNaN(v)) return NaN;
  return quantileSorted(Float64Array.from(v).sort(), q);
}

function finite(v: Float64Array): Float64Array {
  return v.filter((x) => Number.isFinite(x));
}

/** Count of non-NaN values per column. */
export const colCount = (x: FloatArray, n: number, d: number): Float64Array =>
  perColumn(x, n, d, (v) => v.filter((y) => !Number.isNaN(y)).length);
/** Column sums. */
export const colSum = (x: FloatArray, n: number, d: number): Float64Array => perColumn(x, n, d, sum);
/** Column means. */
export const colMean = (x: FloatArray, n: number, d: number): Float64Array => perColumn(x, n, d, mean);
/** Column variances with `ddof`. */
export const colVar = (x: FloatArray, n: number, d: number, ddof: number): Float64Array =>
  perColumn(x, n, d, (v) => variance(v, ddof));
/** Column standard deviations with `ddof`. */
export const colStd = (x: FloatArray, n: number, d: number, ddof: number): Float64Array =>
  perColumn(x, n, d, (v) => Math.sqrt(variance(v, ddof)));
/** Column minima (NaN if a NaN is present or empty). */
export const colMin = (x: FloatArray, n: number, d: number): Float64Array => perColumn(x, n, d, (v) => extreme(v, Math.min));
/** Column maxima (NaN if a NaN is present or empty). */
export const colMax = (x: FloatArray, n: number, d: number): Float64Array => perColumn(x, n, d, (v) => extreme(v, Math.max));
/** Column peak-to-peak. */
export const colPtp = (x: FloatArray, n: number, d: number): Float64Array =>
  perColumn(x, n, d, (v) => extreme(v, Math.max) - extreme(v, Math.min));
/** Column root mean square. */
export const colRms = (x: FloatArray, n: number, d: number): Float64Array =>
  perColumn(x, n, d, (v) => (v.length === 0 ? NaN : Math.sqrt(sum(v.map((y) => y * y)) / v.length)));
/** Column population skewness m3 / m2^1.5. */
export const colSkew = (x: FloatArray, n: number, d: number): Float64Array =>
  perColumn(x, n, d, (v) => (v.length === 0 ? NaN : centralMoment(v, 3) / centralMoment(v, 2) ** 1.5));
/** Column population excess kurtosis m4 / m2² - 3. */
export const colKurt = (x: FloatArray, n: number, d: number): Float64Array =>
  perColumn(x, n, d, (v) => (v.length === 0 ? NaN : centralMoment(v, 4) / centralMoment(v, 2) ** 2 - 3));
/** Quantiles per column, laid out out[j·d + c]. */
export function colQuantiles(x: FloatArray, n: number, d: number, qs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(qs.length * d);
  for (let j = 0; j < qs.length; j++) out.set(perColumn(x, n, d, (v) => quantile(v, qs[j]!)), j * d);
  return out;
}
/** Column medians. */
export const colMedian = (x: FloatArray, n: number, d: number): Float64Array => perColumn(x, n, d, (v) => quantile(v, 0.5));
/** Column means of finite values. */
export const colMeanFinite = (x: FloatArray, n: number, d: number): Float64Array => perColumn(x, n, d, (v) => mean(finite(v)));
/** Column medians of finite values. */
export const colMedianFinite = (x: FloatArray, n: number, d: number): Float64Array =>
  perColumn(x, n, d, (v) => quantile(finite(v), 0.5));
/** Column zero-crossing rates (sign change between consecutive values, < 0 is negative). */
export const colZcr = (x: FloatArray, n: number, d: number): Float64Array =>
  perColumn(x, n, d, (v) => {
    if (v.length < 2 || hasNaN(v)) return NaN;
    let crossings = 0;
    for (let i = 1; i < v.length; i++) if (v[i]! < 0 !== v[i - 1]! < 0) crossings++;
    return crossings / (v.length - 1);
  });
