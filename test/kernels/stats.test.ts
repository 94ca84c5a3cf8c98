/**
 * Stats kernels vs their twins (src/kernels/reference/stats.ts). Bounds, absolute, per column:
 * sum, mean, rms           1e-12 × Σ|x| (resp. mean|x|, max|x|)   f64 accumulation both sides
 * var, std                 1e-9 × value                           two-pass f64 both sides
 * skew, kurt               1e-8 × (1 + |value|)
 * median, quantiles        1e-12 × max|x|                         same order statistics
 * count, min, max, ptp, zcr exact
 */
import { describe, expect, it } from 'vitest';
import * as twin from '../../src/kernels/reference/stats.js';
import { absSum, colAbsMax, expectClose, freshKernels, lengths, rand, randomValues, widths } from './helpers.js';

const k = freshKernels();
const { exports: x, arena } = k;

/** A random frame [n × d] with its own offset and scale per column. */
function randomFrame(n: number, d: number): Float32Array {
  const out = new Float32Array(n * d);
  for (let c = 0; c < d; c++) {
    const col = randomValues(n);
    for (let i = 0; i < n; i++) out[i * d + c] = col[i]!;
  }
  return out;
}

type Reduction = (ptr: number, n: number, d: number, out: number) => void;

function run(kernel: Reduction, frame: Float32Array, n: number, d: number): Float64Array {
  const input = arena.f32Of(frame);
  const out = arena.allocF64(d);
  kernel(input.ptr, n, d, out.ptr);
  const result = Float64Array.from(out.view);
  arena.free(input);
  arena.free(out);
  return result;
}

function runScratch(kernel: (ptr: number, n: number, d: number, scratch: number, out: number) => void, frame: Float32Array, n: number, d: number): Float64Array {
  const scratch = arena.allocF32(n);
  const result = run((p, nn, dd, o) => kernel(p, nn, dd, scratch.ptr, o), frame, n, d);
  arena.free(scratch);
  return result;
}

function checkAll(frame: Float32Array, n: number, d: number, label: string): void {
  const colScale = (c: number): number => absSum(frame, c, n * d, d);
  const colMax = (c: number): number => colAbsMax(frame, n, d, c);
  const ddof = n > 1 && rand() < 0.5 ? 1 : 0;
  const rel =
    (want: Float64Array, tol: number) =>
    (c: number): number =>
      tol * Math.abs(want[c]!);
  const cases: [string, Float64Array, Float64Array, (c: number) => number][] = [
    ['colCount', run(x.colCount, frame, n, d), twin.colCount(frame, n, d), () => 0],
    ['colSum', run(x.colSum, frame, n, d), twin.colSum(frame, n, d), (c) => 1e-12 * colScale(c)],
    ['colMean', run(x.colMean, frame, n, d), twin.colMean(frame, n, d), (c) => (1e-12 * colScale(c)) / Math.max(1, n)],
    ['colMin', run(x.colMin, frame, n, d), twin.colMin(frame, n, d), () => 0],
    ['colMax', run(x.colMax, frame, n, d), twin.colMax(frame, n, d), () => 0],
    ['colPtp', run(x.colPtp, frame, n, d), twin.colPtp(frame, n, d), () => 0],
    ['colRms', run(x.colRms, frame, n, d), twin.colRms(frame, n, d), (c) => 1e-12 * colMax(c)],
    ['colZcr', run(x.colZcr, frame, n, d), twin.colZcr(frame, n, d), () => 0],
    ['colMeanFinite', run(x.colMeanFinite, frame, n, d), twin.colMeanFinite(frame, n, d), (c) => 1e-12 * colMax(c)],
    ['colMedian', runScratch(x.colMedian, frame, n, d), twin.colMedian(frame, n, d), (c) => 1e-12 * colMax(c)],
    ['colMedianFinite', runScratch(x.colMedianFinite, frame, n, d), twin.colMedianFinite(frame, n, d), (c) => 1e-12 * colMax(c)],
  ];
  const wantVar = twin.colVar(frame, n, d, ddof);
  cases.push(['colVar', run((p, nn, dd, o) => x.colVar(p, nn, dd, ddof, o), frame, n, d), wantVar, rel(wantVar, 1e-9)]);
  const wantStd = twin.colStd(frame, n, d, ddof);
  cases.push(['colStd', run((p, nn, dd, o) => x.colStd(p, nn, dd, ddof, o), frame, n, d), wantStd, rel(wantStd, 1e-9)]);
  const wantSkew = twin.colSkew(frame, n, d);
  cases.push(['colSkew', run(x.colSkew, frame, n, d), wantSkew, (c) => 1e-8 * (1 + Math.abs(wantSkew[c]!))]);
  const wantKurt = twin.colKurt(frame, n, d);
  cases.push(['colKurt', run(x.colKurt, frame, n, d), wantKurt, (c) => 1e-8 * (1 + Math.abs(wantKurt[c]!))]);
  for (const [name, got, want, bound] of cases) expectClose(`${name} ${label}`, got, want, bound);

  const qs = Float64Array.from([0, 1, 0.25, 0.5, 0.75, rand(), rand(), -0.1, 1.5]);
  const qBlock = arena.f64Of(qs);
  const gotQ = arena.allocF64(qs.length * d);
  const input = arena.f32Of(frame);
  const scratch = arena.allocF32(n);
  x.colQuantiles(input.ptr, n, d, qBlock.ptr, qs.length, scratch.ptr, gotQ.ptr);
  expectClose(`colQuantiles ${label}`, gotQ.view, twin.colQuantiles(frame, n, d, qs), (i) => 1e-12 * colMax(i % d));
  for (const b of [qBlock, gotQ, input, scratch]) arena.free(b);
}

describe('stats kernels vs twins', () => {
  it('match on random frames of edge and random lengths', () => {
    for (const n of lengths()) for (const d of widths()) checkAll(randomFrame(n, d), n, d, `n=${n} d=${d}`);
    expect(arena.liveBlocks).toBe(0);
  });

  it('match on data with ties, zeros and sign changes', () => {
    for (const n of [2, 5, 64, 1025]) {
      const frame = Float32Array.from({ length: n * 2 }, () => Math.round((rand() - 0.5) * 6));
      checkAll(frame, n, 2, `ties n=${n}`);
    }
  });

  it('select medians and quantiles in linear time on heavy duplicates', () => {
    for (const distinct of [1, 2, 3]) {
      const n = 50_001;
      const frame = Float32Array.from({ length: n }, () => Math.floor(rand() * distinct));
      const want = twin.colQuantiles(frame, n, 1, [0.1, 0.5, 0.9]);
      const qs = arena.f64Of([0.1, 0.5, 0.9]);
      const [input, scratch, out] = [arena.f32Of(frame), arena.allocF32(n), arena.allocF64(3)];
      x.colQuantiles(input.ptr, n, 1, qs.ptr, 3, scratch.ptr, out.ptr);
      expectClose(`quantiles of ${distinct} distinct values`, out.view, want, () => 0);
      for (const b of [qs, input, scratch, out]) arena.free(b);
    }
  });

  it('follow the NaN/Inf policy (NaN poisons a column; ±Inf is IEEE; count and …Finite skip)', () => {
    for (const n of [1, 4, 9, 1024]) {
      const d = 3;
      const frame = randomFrame(n, d);
      frame[Math.floor(rand() * n) * d + 0] = NaN;
      frame[Math.floor(rand() * n) * d + 1] = Infinity;
      frame[Math.floor(rand() * n) * d + 2] = -Infinity;
      checkAll(frame, n, d, `non-finite n=${n}`);
      const mean = run(x.colMean, frame, n, d);
      expect(mean[0]).toBeNaN();
      expect(mean[1]).toBe(Infinity);
      expect(run(x.colCount, frame, n, d)[0]).toBe(n - 1);
      expect(run(x.colMin, frame, n, d)[2]).toBe(-Infinity);
      expect(Number.isFinite(run(x.colMeanFinite, frame, n, d)[1]) || n === 1).toBe(true);
    }
  });

  it('define empty columns: count 0, sum 0, the rest NaN', () => {
    const empty = new Float32Array(0);
    expect(Array.from(run(x.colCount, empty, 0, 2))).toEqual([0, 0]);
    expect(Array.from(run(x.colSum, empty, 0, 2))).toEqual([0, 0]);
    for (const kernel of [x.colMean, x.colMin, x.colMax, x.colRms, x.colSkew, x.colZcr]) {
      expect(run(kernel, empty, 0, 2)[0]).toBeNaN();
    }
  });

  it('compute known values (hand-checked)', () => {
    const v = Float32Array.from([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(run((p, n, d, o) => x.colStd(p, n, d, 0, o), v, 8, 1)[0]).toBe(2);
    expect(run(x.colMean, v, 8, 1)[0]).toBe(5);
    expect(runScratch(x.colMedian, v, 8, 1)[0]).toBe(4.5);
    expect(run(x.colZcr, Float32Array.from([1, -1, 1, 1, -2]), 5, 1)[0]).toBe(0.75);
    expect(x.sumF32(arena.f32Of(v).ptr, 8)).toBe(40);
  });
});
