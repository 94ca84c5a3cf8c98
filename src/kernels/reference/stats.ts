/**
 * Plain-TS twins of `assembly/stats.ts`: the same per-column statistics of a row-major frame
 * [n × d], written for clarity and computed in f64 (one plain loop per statistic, no shared
 * higher-order helpers, so they also serve as a fair plain-JS baseline in benchmarks).
 */

/** A real-valued array a twin can read or write. */
export type FloatArray = Float32Array | Float64Array;

/** Column c of a frame as a fresh f64 array (for the order statistics, which sort). */
function column(x: FloatArray, n: number, d: number, c: number): Float64Array {
  const col = new Float64Array(n);
  for (let i = 0; i < n; i++) col[i] = x[i * d + c]!;
  return col;
}

function meanOf(x: FloatArray, n: number, d: number, c: number): number {
  if (n === 0) return NaN;
  let s = 0;
  for (let i = 0; i < n; i++) s += x[i * d + c]!;
  return s / n;
}

/** Σ (x - mean)^k over column c. */
function centralSum(x: FloatArray, n: number, d: number, c: number, k: number): number {
  const m = meanOf(x, n, d, c);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = x[i * d + c]! - m;
    s += k === 2 ? t * t : k === 3 ? t * t * t : t * t * t * t;
  }
  return s;
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

function quantileOf(values: Float64Array, q: number): number {
  if (values.some(Number.isNaN)) return NaN;
  return quantileSorted(values.sort(), q);
}

/** Count of non-NaN values per column. */
export function colCount(x: FloatArray, n: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) for (let i = 0; i < n; i++) if (!Number.isNaN(x[i * d + c]!)) out[c]!++;
  return out;
}

/** Column sums. */
export function colSum(x: FloatArray, n: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) for (let i = 0; i < n; i++) out[c]! += x[i * d + c]!;
  return out;
}

/** Column means. */
export function colMean(x: FloatArray, n: number, d: number): Float64Array {
  return Float64Array.from({ length: d }, (_, c) => meanOf(x, n, d, c));
}

/** Column variances with `ddof` (two-pass). */
export function colVar(x: FloatArray, n: number, d: number, ddof: number): Float64Array {
  return Float64Array.from({ length: d }, (_, c) => (n - ddof <= 0 ? NaN : centralSum(x, n, d, c, 2) / (n - ddof)));
}

/** Column standard deviations with `ddof`. */
export function colStd(x: FloatArray, n: number, d: number, ddof: number): Float64Array {
  return colVar(x, n, d, ddof).map(Math.sqrt);
}

/** Column minima (NaN if a NaN is present or empty). */
export function colMin(x: FloatArray, n: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    let m = n === 0 ? NaN : Infinity;
    for (let i = 0; i < n; i++) m = Math.min(m, x[i * d + c]!);
    out[c] = m;
  }
  return out;
}

/** Column maxima (NaN if a NaN is present or empty). */
export function colMax(x: FloatArray, n: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    let m = n === 0 ? NaN : -Infinity;
    for (let i = 0; i < n; i++) m = Math.max(m, x[i * d + c]!);
    out[c] = m;
  }
  return out;
}

/** Column peak-to-peak. */
export function colPtp(x: FloatArray, n: number, d: number): Float64Array {
  const lo = colMin(x, n, d);
  return colMax(x, n, d).map((hi, c) => hi - lo[c]!);
}

/** Column root mean square. */
export function colRms(x: FloatArray, n: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * d + c]! ** 2;
    out[c] = n === 0 ? NaN : Math.sqrt(s / n);
  }
  return out;
}

/** Column population skewness m3 / m2^1.5. */
export function colSkew(x: FloatArray, n: number, d: number): Float64Array {
  return Float64Array.from({ length: d }, (_, c) => (n === 0 ? NaN : centralSum(x, n, d, c, 3) / n / (centralSum(x, n, d, c, 2) / n) ** 1.5));
}

/** Column population excess kurtosis m4 / m2² - 3. */
export function colKurt(x: FloatArray, n: number, d: number): Float64Array {
  return Float64Array.from({ length: d }, (_, c) => (n === 0 ? NaN : centralSum(x, n, d, c, 4) / n / (centralSum(x, n, d, c, 2) / n) ** 2 - 3));
}

/** Quantiles per column (full sort), laid out out[j·d + c]. */
export function colQuantiles(x: FloatArray, n: number, d: number, qs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(qs.length * d);
  for (let c = 0; c < d; c++) {
    const col = column(x, n, d, c);
    for (let j = 0; j < qs.length; j++) out[j * d + c] = quantileOf(col, qs[j]!);
  }
  return out;
}

/** Column medians (full sort). */
export function colMedian(x: FloatArray, n: number, d: number): Float64Array {
  return colQuantiles(x, n, d, [0.5]);
}

/** Column means of the finite values. */
export function colMeanFinite(x: FloatArray, n: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    let s = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i * d + c]!;
      if (Number.isFinite(v)) {
        s += v;
        k++;
      }
    }
    out[c] = k === 0 ? NaN : s / k;
  }
  return out;
}

/** Column medians of the finite values. */
export function colMedianFinite(x: FloatArray, n: number, d: number): Float64Array {
  return Float64Array.from({ length: d }, (_, c) => quantileOf(column(x, n, d, c).filter(Number.isFinite), 0.5));
}

/** Column zero-crossing rates (sign change between consecutive values, < 0 is negative). */
export function colZcr(x: FloatArray, n: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let c = 0; c < d; c++) {
    let crossings = 0;
    let nan = false;
    for (let i = 0; i < n; i++) {
      nan ||= Number.isNaN(x[i * d + c]!);
      if (i > 0 && x[i * d + c]! < 0 !== x[(i - 1) * d + c]! < 0) crossings++;
    }
    out[c] = n < 2 || nan ? NaN : crossings / (n - 1);
  }
  return out;
}
