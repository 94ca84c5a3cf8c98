/**
 * Plain-TS twins of `assembly/fft.ts`: window, real FFT, magnitude and band energies in f64.
 * The FFT is the textbook recursive radix-2 Cooley–Tukey; `dft` is the O(n²) definition it is checked against.
 */
import type { FloatArray } from './stats.js';

/** Periodic window: 0 rectangular, 1 Hann, 2 Hamming. */
export function windowValues(n: number, kind: number): Float64Array {
  const a = kind === 1 ? 0.5 : 0.54;
  return Float64Array.from({ length: n }, (_, t) => (kind === 0 ? 1 : a - (1 - a) * Math.cos((2 * Math.PI * t) / n)));
}

/** Complex FFT of (re, im) of power-of-two length, forward sign e^{-2πi kt/n}. */
export function fftComplex(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  if (n === 1) return [Float64Array.from(re), Float64Array.from(im)];
  const half = n / 2;
  const pick = (a: Float64Array, odd: number): Float64Array => Float64Array.from({ length: half }, (_, i) => a[2 * i + odd]!);
  const [er, ei] = fftComplex(pick(re, 0), pick(im, 0));
  const [or, oi] = fftComplex(pick(re, 1), pick(im, 1));
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < half; k++) {
    const c = Math.cos((-2 * Math.PI * k) / n);
    const s = Math.sin((-2 * Math.PI * k) / n);
    const tr = c * or[k]! - s * oi[k]!;
    const ti = c * oi[k]! + s * or[k]!;
    outRe[k] = er[k]! + tr;
    outIm[k] = ei[k]! + ti;
    outRe[k + half] = er[k]! - tr;
    outIm[k + half] = ei[k]! - ti;
  }
  return [outRe, outIm];
}

/** Windowed real FFT: n/2 + 1 bins interleaved (re, im) into `out` (n + 2 values). */
export function rfft(x: FloatArray, n: number, window: number, out: FloatArray): void {
  const w = windowValues(n, window);
  const [re, im] = fftComplex(
    Float64Array.from({ length: n }, (_, t) => x[t]! * w[t]!),
    new Float64Array(n),
  );
  for (let k = 0; k <= n / 2; k++) {
    out[2 * k] = re[k]!;
    out[2 * k + 1] = im[k]!;
  }
}

/** The DFT by definition (O(n²)): n/2 + 1 bins interleaved, for checking the FFTs. */
export function dft(x: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n + 2);
  for (let k = 0; k <= n / 2; k++) {
    let re = 0,
      im = 0;
    for (let t = 0; t < n; t++) {
      const th = (-2 * Math.PI * ((k * t) % n)) / n;
      re += x[t]! * Math.cos(th);
      im += x[t]! * Math.sin(th);
    }
    out[2 * k] = re;
    out[2 * k + 1] = im;
  }
  return out;
}

/** |X[k]| of interleaved bins. */
export function spectrumMagnitude(spec: FloatArray, bins: number, out: FloatArray): void {
  for (let k = 0; k < bins; k++) out[k] = Math.hypot(spec[2 * k]!, spec[2 * k + 1]!);
}

/** Σ|X[k]|² over bins with edges[b] <= k·fs/n < edges[b+1]. */
export function bandEnergies(spec: FloatArray, n: number, fs: number, edges: ArrayLike<number>): Float64Array {
  const out = new Float64Array(Math.max(0, edges.length - 1));
  for (let k = 0; k <= n / 2; k++) {
    const f = (k * fs) / n;
    for (let b = 0; b < out.length; b++) {
      if (f >= edges[b]! && f < edges[b + 1]!) out[b]! += spec[2 * k]! ** 2 + spec[2 * k + 1]! ** 2;
    }
  }
  return out;
}
