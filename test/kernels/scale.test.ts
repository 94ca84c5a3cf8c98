/**
 * Scale kernels vs their twins (src/kernels/reference/scale.ts). Bounds, absolute:
 * zscore, minMaxScale, robustScale   1e-6 × |y| + 1e-12 × (|x| + |center|) / spread
 *   (f32 arithmetic; the center is applied as an f32 hi + lo pair so there is no shared bias)
 * clip, imputeConst, imputeLast, countNonFinite, nonFiniteMask   exact
 */
import { describe, expect, it } from 'vitest';
import * as stats from '../../src/kernels/reference/stats.js';
import * as twin from '../../src/kernels/reference/scale.js';
import { expectClose, freshKernels, lengths, rand, randomValues, widths } from './helpers.js';

const { exports: x, arena } = freshKernels();

function randomFrame(n: number, d: number, nonFinite = 0): Float32Array {
  const out = new Float32Array(n * d);
  for (let c = 0; c < d; c++) {
    const col = randomValues(n);
    for (let i = 0; i < n; i++) out[i * d + c] = col[i]!;
  }
  const specials = [NaN, Infinity, -Infinity];
  for (let i = 0; i < out.length; i++) if (rand() < nonFinite) out[i] = specials[Math.floor(rand() * 3)]!;
  return out;
}

/** Runs an element-wise kernel with two f64 parameter arrays; returns its f32 output. */
function runAffine(
  kernel: (p: number, n: number, d: number, a: number, b: number, o: number) => void,
  frame: Float32Array,
  n: number,
  d: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  inPlace = false,
): Float32Array {
  const input = arena.f32Of(frame);
  const out = inPlace ? input : arena.allocF32(n * d);
  const pa = arena.f64Of(a);
  const pb = arena.f64Of(b);
  kernel(input.ptr, n, d, pa.ptr, pb.ptr, out.ptr);
  const result = Float32Array.from(out.view);
  for (const blk of inPlace ? [input, pa, pb] : [input, out, pa, pb]) arena.free(blk);
  return result;
}

const inv = (s: number): number => (s === 0 || !Number.isFinite(s) ? 1 : 1 / s);

describe('scale kernels vs twins', () => {
  it('zscore, minMaxScale and robustScale match within 1e-6 × |y| + 1e-12 × (|x| + |center|) / spread', () => {
    for (const n of lengths()) {
      for (const d of widths()) {
        const frame = randomFrame(n, d);
        const mean = stats.colMean(frame, n, d);
        const std = stats.colStd(frame, n, d, 0);
        const lo = stats.colMin(frame, n, d);
        const hi = stats.colMax(frame, n, d);
        const q = stats.colQuantiles(frame, n, d, [0.25, 0.5, 0.75]);
        const median = q.slice(d, 2 * d);
        const iqr = q.slice(2 * d).map((v, c) => v - q[c]!);
        if (d > 1) std[d - 1] = 0; // a constant column's spread: scaled by 1
        const inPlace = rand() < 0.5;
        const cases = [
          ['zscore', x.zscore, twin.zscore, mean, std, (c: number) => inv(std[c]!)],
          ['minMaxScale', x.minMaxScale, twin.minMaxScale, lo, hi, (c: number) => inv(hi[c]! - lo[c]!)],
          ['robustScale', x.robustScale, twin.robustScale, median, iqr, (c: number) => inv(iqr[c]!)],
        ] as const;
        for (const [name, kernel, reference, a, b, scale] of cases) {
          const want = new Float64Array(n * d);
          reference(frame, n, d, a, b, want);
          const got = runAffine(kernel, frame, n, d, a, b, inPlace);
          const center = (i: number): number => Math.abs(a[i % d] ?? 0);
          expectClose(`${name} n=${n} d=${d}`, got, want, (i) => 1e-6 * Math.abs(want[i]!) + 1e-12 * (Math.abs(frame[i]!) + center(i)) * scale(i % d));
        }
      }
    }
    expect(arena.liveBlocks).toBe(0);
  });

  it('zscore output has mean 0 and std 1 (closed form)', () => {
    for (const n of [1000, 1024, 4097]) {
      const frame = randomFrame(n, 1);
      const out = runAffine(x.zscore, frame, n, 1, stats.colMean(frame, n, 1), stats.colStd(frame, n, 1, 0));
      expect(Math.abs(stats.colMean(out, n, 1)[0]!)).toBeLessThan(1e-6);
      expect(Math.abs(stats.colStd(out, n, 1, 0)[0]! - 1)).toBeLessThan(1e-6);
    }
  });

  it('clip, imputeConst, countNonFinite and nonFiniteMask are exact, NaN/Inf as documented', () => {
    for (const n of lengths()) {
      for (const d of widths()) {
        const frame = randomFrame(n, d, 0.1);
        const lo = Float64Array.from({ length: d }, () => Math.fround((rand() - 0.7) * 50));
        const hi = lo.map((v) => Math.fround(v + rand() * 60));
        const fill = Float64Array.from({ length: d }, () => Math.fround((rand() - 0.5) * 10));
        const want = new Float64Array(n * d);
        twin.clip(frame, n, d, lo, hi, want);
        expectClose(`clip n=${n} d=${d}`, runAffine(x.clip, frame, n, d, lo, hi), want, () => 0);
        twin.imputeConst(frame, n, d, fill, want);
        const imputed = runAffine((p, nn, dd, a, _b, o) => x.imputeConst(p, nn, dd, a, o), frame, n, d, fill, fill);
        expectClose(`imputeConst n=${n} d=${d}`, imputed, want, () => 0);
        expect(imputed.every(Number.isFinite)).toBe(true);

        const input = arena.f32Of(frame);
        const counts = arena.allocF64(d);
        const total = x.countNonFinite(input.ptr, n, d, counts.ptr);
        const ref = twin.countNonFinite(frame, n, d);
        expect(total).toBe(ref.total);
        expect(Array.from(counts.view)).toEqual(Array.from(ref.perColumn));
        const mask = arena.allocF32(n * d);
        x.nonFiniteMask(input.ptr, n * d, mask.ptr);
        const wantMask = new Float32Array(n * d);
        twin.nonFiniteMask(frame, n * d, wantMask);
        expect(Array.from(mask.view)).toEqual(Array.from(wantMask));
        for (const blk of [input, counts, mask]) arena.free(blk);
      }
    }
    expect(arena.liveBlocks).toBe(0);
  });

  it('imputeLast forward-fills across calls like one pass over the concatenation', () => {
    for (const n of lengths()) {
      const d = 3;
      const frame = randomFrame(n, d, 0.3);
      const cut = Math.floor(rand() * (n + 1));
      const last = arena.f64Of([NaN, NaN, NaN]);
      const got = new Float32Array(n * d);
      for (const [from, to] of [
        [0, cut],
        [cut, n],
      ] as const) {
        const part = arena.f32Of(frame.subarray(from * d, to * d));
        const out = arena.allocF32((to - from) * d);
        x.imputeLast(part.ptr, to - from, d, last.ptr, out.ptr);
        got.set(out.view, from * d);
        arena.free(part);
        arena.free(out);
      }
      const want = new Float64Array(n * d);
      twin.imputeLast(frame, n, d, new Float64Array([NaN, NaN, NaN]), want);
      expectClose(`imputeLast n=${n} cut=${cut}`, got, want, () => 0);
      arena.free(last);
    }
  });
});
