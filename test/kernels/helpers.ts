/**
 * Shared helpers for kernel-vs-twin tests: a seeded PRNG (the suite's seed from test/seed.ts:
 * fresh each run, printed in every failure; set RUNNEL_TEST_SEED to replay), the lengths every
 * kernel must handle, and a comparison that states its bound.
 */
import { expect } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { instantiateKernels, type Kernels } from '../../src/kernels/index.js';
import { SEED } from '../seed.js';

/** The seed of this run (test/seed.ts), re-exported for the kernel tests. */
export { SEED };

/** Uniform in [0, 1), from the run's seed. */
export const rand: () => number = seededRandom(SEED);

/** Integer in [lo, hi]. */
export function randInt(lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** The edge lengths from the issue plus three random ones. */
export function lengths(): number[] {
  return [0, 1, 3, 4, 5, 1023, 1024, 1025, randInt(6, 200), randInt(200, 3000), randInt(3000, 6000)];
}

/** Column counts to try with each length: 1 (the contiguous path), 2..3 (scalar columns) and 4..9 (blocks of 4 columns plus a scalar tail). */
export function widths(): number[] {
  return [1, randInt(2, 3), randInt(4, 9)];
}

/** n values with a random offset and a random scale spanning 1e-2..1e3 (stresses cancellation). */
export function randomValues(n: number, options: { offset?: number; scale?: number } = {}): Float32Array {
  const offset = options.offset ?? (rand() - 0.5) * 200;
  const scale = options.scale ?? 10 ** (rand() * 5 - 2);
  return Float32Array.from({ length: n }, () => offset + scale * (rand() - 0.5));
}

/** A fresh kernels instance (own memory) per test file. */
export function freshKernels(): Kernels {
  return instantiateKernels();
}

/**
 * Checks got[i] against want[i] within `bound(i)` (absolute). NaN must meet NaN and ±Inf the
 * same infinity. The message names the kernel, the case and the seed.
 */
export function expectClose(label: string, got: ArrayLike<number>, want: ArrayLike<number>, bound: (i: number) => number): void {
  expect(got.length, `${label}: length (seed ${SEED})`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      if (!Object.is(g, w) && !(Number.isNaN(g) && Number.isNaN(w))) {
        expect.fail(`${label}[${i}]: got ${g}, want ${w} (seed ${SEED})`);
      }
      continue;
    }
    const err = Math.abs(g - w);
    if (!(err <= bound(i))) expect.fail(`${label}[${i}]: got ${g}, want ${w}, |err| ${err} > bound ${bound(i)} (seed ${SEED})`);
  }
}

/** Σ|v| of the finite values in a range of a strided column (the scale most bounds are relative to). */
export function absSum(v: ArrayLike<number>, from = 0, to = v.length, stride = 1): number {
  let s = 0;
  for (let i = from; i < to; i += stride) if (Number.isFinite(v[i]!)) s += Math.abs(v[i]!);
  return s;
}

/** max|v| of the finite values of column c of a frame [n × d]. */
export function colAbsMax(v: ArrayLike<number>, n: number, d: number, c: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(v[i * d + c]!)) m = Math.max(m, Math.abs(v[i * d + c]!));
  return m;
}
