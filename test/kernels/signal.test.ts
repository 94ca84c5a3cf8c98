/**
 * Signal kernels vs their twins (src/kernels/reference/signal.ts). Bounds, absolute, with M the
 * max |x| of the column:
 * movingAverage, ema, resampleLinear   2e-7 × M          (f64 inside, f32 output rounding)
 * biquad                               1e-6 × M          (f64 transposed DF II vs f64 DF I)
 * fir                                  (m + 2) × 6e-8 × Σ_k |h_k|·|x_{i-k}|   (f32 accumulation over m taps)
 * diff                                 6e-8 × |y|        (one f32 rounding)
 * lags                                 exact
 */
import { describe, expect, it } from 'vitest';
import * as twin from '../../src/kernels/reference/signal.js';
import { colAbsMax, expectClose, freshKernels, lengths, rand, randInt, randomValues, widths } from './helpers.js';

const { exports: x, arena } = freshKernels();

function randomFrame(n: number, d: number, nonFinite = 0): Float32Array {
  const out = new Float32Array(n * d);
  for (let c = 0; c < d; c++) {
    const col = randomValues(n);
    for (let i = 0; i < n; i++) out[i * d + c] = col[i]!;
  }
  for (let i = 0; i < out.length; i++) if (rand() < nonFinite) out[i] = rand() < 0.5 ? NaN : Infinity;
  return out;
}

/** Runs `call(inPtr, outPtr)` on a copy of `frame`; returns `outLen` f32 of output. */
function run(frame: Float32Array, outLen: number, call: (p: number, o: number) => void): Float32Array {
  const input = arena.f32Of(frame);
  const out = arena.allocF32(outLen);
  call(input.ptr, out.ptr);
  const result = Float32Array.from(out.view);
  arena.free(input);
  arena.free(out);
  return result;
}

const byColumnMax = (frame: Float32Array, n: number, d: number, tol: number) => {
  const m = Array.from({ length: d }, (_, c) => colAbsMax(frame, n, d, c));
  return (i: number): number => tol * m[i % d]!;
};

describe('signal kernels vs twins', () => {
  it('movingAverage, diff, lags and fir match on random frames', () => {
    for (const n of lengths()) {
      for (const d of widths()) {
        const frame = randomFrame(n, d, 0.01);
        const label = `n=${n} d=${d}`;
        const w = randInt(1, 40);
        const want = new Float64Array(n * d);
        twin.movingAverage(frame, n, d, w, want);
        expectClose(
          `movingAverage w=${w} ${label}`,
          run(frame, n * d, (p, o) => x.movingAverage(p, n, d, w, o)),
          want,
          byColumnMax(frame, n, d, 2e-7),
        );

        const clean = randomFrame(n, d);
        twin.diff(clean, n, d, want);
        expectClose(
          `diff ${label}`,
          run(clean, n * d, (p, o) => x.diff(p, n, d, o)),
          want,
          (i) => 6e-8 * Math.abs(want[i]!),
        );

        const k = randInt(1, 4);
        const wantLags = new Float64Array(n * d * k);
        twin.lags(frame, n, d, k, wantLags);
        expectClose(
          `lags k=${k} ${label}`,
          run(frame, n * d * k, (p, o) => x.lags(p, n, d, k, o)),
          wantLags,
          () => 0,
        );

        const taps = randomValues(randInt(1, 33), { offset: 0, scale: 2 });
        const m = taps.length;
        const tapBlock = arena.f32Of(taps);
        twin.fir(clean, n, d, taps, want);
        const scale = new Float64Array(n * d);
        twin.fir(clean.map(Math.abs), n, d, taps.map(Math.abs), scale);
        const got = run(clean, n * d, (p, o) => x.fir(p, n, d, tapBlock.ptr, m, o));
        expectClose(`fir m=${m} ${label}`, got, want, (i) => (m + 2) * 6e-8 * scale[i]!);
        arena.free(tapBlock);
      }
    }
    expect(arena.liveBlocks).toBe(0);
  });

  it('ema and biquad match, and their state carries across calls', () => {
    for (const n of lengths()) {
      for (const d of widths()) {
        const frame = randomFrame(n, d);
        const cut = randInt(0, n);
        const alpha = 0.01 + rand() * 0.99;
        const emaState = arena.f64Of(new Float64Array(d).fill(NaN));
        const kind = randInt(0, 2);
        const q = 0.3 + rand() * 2.7;
        const coef = arena.allocF64(5);
        expect(x.biquadDesign(kind, 1000 * (0.01 + rand() * 0.44), q, 2000, coef.ptr)).toBe(0);
        const bqState = arena.f64Of(new Float64Array(2 * d));
        const gotEma = new Float32Array(n * d);
        const gotBq = new Float32Array(n * d);
        for (const [from, to] of [
          [0, cut],
          [cut, n],
        ] as const) {
          const part = frame.subarray(from * d, to * d);
          gotEma.set(
            run(part, part.length, (p, o) => x.ema(p, to - from, d, alpha, emaState.ptr, o)),
            from * d,
          );
          gotBq.set(
            run(part, part.length, (p, o) => x.biquad(p, to - from, d, coef.ptr, bqState.ptr, o)),
            from * d,
          );
        }
        const want = new Float64Array(n * d);
        twin.ema(frame, n, d, alpha, new Float64Array(d).fill(NaN), want);
        expectClose(`ema alpha=${alpha} n=${n} d=${d}`, gotEma, want, byColumnMax(frame, n, d, 2e-7));
        twin.biquad(frame, n, d, coef.view, want);
        expectClose(`biquad kind=${kind} q=${q} n=${n} d=${d}`, gotBq, want, byColumnMax(frame, n, d, 1e-6));
        for (const b of [emaState, coef, bqState]) arena.free(b);
      }
    }
  });

  it('biquadDesign matches the RBJ cookbook twin and rejects bad arguments', () => {
    const coef = arena.allocF64(5);
    for (const kind of [0, 1, 2]) {
      const [f0, q, fs] = [10 + rand() * 400, 0.2 + rand() * 5, 1000];
      expect(x.biquadDesign(kind, f0, q, fs, coef.ptr)).toBe(0);
      expectClose(`biquadDesign ${kind}`, coef.view, twin.biquadDesign(kind, f0, q, fs)!, (i) => 1e-15 * (1 + Math.abs(coef.view[i]!)));
    }
    for (const [kind, f0, q] of [
      [3, 10, 1],
      [0, 0, 1],
      [0, 500, 1],
      [1, 10, 0],
      [2, NaN, 1],
    ] as const) {
      expect(x.biquadDesign(kind, f0, q, 1000, coef.ptr)).toBe(-1);
    }
    arena.free(coef);
  });

  it('a biquad low-pass attenuates a high tone by the expected dB (closed form)', () => {
    const fs = 8000;
    const fc = 100;
    const coef = arena.allocF64(5);
    expect(x.biquadDesign(0, fc, Math.SQRT1_2, fs, coef.ptr)).toBe(0);
    const [b0, b1, b2, a1, a2] = Array.from(coef.view);
    const gainDb = (f: number): number => {
      const w = (2 * Math.PI * f) / fs;
      // |H(e^{jw})| = |b0 + b1 e^{-jw} + b2 e^{-2jw}| / |1 + a1 e^{-jw} + a2 e^{-2jw}|.
      const mag = (c0: number, c1: number, c2: number): number => Math.hypot(c0 + c1 * Math.cos(w) + c2 * Math.cos(2 * w), c1 * Math.sin(w) + c2 * Math.sin(2 * w));
      return 20 * Math.log10(mag(b0!, b1!, b2!) / mag(1, a1!, a2!));
    };
    // Analog second-order Butterworth: |H|² = 1 / (1 + (f/fc)^4), i.e. -12 dB/octave past fc;
    // 800 Hz is 3 octaves up: -36.1 dB (the bilinear transform adds about -0.6 dB here).
    const butterworthDb = (f: number): number => -10 * Math.log10(1 + (f / fc) ** 4);
    for (const f of [10, 800]) {
      const n = 16000;
      const tone = Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / fs));
      const state = arena.f64Of([0, 0]);
      const y = run(tone, n, (p, o) => x.biquad(p, n, 1, coef.ptr, state.ptr, o));
      arena.free(state);
      const rms = (v: Float32Array): number => Math.sqrt(v.reduce((s, t) => s + t * t, 0) / v.length);
      const measured = 20 * Math.log10(rms(y.subarray(n / 2)) / rms(tone.subarray(n / 2)));
      expect(Math.abs(measured - gainDb(f))).toBeLessThan(0.05);
      expect(Math.abs(measured - butterworthDb(f))).toBeLessThan(1);
      if (f === 800) expect(measured).toBeLessThan(-35);
    }
    arena.free(coef);
  });

  it('NaN/Inf: movingAverage recovers after the window, ema and biquad stay poisoned', () => {
    const n = 50;
    const frame = Float32Array.from({ length: n }, (_, i) => (i === 10 ? NaN : 1));
    const ma = run(frame, n, (p, o) => x.movingAverage(p, n, 1, 5, o));
    expect(ma[9]).toBe(1);
    expect(ma.slice(10, 15).every(Number.isNaN)).toBe(true);
    expect(ma[15]).toBe(1);
    const state = arena.f64Of([NaN]);
    const e = run(frame, n, (p, o) => x.ema(p, n, 1, 0.5, state.ptr, o));
    expect(e[9]).toBe(1);
    expect(e.slice(10).every(Number.isNaN)).toBe(true);
    arena.free(state);
  });

  it('resampleLinear matches on irregular timestamps, NaN outside the stamps', () => {
    for (const n of lengths()) {
      for (const d of widths()) {
        const frame = randomFrame(n, d);
        const times = new Float64Array(n);
        let t = 1.7e12;
        for (let i = 0; i < n; i++) times[i] = t += rand() < 0.1 ? 0 : rand() * 100;
        const span = n > 0 ? times[n - 1]! - times[0]! : 0;
        const t0 = (times[0] ?? 0) - span * 0.05;
        const m = randInt(0, 2000);
        const dt = m > 0 ? (span * 1.1) / m : 1;
        const tb = arena.f64Of(times);
        const got = run(frame, m * d, (p, o) => x.resampleLinear(tb.ptr, p, n, d, t0, dt, m, o));
        arena.free(tb);
        const want = new Float64Array(m * d);
        twin.resampleLinear(times, frame, n, d, t0, dt, m, want);
        expectClose(`resampleLinear n=${n} d=${d} m=${m}`, got, want, byColumnMax(frame, n, d, 2e-7));
      }
    }
  });
});
