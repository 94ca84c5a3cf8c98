/**
 * Signatures of every export of `build/kernels.wasm` (see `assembly/index.ts` and docs/kernels.md).
 * Pointers are byte offsets into the instance's memory; frames are row-major f32 [n × d];
 * per-column results and fitted parameters are f64 arrays of length d. Exports are typed as
 * function properties, not methods: they have no `this` and are passed around as values.
 */
import type { ArenaExports } from './arena.js';

/** Stats family (`assembly/stats.ts`): per-column reductions into `out` (d f64). */
export interface StatsExports {
  /** Sum of `len` f32 values (f64 accumulation). */
  sumF32: (ptr: number, len: number) => number;
  /** Mean of `len` f32 values; NaN when empty. */
  meanF32: (ptr: number, len: number) => number;
  /** Count of non-NaN values per column. */
  colCount: (ptr: number, n: number, d: number, out: number) => void;
  /** Column sums. */
  colSum: (ptr: number, n: number, d: number, out: number) => void;
  /** Column means. */
  colMean: (ptr: number, n: number, d: number, out: number) => void;
  /** Column variances with `ddof` (0 population, 1 sample), two-pass. */
  colVar: (ptr: number, n: number, d: number, ddof: number, out: number) => void;
  /** Column standard deviations with `ddof`. */
  colStd: (ptr: number, n: number, d: number, ddof: number, out: number) => void;
  /** Column minima. */
  colMin: (ptr: number, n: number, d: number, out: number) => void;
  /** Column maxima. */
  colMax: (ptr: number, n: number, d: number, out: number) => void;
  /** Column peak-to-peak (max - min). */
  colPtp: (ptr: number, n: number, d: number, out: number) => void;
  /** Column root mean square. */
  colRms: (ptr: number, n: number, d: number, out: number) => void;
  /** Column population skewness g1. */
  colSkew: (ptr: number, n: number, d: number, out: number) => void;
  /** Column population excess kurtosis g2. */
  colKurt: (ptr: number, n: number, d: number, out: number) => void;
  /** Quantiles `qs` (nq f64) per column into out[j·d + c]; `scratch` is n f32. */
  colQuantiles: (ptr: number, n: number, d: number, qs: number, nq: number, scratch: number, out: number) => void;
  /** Column medians; `scratch` is n f32. */
  colMedian: (ptr: number, n: number, d: number, scratch: number, out: number) => void;
  /** Column means of the finite values (fits mean imputation). */
  colMeanFinite: (ptr: number, n: number, d: number, out: number) => void;
  /** Column medians of the finite values (fits median imputation); `scratch` is n f32. */
  colMedianFinite: (ptr: number, n: number, d: number, scratch: number, out: number) => void;
  /** Column zero-crossing rates. */
  colZcr: (ptr: number, n: number, d: number, out: number) => void;
}

/** Scale family (`assembly/scale.ts`): element-wise with per-column f64 parameters; out may equal ptr. */
export interface ScaleExports {
  /** out = (x - mean) / std. */
  zscore: (ptr: number, n: number, d: number, mean: number, std: number, out: number) => void;
  /** out = (x - lo) / (hi - lo). */
  minMaxScale: (ptr: number, n: number, d: number, lo: number, hi: number, out: number) => void;
  /** out = (x - median) / iqr. */
  robustScale: (ptr: number, n: number, d: number, median: number, iqr: number, out: number) => void;
  /** out = min(max(x, lo), hi). */
  clip: (ptr: number, n: number, d: number, lo: number, hi: number, out: number) => void;
  /** Replaces non-finite values with values[c]. */
  imputeConst: (ptr: number, n: number, d: number, values: number, out: number) => void;
  /** Forward-fills non-finite values; `last` (d f64) carries state across calls. */
  imputeLast: (ptr: number, n: number, d: number, last: number, out: number) => void;
  /** Counts non-finite values per column into out (d f64); returns the total. */
  countNonFinite: (ptr: number, n: number, d: number, out: number) => number;
  /** out[i] = 1 where x[i] is non-finite, else 0. */
  nonFiniteMask: (ptr: number, len: number, out: number) => void;
}

/** Signal family (`assembly/signal.ts`): rows are time steps, columns channels. */
export interface SignalExports {
  /** Trailing moving average over `w` rows. */
  movingAverage: (ptr: number, n: number, d: number, w: number, out: number) => void;
  /** Exponential moving average; `state` (d f64, NaN to start) carries across calls. */
  ema: (ptr: number, n: number, d: number, alpha: number, state: number, out: number) => void;
  /** RBJ biquad design (kind 0 low, 1 high, 2 band-pass) into `coef` (5 f64); 0 or -1. */
  biquadDesign: (kind: number, f0: number, q: number, fs: number, coef: number) => number;
  /** Runs a biquad per column; `state` (2·d f64, zeros to start) carries across calls. */
  biquad: (ptr: number, n: number, d: number, coef: number, state: number, out: number) => void;
  /** FIR convolution with `m` f32 taps, zero history. */
  fir: (ptr: number, n: number, d: number, taps: number, m: number, out: number) => void;
  /** First differences per column; row 0 is NaN. */
  diff: (ptr: number, n: number, d: number, out: number) => void;
  /** Lag features 1..k into out [n × k·d]; NaN before row 0. */
  lags: (ptr: number, n: number, d: number, k: number, out: number) => void;
  /** Linear resampling of rows stamped by `times` (n f64) to m rows at t0 + r·dt. */
  resampleLinear: (times: number, ptr: number, n: number, d: number, t0: number, dt: number, m: number, out: number) => void;
}

/** FFT family (`assembly/fft.ts`). */
export interface FftExports {
  /** Table size in f32 for an n-point rfft (0 if n is not a power of two >= 4). */
  fftTableLen: (n: number) => number;
  /** Fills the table for n points and window 0 rect, 1 Hann, 2 Hamming; 0 or -1. */
  fftInit: (n: number, window: number, table: number) => number;
  /** Windowed real FFT: n/2 + 1 interleaved complex bins into out (n + 2 f32). */
  rfft: (x: number, n: number, table: number, out: number) => void;
  /** |X[k]| for `bins` interleaved complex bins. */
  spectrumMagnitude: (spec: number, bins: number, out: number) => void;
  /** Σ|X[k]|² per band of Hz edges (nb + 1 f64) into out (nb f64). */
  bandEnergies: (spec: number, n: number, fs: number, edges: number, nb: number, out: number) => void;
}

/** Linear algebra family (`assembly/linalg.ts`). */
export interface LinalgExports {
  /** Σ a[i]·b[i] (f64). */
  dot: (a: number, b: number, len: number) => number;
  /** y = A·x, A [m × n] f32. */
  gemv: (a: number, m: number, n: number, x: number, y: number) => void;
  /** C = A·B, A [m × k], B [k × n], f32. */
  gemm: (a: number, b: number, c: number, m: number, k: number, n: number) => void;
  /** G (d × d f64) += XᵀX for X [n × d] f32. */
  xtxAccumulate: (x: number, n: number, d: number, g: number) => void;
  /** v (d f64) += Xᵀy. */
  xtyAccumulate: (x: number, y: number, n: number, d: number, v: number) => void;
  /** In-place Cholesky of A (d × d f64); 0, or k + 1 for the failing pivot. */
  cholesky: (a: number, d: number) => number;
  /** Solves L·Lᵀ·x = b (f64). */
  choleskySolve: (l: number, d: number, b: number, x: number) => void;
}

/** The typed exports of `build/kernels.wasm`. */
export interface KernelExports extends ArenaExports, StatsExports, ScaleExports, SignalExports, FftExports, LinalgExports, TrainExports {}

/**
 * Training family (`assembly/train.ts`). x̃ = [x, 1]; weights, targets, class indices (as f64)
 * and accumulators are f64. Accumulating kernels add to their outputs (fit over many bundles).
 */
export interface TrainExports {
  /** G ((d+1)² f64) += Σ wᵢx̃ᵢx̃ᵢᵀ and v (d+1 f64) += Σ rᵢx̃ᵢ; w = 0 means unit weights, r = 0 skips v. */
  gramAccumulate: (x: number, w: number, r: number, n: number, d: number, g: number, v: number) => void;
  /** IRLS terms at β (d+1 f64): writes w = p(1-p), r = p - y (n f64 each); returns Σ log-loss. */
  logisticTerms: (x: number, y: number, n: number, d: number, beta: number, w: number, r: number) => number;
  softmaxRows: (p: number, rows: number, k: number) => void;
  sigmoidPairs: (z: number, n: number, out: number) => void;
  /** Natural logarithm of n f64 values, in place (software log: the same bits on every CPU). */
  logValues: (p: number, n: number) => void;
  /** grad (k × (d+1) f64) += softmax log-loss gradient at W; returns Σ loss; scratch k f64; probs (0: skip) gets P (n × k f64). */
  softmaxGradient: (x: number, y: number, n: number, d: number, k: number, wts: number, grad: number, scratch: number, probs: number) => number;
  /** out (k × (d+1) f64) += softmax Hessian (from P, n × k f64) times V (k × (d+1) f64); scratch k f64. */
  softmaxHessianVector: (x: number, n: number, d: number, k: number, probs: number, v: number, out: number, scratch: number) => void;
  /** out (k × (d+1) f64) += the softmax Hessian's diagonal Σ pᵢc(1 − pᵢc)·(xᵢⱼ − μⱼ)² (from P, n × k f64; mean d f64, 0: none). */
  softmaxHessianDiagonal: (x: number, n: number, d: number, k: number, probs: number, mean: number, out: number) => void;
  /** out (n × k f64) = X·Wᵀ + b, W k × (d+1) f64. */
  affine: (x: number, n: number, d: number, k: number, wts: number, out: number) => void;
  /** Writes per-class count (k), mean and m2 (k × d) of one batch, two-pass. */
  classMoments: (x: number, y: number, n: number, d: number, k: number, count: number, mean: number, m2: number) => void;
  /** out (n × k f64) = constant[c] - Σ (x - mean)²·halfInvVar. */
  gaussianJll: (x: number, n: number, d: number, k: number, mean: number, halfInvVar: number, constant: number, out: number) => void;
  /** out (n × d u8) = bin of each value against edges (d × m f64 ascending); NaN → m. */
  binColumns: (x: number, n: number, d: number, edges: number, m: number, out: number) => void;
  /** hist (d × nb × 2 f64) = Σ (grad, hess) per feature and bin over rows (m i32 indices). */
  histogram: (bins: number, d: number, nb: number, rows: number, m: number, grad: number, hess: number, hist: number) => void;
  /** Nearest centre (k × d f64) per row: assign (n i32), dist (n f64); returns Σ dist. */
  nearestCenter: (x: number, n: number, d: number, c: number, k: number, assign: number, dist: number) => number;
}

/**
 * What each export of the kernels module must be, checked when the module loads so that a stale
 * or foreign `.wasm` fails at start rather than on the first element that calls a missing kernel.
 * A record over `KernelExports`, so a signature added above without its name here does not compile.
 */
export const KERNEL_EXPORT_KINDS: Readonly<Record<keyof KernelExports, 'function' | 'memory'>> = {
  memory: 'memory',
  alloc: 'function',
  free: 'function',
  sumF32: 'function',
  meanF32: 'function',
  colCount: 'function',
  colSum: 'function',
  colMean: 'function',
  colVar: 'function',
  colStd: 'function',
  colMin: 'function',
  colMax: 'function',
  colPtp: 'function',
  colRms: 'function',
  colSkew: 'function',
  colKurt: 'function',
  colQuantiles: 'function',
  colMedian: 'function',
  colMeanFinite: 'function',
  colMedianFinite: 'function',
  colZcr: 'function',
  zscore: 'function',
  minMaxScale: 'function',
  robustScale: 'function',
  clip: 'function',
  imputeConst: 'function',
  imputeLast: 'function',
  countNonFinite: 'function',
  nonFiniteMask: 'function',
  movingAverage: 'function',
  ema: 'function',
  biquadDesign: 'function',
  biquad: 'function',
  fir: 'function',
  diff: 'function',
  lags: 'function',
  resampleLinear: 'function',
  fftTableLen: 'function',
  fftInit: 'function',
  rfft: 'function',
  spectrumMagnitude: 'function',
  bandEnergies: 'function',
  dot: 'function',
  gemv: 'function',
  gemm: 'function',
  xtxAccumulate: 'function',
  xtyAccumulate: 'function',
  cholesky: 'function',
  choleskySolve: 'function',
  gramAccumulate: 'function',
  logisticTerms: 'function',
  softmaxRows: 'function',
  sigmoidPairs: 'function',
  logValues: 'function',
  softmaxGradient: 'function',
  softmaxHessianVector: 'function',
  softmaxHessianDiagonal: 'function',
  affine: 'function',
  classMoments: 'function',
  gaussianJll: 'function',
  binColumns: 'function',
  histogram: 'function',
  nearestCenter: 'function',
};
