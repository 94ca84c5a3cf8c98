/** Plain-TS twins of `assembly/linalg.ts` (row-major, f64). */
import type { FloatArray } from './stats.js';

/** Σ a[i]·b[i]. */
export function dot(a: FloatArray, b: FloatArray, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += a[i]! * b[i]!;
  return s;
}

/** y = A·x for A [m × n]. */
export function gemv(a: FloatArray, m: number, n: number, x: FloatArray, y: FloatArray): void {
  for (let i = 0; i < m; i++) y[i] = dot(a.subarray(i * n, (i + 1) * n), x, n);
}

/** C = A·B for A [m × k], B [k × n]. */
export function gemm(a: FloatArray, b: FloatArray, c: FloatArray, m: number, k: number, n: number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = s;
    }
  }
}

/** G += XᵀX for X [n × d], G [d × d]. */
export function xtxAccumulate(x: FloatArray, n: number, d: number, g: Float64Array): void {
  for (let r = 0; r < n; r++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) g[a * d + b]! += x[r * d + a]! * x[r * d + b]!;
}

/** v += Xᵀy. */
export function xtyAccumulate(x: FloatArray, y: FloatArray, n: number, d: number, v: Float64Array): void {
  for (let r = 0; r < n; r++) for (let a = 0; a < d; a++) v[a]! += x[r * d + a]! * y[r]!;
}

/** Cholesky–Banachiewicz: returns L (lower, zeros above) or the failing pivot k + 1. */
export function cholesky(a: Float64Array, d: number): Float64Array | number {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let p = 0; p < j; p++) s -= l[i * d + p]! * l[j * d + p]!;
      if (i === j) {
        if (!(s > 0)) return i + 1;
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j]!;
    }
  }
  return l;
}

/** Solves L·Lᵀ·x = b. */
export function choleskySolve(l: Float64Array, d: number, b: ArrayLike<number>): Float64Array {
  const z = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let p = 0; p < i; p++) s -= l[i * d + p]! * z[p]!;
    z[i] = s / l[i * d + i]!;
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let p = i + 1; p < d; p++) s -= l[p * d + i]! * x[p]!;
    x[i] = s / l[i * d + i]!;
  }
  return x;
}
