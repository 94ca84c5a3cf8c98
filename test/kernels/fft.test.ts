/**
 * FFT kernels vs their twins (src/kernels/reference/fft.ts). Bounds, absolute:
 * rfft                 max_k |ΔX[k]| <= 1e-6 × log2(n) × ||w·x||₂   (f32 butterflies, f32 twiddles)
 * spectrumMagnitude    2e-7 × |X[k]|                                 (one f32 rounding after f32 sqrt)
 * bandEnergies         1e-12 × energy                                (f64 sums of the same spectrum)
 */
import { describe, expect, it } from 'vitest';
import { FftPlan } from '../../src/kernels/index.js';
import * as twin from '../../src/kernels/reference/fft.js';
import { expectClose, freshKernels, rand, randInt, randomValues } from './helpers.js';

const k = freshKernels();
const { exports: x, arena } = k;

/** Runs the kernel rfft of `samples` with `window`; returns the n + 2 spectrum values. */
function kernelRfft(samples: Float32Array, window: number): Float32Array {
  const n = samples.length;
  const table = arena.allocF32(x.fftTableLen(n));
  expect(x.fftInit(n, window, table.ptr)).toBe(0);
  const input = arena.f32Of(samples);
  const out = arena.allocF32(n + 2);
  x.rfft(input.ptr, n, table.ptr, out.ptr);
  const spec = Float32Array.from(out.view);
  expect(Array.from(input.view)).toEqual(Array.from(samples)); // input untouched
  for (const b of [table, input, out]) arena.free(b);
  return spec;
}

function norm2(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! ** 2;
  return Math.sqrt(s);
}

describe('fft kernels vs twins', () => {
  it('the recursive twin equals the DFT definition', () => {
    for (const n of [4, 8, 64, 256]) {
      const v = randomValues(n);
      const got = new Float64Array(n + 2);
      twin.rfft(v, n, 0, got);
      const want = twin.dft(v, n);
      expectClose(`twin rfft n=${n}`, got, want, () => 1e-10 * norm2(v) * Math.sqrt(n));
    }
  });

  it('rfft matches within 1e-6 × log2(n) × ||w·x||₂ for every power of two 4..16384 and window', () => {
    for (let n = 4; n <= 16384; n *= 2) {
      const window = randInt(0, 2);
      const v = randomValues(n);
      const want = new Float64Array(n + 2);
      twin.rfft(v, n, window, want);
      const w = twin.windowValues(n, window);
      const bound = 1e-6 * Math.log2(n) * norm2(v.map((s, t) => s * w[t]!));
      expectClose(`rfft n=${n} window=${window}`, kernelRfft(v, window), want, () => bound);
    }
  });

  it('rejects sizes that are not powers of two >= 4 (the edge lengths)', () => {
    for (const n of [0, 1, 2, 3, 5, 1023, 1025, 3000]) {
      expect(x.fftTableLen(n)).toBe(0);
      expect(x.fftInit(n, 1, 0)).toBe(-1);
    }
    expect(x.fftInit(1024, 3, 0)).toBe(-1);
    expect(x.fftTableLen(1024)).toBeGreaterThan(0);
    expect(() => new FftPlan(k, 1000)).toThrow(/power of two/);
  });

  it('puts a pure sine in the right bin (closed form)', () => {
    const n = 1024;
    const fs = 2048;
    const bin = randInt(5, 500);
    const onBin = Float32Array.from({ length: n }, (_, t) => 3 * Math.sin((2 * Math.PI * bin * fs * t) / n / fs));
    const spec = kernelRfft(onBin, 0);
    const power = Array.from({ length: n / 2 + 1 }, (_, kk) => spec[2 * kk]! ** 2 + spec[2 * kk + 1]! ** 2);
    const total = power.reduce((a, b) => a + b, 0);
    expect(power[bin]! / total).toBeGreaterThan(0.99999);
    expect(Math.sqrt(power[bin]!)).toBeCloseTo((3 * n) / 2, 1); // |X| = A·n/2 for a bin-centred tone
    // Off-bin tone with Hann: the peak is the nearest bin and the main lobe holds the energy.
    const f = bin + 0.3;
    const offBin = Float32Array.from({ length: n }, (_, t) => Math.sin((2 * Math.PI * f * t) / n));
    const hann = kernelRfft(offBin, 1);
    const p2 = Array.from({ length: n / 2 + 1 }, (_, kk) => hann[2 * kk]! ** 2 + hann[2 * kk + 1]! ** 2);
    expect(p2.indexOf(Math.max(...p2))).toBe(bin);
    const lobe = p2.slice(bin - 2, bin + 4).reduce((a, b) => a + b, 0);
    expect(lobe / p2.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.999);
  });

  it('spectrumMagnitude and bandEnergies match on the kernel spectrum', () => {
    for (let n = 4; n <= 8192; n *= 4) {
      const spec = kernelRfft(randomValues(n), 1);
      const bins = n / 2 + 1;
      const sb = arena.f32Of(spec);
      const mag = arena.allocF32(bins);
      x.spectrumMagnitude(sb.ptr, bins, mag.ptr);
      const want = new Float64Array(bins);
      twin.spectrumMagnitude(spec, bins, want);
      expectClose(`spectrumMagnitude n=${n}`, mag.view, want, (i) => 2e-7 * want[i]!);
      const fs = 1000;
      const edges = Float64Array.from([0, ...Array.from({ length: randInt(1, 6) }, () => rand() * fs * 0.5)].sort((a, b) => a - b)).map((e, i, all) =>
        i === all.length - 1 ? e + fs : e,
      );
      const eb = arena.f64Of(edges);
      const energies = arena.allocF64(edges.length - 1);
      x.bandEnergies(sb.ptr, n, fs, eb.ptr, edges.length - 1, energies.ptr);
      const wantE = twin.bandEnergies(spec, n, fs, edges);
      expectClose(`bandEnergies n=${n}`, energies.view, wantE, (i) => 1e-12 * wantE[i]!);
      // The bands tile [0, ∞): their sum is the total spectral energy.
      const total = wantE.reduce((a, b) => a + b, 0);
      expect(Math.abs(total - want.reduce((a, m) => a + m * m, 0))).toBeLessThanOrEqual(1e-6 * total);
      for (const b of [sb, mag, eb, energies]) arena.free(b);
    }
    expect(arena.liveBlocks).toBe(0);
  });

  it('NaN/Inf: one non-finite sample makes every bin non-finite', () => {
    const v = randomValues(256);
    v[randInt(1, 254)] = NaN;
    const spec = kernelRfft(v, 0);
    expect(
      Array.from(spec)
        .filter((_, i) => i !== 1 && i !== 257)
        .every((s) => Number.isNaN(s)),
    ).toBe(true);
  });

  it('FftPlan runs repeatedly without allocating', () => {
    const plan = new FftPlan(k, 512, 'hamming');
    const before = arena.liveBlocks;
    const v = randomValues(512);
    const first = Float32Array.from(plan.transform(v));
    for (let i = 0; i < 5; i++) plan.transform(v);
    expect(Array.from(plan.transform(v))).toEqual(Array.from(first));
    expect(arena.liveBlocks).toBe(before);
    const want = new Float64Array(514);
    twin.rfft(v, 512, 2, want);
    expectClose('FftPlan hamming', first, want, () => 1e-6 * 9 * norm2(v));
    plan.free();
  });
});
