/**
 * Linear algebra kernels vs their twins (src/kernels/reference/linalg.ts). Bounds, absolute:
 * dot, xtxAccumulate, xtyAccumulate   1e-12 × Σ|a·b|          (exact f64 products, f64 sums)
 * gemv, gemm                          6e-8 × |y| + 1e-12 × Σ|a·b|   (f64 sums, one f32 rounding)
 * cholesky                            1e-10 × max|A|^½ on L; L·Lᵀ = A to 1e-12 × max|A|
 * choleskySolve                       a well-conditioned known system to 1e-9
 */
import { describe, expect, it } from 'vitest';
import * as twin from '../../src/kernels/reference/linalg.js';
import { expectClose, freshKernels, lengths, rand, randInt, randomValues } from './helpers.js';

const { exports: x, arena } = freshKernels();

/** A random symmetric positive-definite d × d matrix BᵀB + d·I. */
function randomSpd(d: number): Float64Array {
  const b = randomValues(d * d, { offset: 0, scale: 2 });
  const a = new Float64Array(d * d);
  twin.xtxAccumulate(b, d, d, a);
  for (let i = 0; i < d; i++) a[i * d + i]! += d;
  return a;
}

describe('linalg kernels vs twins', () => {
  it('dot matches within 1e-12 × Σ|a·b|', () => {
    for (const n of lengths()) {
      const a = randomValues(n);
      const b = randomValues(n);
      const [pa, pb] = [arena.f32Of(a), arena.f32Of(b)];
      const scale = twin.dot(a.map(Math.abs), b.map(Math.abs), n);
      expectClose(`dot n=${n}`, [x.dot(pa.ptr, pb.ptr, n)], [twin.dot(a, b, n)], () => 1e-12 * scale);
      arena.free(pa);
      arena.free(pb);
    }
  });

  it('gemv and gemm match within 6e-8 × |y| + 1e-12 × Σ|a·b|', () => {
    const dims = [0, 1, 3, 4, 5, randInt(6, 40)];
    for (const m of dims) {
      for (const inner of [...dims, 1024, 1025]) {
        const n = dims[randInt(0, dims.length - 1)]!;
        const a = randomValues(m * inner);
        const v = randomValues(inner);
        const b = randomValues(inner * n);
        const [pa, pv, pb] = [arena.f32Of(a), arena.f32Of(v), arena.f32Of(b)];
        const y = arena.allocF32(m);
        const c = arena.allocF32(m * n);
        x.gemv(pa.ptr, m, inner, pv.ptr, y.ptr);
        x.gemm(pa.ptr, pb.ptr, c.ptr, m, inner, n);
        const [wantY, scaleY] = [new Float64Array(m), new Float64Array(m)];
        twin.gemv(a, m, inner, v, wantY);
        twin.gemv(a.map(Math.abs), m, inner, v.map(Math.abs), scaleY);
        expectClose(`gemv ${m}×${inner}`, y.view, wantY, (i) => 6e-8 * Math.abs(wantY[i]!) + 1e-12 * scaleY[i]!);
        const [wantC, scaleC] = [new Float64Array(m * n), new Float64Array(m * n)];
        twin.gemm(a, b, wantC, m, inner, n);
        twin.gemm(a.map(Math.abs), b.map(Math.abs), scaleC, m, inner, n);
        expectClose(`gemm ${m}×${inner}×${n}`, c.view, wantC, (i) => 6e-8 * Math.abs(wantC[i]!) + 1e-12 * scaleC[i]!);
        for (const blk of [pa, pv, pb, y, c]) arena.free(blk);
      }
    }
    expect(arena.liveBlocks).toBe(0);
  });

  it('xtxAccumulate and xtyAccumulate accumulate across calls within 1e-12 × Σ|x·x|', () => {
    for (const n of lengths()) {
      const d = randInt(1, 12);
      const frame = randomValues(n * d);
      const y = randomValues(n);
      const g = arena.f64Of(new Float64Array(d * d));
      const v = arena.f64Of(new Float64Array(d));
      const cut = randInt(0, n);
      for (const [from, to] of [
        [0, cut],
        [cut, n],
      ] as const) {
        const px = arena.f32Of(frame.subarray(from * d, to * d));
        const py = arena.f32Of(y.subarray(from, to));
        x.xtxAccumulate(px.ptr, to - from, d, g.ptr);
        x.xtyAccumulate(px.ptr, py.ptr, to - from, d, v.ptr);
        arena.free(px);
        arena.free(py);
      }
      const [wantG, scaleG] = [new Float64Array(d * d), new Float64Array(d * d)];
      twin.xtxAccumulate(frame, n, d, wantG);
      twin.xtxAccumulate(frame.map(Math.abs), n, d, scaleG);
      expectClose(`xtx n=${n} d=${d}`, g.view, wantG, (i) => 1e-12 * scaleG[i]!);
      const [wantV, scaleV] = [new Float64Array(d), new Float64Array(d)];
      twin.xtyAccumulate(frame, y, n, d, wantV);
      twin.xtyAccumulate(frame.map(Math.abs), y.map(Math.abs), n, d, scaleV);
      expectClose(`xty n=${n} d=${d}`, v.view, wantV, (i) => 1e-12 * scaleV[i]!);
      arena.free(g);
      arena.free(v);
    }
  });

  it('cholesky matches the twin and reproduces A; solve recovers a known x', () => {
    for (const d of [1, 2, 3, 4, 5, randInt(6, 30)]) {
      const a = randomSpd(d);
      const maxA = Math.max(...a.map(Math.abs));
      const pa = arena.f64Of(a);
      expect(x.cholesky(pa.ptr, d)).toBe(0);
      const want = twin.cholesky(a, d);
      if (typeof want === 'number') throw new Error(`twin failed at pivot ${want}`);
      expectClose(`cholesky d=${d}`, pa.view, want, () => 1e-10 * Math.sqrt(maxA));
      const l = Float64Array.from(pa.view);
      const llt = new Float64Array(d * d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) for (let p = 0; p < d; p++) llt[i * d + j]! += l[i * d + p]! * l[j * d + p]!;
      expectClose(`L·Lᵀ d=${d}`, llt, a, () => 1e-12 * maxA);
      const xTrue = Float64Array.from({ length: d }, () => rand() * 10 - 5);
      const b = new Float64Array(d);
      for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) b[i]! += a[i * d + j]! * xTrue[j]!;
      const pb = arena.f64Of(b);
      x.choleskySolve(pa.ptr, d, pb.ptr, pb.ptr); // in place: x aliases b
      expectClose(`choleskySolve d=${d}`, pb.view, xTrue, () => 1e-9);
      arena.free(pa);
      arena.free(pb);
    }
  });

  it('solves the textbook system exactly and reports a non-positive pivot', () => {
    const a = arena.f64Of([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    expect(x.cholesky(a.ptr, 3)).toBe(0);
    expect(Array.from(a.view)).toEqual([2, 0, 0, 6, 1, 0, -8, 5, 3]);
    const b = arena.f64Of([4 * 1 + 12 * 2 - 16 * 3, 12 + 37 * 2 - 43 * 3, -16 - 43 * 2 + 98 * 3]);
    const sol = arena.allocF64(3);
    x.choleskySolve(a.ptr, 3, b.ptr, sol.ptr);
    expectClose('textbook solve', sol.view, [1, 2, 3], () => 1e-12);
    const indefinite = arena.f64Of([1, 2, 2, 1]);
    expect(x.cholesky(indefinite.ptr, 2)).toBe(2);
    const withNaN = arena.f64Of([NaN, 0, 0, 1]);
    expect(x.cholesky(withNaN.ptr, 2)).toBe(1);
    for (const blk of [a, b, sol, indefinite, withNaN]) arena.free(blk);
  });
});
