/** Array comparison with a stated tolerance; no runtime imports, so tests of lazy loading can use it. */
import { expect } from 'vitest';
import type { Out } from './runtimes.js';

export interface Tolerance {
  abs: number;
  rel: number;
}

/** Largest |a - e| / (abs + rel·|e|) over all entries: ≤ 1 means within tolerance. */
export function worstRatio(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    if (Number.isNaN(a) || Number.isNaN(e)) {
      if (!(Number.isNaN(a) && Number.isNaN(e))) return Infinity;
      continue;
    }
    worst = Math.max(worst, Math.abs(a - e) / (tol.abs + tol.rel * Math.abs(e)));
  }
  return worst;
}

/** Asserts `actual` matches `expected` (flat or rows) within `tol`, naming the first bad entry. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number> | readonly (readonly number[])[], tol: Tolerance, what: string): void {
  const flat: ArrayLike<number> = Array.isArray(expected) && Array.isArray(expected[0]) ? (expected as number[][]).flat() : (expected as ArrayLike<number>);
  expect(actual.length, `${what}: length`).toBe(flat.length);
  for (let i = 0; i < flat.length; i++) {
    const a = actual[i]!,
      e = flat[i]!;
    const ok = Math.abs(a - e) <= tol.abs + tol.rel * Math.abs(e) || (Number.isNaN(a) && Number.isNaN(e));
    if (!ok) expect.fail(`${what}: entry ${i} is ${a}, expected ${e} (tolerance abs ${tol.abs} + rel ${tol.rel})`);
  }
}

/** Int64 label output as numbers. */
export function labels(out: Out | undefined): number[] {
  if (!out) throw new Error('missing label output');
  return Array.from(out.data as BigInt64Array, Number);
}
