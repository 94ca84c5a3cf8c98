/**
 * NaN bits: whatever NaN (either sign, any payload) or ±Inf a kernel's input holds, every NaN it
 * computes is the canonical quiet NaN (0x7ff8000000000000 as f64, 0x7fc00000 as f32), so outputs
 * have the same bits on x64 and arm64 and in both of V8's WebAssembly tiers; and the NaNs sit
 * where the kernel's plain-TS twin has them. Only `lags` copies values, and keeps their bits.
 * Before the kernels canonicalised, x64 wrote arithmetic NaNs negative (0xfff8…/0xffc00000) and
 * passed carried-in NaNs through with their own bits: every case here failed.
 */
import { describe, expect, it } from 'vitest';
import * as twin from '../../src/kernels/reference/index.js';
import { freshKernels, rand, randInt, SEED } from './helpers.js';

const { exports: k, arena } = freshKernels();

const CANON64 = 0x7ff8000000000000n;
const CANON32 = 0x7fc00000;
/** NaNs with other bits than the canonical one (negative, with payloads, signalling), and the infinities. */
const OTHER_NANS = [0xffc00000, 0x7fc00001, 0xffc12345, 0x7fa00000];
const INFINITIES = [0x7f800000, 0xff800000];

type Out = Float32Array | Float64Array;

/** NaNs checked by expectCanonical since the last `checkedNaNs()`. */
let nansChecked = 0;

/** How many NaNs were checked since the last call (so a case can show it saw some). */
function checkedNaNs(): number {
  const n = nansChecked;
  nansChecked = 0;
  return n;
}

/**
 * Checks every NaN of `got` is canonical and, unless `want` is undefined, that `got` is NaN exactly
 * where `want` is and ±Inf where it is.
 */
function expectCanonical(label: string, got: Out, want?: ArrayLike<number>): void {
  const context = `${label} (seed ${SEED})`;
  const bits = got instanceof Float64Array ? new BigUint64Array(got.buffer, got.byteOffset, got.length) : new Uint32Array(got.buffer, got.byteOffset, got.length);
  const canon = got instanceof Float64Array ? CANON64 : CANON32;
  for (let i = 0; i < got.length; i++) {
    if (Number.isNaN(got[i])) {
      nansChecked++;
      if (bits[i] !== canon) expect.fail(`${context}[${i}]: NaN with bits 0x${bits[i]!.toString(16)}, not the canonical 0x${canon.toString(16)}`);
    }
    if (want === undefined) continue;
    const w = want[i]!;
    if (Number.isNaN(w) !== Number.isNaN(got[i]) || (!Number.isFinite(w) && !Number.isNaN(w) && got[i] !== w)) {
      expect.fail(`${context}[${i}]: got ${got[i]}, the twin has ${w}`);
    }
  }
  if (want !== undefined) expect(got.length, `${context}: length`).toBe(want.length);
}

/** n × d finite values in [-4, 4) with `count` of `specials` (f32 bit patterns) at random places. */
function frameWith(n: number, d: number, specials: number[], count: number): Float32Array {
  const frame = Float32Array.from({ length: n * d }, () => (rand() - 0.5) * 8);
  const bits = new Uint32Array(frame.buffer);
  for (let i = 0; i < count; i++) bits[randInt(0, bits.length - 1)] = specials[i % specials.length]!;
  return frame;
}

/** Runs `kernel` on the frame (in WASM memory) with an output of `length` f32 or f64 and returns a copy of the output. */
function withFrame(frame: Float32Array, type: 'f32' | 'f64', length: number, kernel: (x: number, out: number) => void): Out {
  const x = arena.f32Of(frame);
  const out = type === 'f32' ? arena.allocF32(length) : arena.allocF64(length);
  out.view.fill(0);
  kernel(x.ptr, out.ptr);
  const result = out.view.slice();
  arena.free(x);
  arena.free(out);
  return result;
}

/** A block of f64 values in WASM memory, used and freed by `use`. */
function withF64<T>(values: ArrayLike<number>, use: (ptr: number) => T): T {
  const block = arena.f64Of(values);
  try {
    return use(block.ptr);
  } finally {
    arena.free(block);
  }
}

const INPUTS = [
  { name: 'NaNs of other bits', specials: OTHER_NANS },
  { name: 'NaNs of other bits and ±Inf', specials: [...OTHER_NANS, ...INFINITIES] },
  { name: '±Inf only (NaNs made by arithmetic)', specials: INFINITIES },
];

describe.each(INPUTS)('kernels on inputs with $name', ({ specials }) => {
  // d = 1 is the contiguous (SIMD) path, 3 the strided scalar one, 6 a block of 4 columns plus a tail.
  describe.each([1, 3, 6])('d = %i', (d) => {
    const n = 37;
    const frame = frameWith(n, d, specials, 2 * d);

    it('stats', () => {
      const perColumn = (name: string, kernel: (x: number, n: number, d: number, out: number) => void, want: Float64Array): void =>
        expectCanonical(
          name,
          withFrame(frame, 'f64', d, (x, out) => kernel(x, n, d, out)),
          want,
        );
      perColumn('colSum', k.colSum, twin.stats.colSum(frame, n, d));
      perColumn('colMean', k.colMean, twin.stats.colMean(frame, n, d));
      perColumn('colVar', (x, nn, dd, out) => k.colVar(x, nn, dd, 0, out), twin.stats.colVar(frame, n, d, 0));
      perColumn('colStd', (x, nn, dd, out) => k.colStd(x, nn, dd, 1, out), twin.stats.colStd(frame, n, d, 1));
      perColumn('colMin', k.colMin, twin.stats.colMin(frame, n, d));
      perColumn('colMax', k.colMax, twin.stats.colMax(frame, n, d));
      perColumn('colPtp', k.colPtp, twin.stats.colPtp(frame, n, d));
      perColumn('colRms', k.colRms, twin.stats.colRms(frame, n, d));
      perColumn('colSkew', k.colSkew, twin.stats.colSkew(frame, n, d));
      perColumn('colKurt', k.colKurt, twin.stats.colKurt(frame, n, d));
      const scratch = arena.allocF32(n);
      perColumn('colMedian', (x, nn, dd, out) => k.colMedian(x, nn, dd, scratch.ptr, out), twin.stats.colMedian(frame, n, d));
      const qs = [0, 0.3, 1];
      const quantiles = withF64(qs, (qp) => withFrame(frame, 'f64', qs.length * d, (x, out) => k.colQuantiles(x, n, d, qp, qs.length, scratch.ptr, out)));
      expectCanonical('colQuantiles', quantiles, twin.stats.colQuantiles(frame, n, d, qs));
      arena.free(scratch);
      const x = arena.f32Of(frame);
      const returned = Float64Array.of(k.sumF32(x.ptr, n * d), k.meanF32(x.ptr, n * d));
      arena.free(x);
      expectCanonical('sumF32, meanF32', returned, [twin.stats.colSum(frame, n * d, 1)[0]!, twin.stats.colMean(frame, n * d, 1)[0]!]);
      expect(checkedNaNs()).toBeGreaterThan(0);
    });

    it('scale', () => {
      const center = Array.from({ length: d }, () => rand() - 0.5);
      const spread = Array.from({ length: d }, () => 1 + rand());
      const scaled = (name: string, kernel: typeof k.zscore, reference: typeof twin.scale.zscore): void =>
        withF64(center, (cp) =>
          withF64(spread, (sp) => {
            const want = new Float64Array(n * d);
            reference(frame, n, d, center, spread, want);
            expectCanonical(
              name,
              withFrame(frame, 'f32', n * d, (x, out) => kernel(x, n, d, cp, sp, out)),
              want,
            );
          }),
        );
      scaled('zscore', k.zscore, twin.scale.zscore);
      scaled('minMaxScale', k.minMaxScale, twin.scale.minMaxScale);
      scaled('robustScale', k.robustScale, twin.scale.robustScale);
      scaled('clip', k.clip, twin.scale.clip);
      // A negative NaN with a payload as every column's constant: the non-finite values become NaN.
      const values = new Float64Array(d);
      new BigUint64Array(values.buffer).fill(0xfff8000000000001n);
      const imputed = new Float64Array(n * d);
      twin.scale.imputeConst(frame, n, d, values, imputed);
      expectCanonical(
        'imputeConst',
        withF64(values, (vp) => withFrame(frame, 'f32', n * d, (x, out) => k.imputeConst(x, n, d, vp, out))),
        imputed,
      );
      const filled = new Float64Array(n * d);
      twin.scale.imputeLast(frame, n, d, new Float64Array(d).fill(NaN), filled);
      expectCanonical(
        'imputeLast',
        withF64(new Float64Array(d).fill(NaN), (lp) => withFrame(frame, 'f32', n * d, (x, out) => k.imputeLast(x, n, d, lp, out))),
        filled,
      );
      expect(checkedNaNs()).toBeGreaterThan(0);
    });

    it('signal', () => {
      const frameOut = (name: string, kernel: (x: number, out: number) => void, reference: (out: Float64Array) => void): void => {
        const want = new Float64Array(n * d);
        reference(want);
        expectCanonical(name, withFrame(frame, 'f32', n * d, kernel), want);
      };
      frameOut(
        'movingAverage',
        (x, out) => k.movingAverage(x, n, d, 5, out),
        (out) => twin.signal.movingAverage(frame, n, d, 5, out),
      );
      const emaState = arena.f64Of(new Float64Array(d).fill(NaN));
      const emaTwinState = new Float64Array(d).fill(NaN);
      frameOut(
        'ema',
        (x, out) => k.ema(x, n, d, 0.3, emaState.ptr, out),
        (out) => twin.signal.ema(frame, n, d, 0.3, emaTwinState, out),
      );
      expectCanonical('ema state', emaState.view.slice(), emaTwinState);
      arena.free(emaState);
      // The kernel runs the filter in state-space form, the twin in direct form I: from a ±Inf
      // sample on, one may hold ±Inf where the other has Inf − Inf = NaN, so NaN places are compared
      // only on inputs without infinities.
      const infinite = frame.some((v) => !Number.isNaN(v) && !Number.isFinite(v));
      for (const kind of [0, 1, 2]) {
        const coef = twin.signal.biquadDesign(kind, 5, 0.707, 50)!;
        const state = arena.f64Of(new Float64Array(2 * d));
        const want = new Float64Array(n * d);
        twin.signal.biquad(frame, n, d, coef, want);
        const got = withF64(coef, (cp) => withFrame(frame, 'f32', n * d, (x, out) => k.biquad(x, n, d, cp, state.ptr, out)));
        expectCanonical(`biquad(kind ${kind})`, got, infinite ? undefined : want);
        expectCanonical(`biquad(kind ${kind}) state`, state.view.slice());
        arena.free(state);
      }
      const taps = Float32Array.from({ length: 7 }, () => rand() - 0.5);
      const tapBlock = arena.f32Of(taps);
      frameOut(
        'fir',
        (x, out) => k.fir(x, n, d, tapBlock.ptr, taps.length, out),
        (out) => twin.signal.fir(frame, n, d, taps, out),
      );
      arena.free(tapBlock);
      frameOut(
        'diff',
        (x, out) => k.diff(x, n, d, out),
        (out) => twin.signal.diff(frame, n, d, out),
      );
      // Stamps 0, 1, …, n − 1; rows at −1.5 + 0.5·r: before, between, exactly on the last stamp (a copy), after.
      const times = Array.from({ length: n }, (_, i) => i);
      const m = 2 * n + 8;
      const resampled = new Float64Array(m * d);
      twin.signal.resampleLinear(times, frame, n, d, -1.5, 0.5, m, resampled);
      expectCanonical(
        'resampleLinear',
        withF64(times, (tp) => withFrame(frame, 'f32', m * d, (x, out) => k.resampleLinear(tp, x, n, d, -1.5, 0.5, m, out))),
        resampled,
      );
      expect(checkedNaNs()).toBeGreaterThan(0);
    });

    it('lags copies the bits it is given, and writes the canonical NaN before row 0', () => {
      const lagged = withFrame(frame, 'f32', n * 2 * d, (x, out) => k.lags(x, n, d, 2, out));
      const got = new Uint32Array(lagged.buffer);
      const input = new Uint32Array(frame.buffer);
      for (let i = 0; i < n; i++) {
        for (let j = 1; j <= 2; j++) {
          for (let c = 0; c < d; c++) expect(got[(i * 2 + j - 1) * d + c], `lags[${i}, ${j}, ${c}] (seed ${SEED})`).toBe(i - j >= 0 ? input[(i - j) * d + c] : CANON32);
        }
      }
    });

    it('linalg', () => {
      const half = Math.floor(n / 2) * d;
      const x = arena.f32Of(frame);
      expectCanonical('dot', Float64Array.of(k.dot(x.ptr, x.ptr + 4 * half, half)), [twin.linalg.dot(frame, frame.subarray(half), half)]);
      const v = Float32Array.from({ length: d }, () => rand() - 0.5);
      const vBlock = arena.f32Of(v);
      const y = new Float64Array(n);
      twin.linalg.gemv(frame, n, d, v, y);
      expectCanonical(
        'gemv',
        withFrame(frame, 'f32', n, (xp, out) => k.gemv(xp, n, d, vBlock.ptr, out)),
        y,
      );
      const b = Float32Array.from({ length: d * 5 }, () => rand() - 0.5);
      const bBlock = arena.f32Of(b);
      const c = new Float64Array(n * 5);
      twin.linalg.gemm(frame, b, c, n, d, 5);
      expectCanonical(
        'gemm',
        withFrame(frame, 'f32', n * 5, (xp, out) => k.gemm(xp, bBlock.ptr, out, n, d, 5)),
        c,
      );
      const g = new Float64Array(d * d);
      twin.linalg.xtxAccumulate(frame, n, d, g);
      expectCanonical(
        'xtxAccumulate',
        withFrame(frame, 'f64', d * d, (xp, out) => k.xtxAccumulate(xp, n, d, out)),
        g,
      );
      const targets = Float32Array.from({ length: n }, () => rand() - 0.5);
      const tBlock = arena.f32Of(targets);
      const xty = new Float64Array(d);
      twin.linalg.xtyAccumulate(frame, targets, n, d, xty);
      expectCanonical(
        'xtyAccumulate',
        withFrame(frame, 'f64', d, (xp, out) => k.xtyAccumulate(xp, tBlock.ptr, n, d, out)),
        xty,
      );
      // A well-conditioned matrix with the frame's first value(s) in its last row: a NaN or ±Inf
      // there reaches the factor or stops it (then only the bits are checked).
      const spd = Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? d + 1 : 0.5));
      for (let j = 0; j < d - 1; j++) spd[(d - 1) * d + j] = frame[j]!;
      if (d === 1) spd[0] = frame[0]!;
      const factor = twin.linalg.cholesky(spd, d);
      const l = arena.f64Of(spd);
      const status = k.cholesky(l.ptr, d);
      expectCanonical('cholesky', l.view.slice(), typeof factor === 'number' ? undefined : factor);
      expect(status, `cholesky status (seed ${SEED})`).toBe(typeof factor === 'number' ? factor : 0);
      arena.free(l);
      const identity = Float64Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 2 : 0));
      const rhs = Float64Array.from(frame.subarray(0, d));
      if (!rhs.some(Number.isNaN)) rhs[0] = -NaN;
      expectCanonical(
        'choleskySolve',
        withF64(identity, (lp) => withF64(rhs, (bp) => withFrame(frame, 'f64', d, (_, out) => k.choleskySolve(lp, d, bp, out)))),
        twin.linalg.choleskySolve(identity, d, rhs),
      );
      for (const block of [x, vBlock, bBlock, tBlock]) arena.free(block);
      expect(checkedNaNs()).toBeGreaterThan(0);
    });

    it('train', () => {
      const K = 3;
      const D1 = d + 1;
      const labels = Array.from({ length: n }, () => randInt(0, K - 1));
      const binary = labels.map((label) => (label === 0 ? 1 : 0));
      const residuals = Float64Array.from({ length: n }, () => rand() - 0.5);
      const x = arena.f32Of(frame);
      const g = new Float64Array(D1 * D1);
      const gv = new Float64Array(D1);
      twin.train.gramAccumulate(frame, null, residuals, n, d, g, gv);
      const [rBlock, gBlock, gvBlock] = [arena.f64Of(residuals), arena.f64Of(new Float64Array(D1 * D1)), arena.f64Of(new Float64Array(D1))];
      k.gramAccumulate(x.ptr, 0, rBlock.ptr, n, d, gBlock.ptr, gvBlock.ptr);
      expectCanonical('gramAccumulate G', gBlock.view.slice(), g);
      expectCanonical('gramAccumulate v', gvBlock.view.slice(), gv);

      const beta = Array.from({ length: D1 }, () => rand() - 0.5);
      const w = new Float64Array(n);
      const r = new Float64Array(n);
      const loss = twin.train.logisticTerms(frame, binary, n, d, beta, w, r);
      const [yb, betaBlock, wb, rb] = [arena.f64Of(binary), arena.f64Of(beta), arena.allocF64(n), arena.allocF64(n)];
      expectCanonical('logisticTerms loss', Float64Array.of(k.logisticTerms(x.ptr, yb.ptr, n, d, betaBlock.ptr, wb.ptr, rb.ptr)), [loss]);
      expectCanonical('logisticTerms w', wb.view.slice(), w);
      expectCanonical('logisticTerms r', rb.view.slice(), r);

      const wts = Array.from({ length: K * D1 }, () => rand() - 0.5);
      const grad = new Float64Array(K * D1);
      const probs = new Float64Array(n * K);
      const softLoss = twin.train.softmaxGradient(frame, labels, n, d, K, wts, grad, probs);
      const [yc, wtsBlock, gradBlock, scratch, probsBlock] = [
        arena.f64Of(labels),
        arena.f64Of(wts),
        arena.f64Of(new Float64Array(K * D1)),
        arena.allocF64(K),
        arena.allocF64(n * K),
      ];
      expectCanonical('softmaxGradient loss', Float64Array.of(k.softmaxGradient(x.ptr, yc.ptr, n, d, K, wtsBlock.ptr, gradBlock.ptr, scratch.ptr, probsBlock.ptr)), [softLoss]);
      expectCanonical('softmaxGradient grad', gradBlock.view.slice(), grad);
      expectCanonical('softmaxGradient probs', probsBlock.view.slice(), probs);
      const hv = new Float64Array(K * D1);
      twin.train.softmaxHessianVector(frame, n, d, K, probsBlock.view.slice(), wts, hv);
      const hvBlock = arena.f64Of(new Float64Array(K * D1));
      k.softmaxHessianVector(x.ptr, n, d, K, probsBlock.ptr, wtsBlock.ptr, hvBlock.ptr, scratch.ptr);
      expectCanonical('softmaxHessianVector', hvBlock.view.slice(), hv);
      const diagonal = new Float64Array(K * D1);
      twin.train.softmaxHessianDiagonal(frame, n, d, K, probsBlock.view.slice(), null, diagonal);
      const diagonalBlock = arena.f64Of(new Float64Array(K * D1));
      k.softmaxHessianDiagonal(x.ptr, n, d, K, probsBlock.ptr, 0, diagonalBlock.ptr);
      expectCanonical('softmaxHessianDiagonal', diagonalBlock.view.slice(), diagonal);
      const scores = new Float64Array(n * K);
      twin.train.affine(frame, n, d, K, wts, scores);
      const scoresBlock = arena.allocF64(n * K);
      k.affine(x.ptr, n, d, K, wtsBlock.ptr, scoresBlock.ptr);
      expectCanonical('affine', scoresBlock.view.slice(), scores);
      // Scores with the frame's ±Inf and NaN: softmax of rows of K, and the sigmoid of each.
      const scoreRows = Math.floor((n * d) / K);
      const raw = Float64Array.from(frame.subarray(0, scoreRows * K));
      const soft = raw.slice();
      twin.train.softmaxRows(soft, K);
      const softBlock = arena.f64Of(raw);
      k.softmaxRows(softBlock.ptr, scoreRows, K);
      expectCanonical('softmaxRows', softBlock.view.slice(), soft);
      const pairs = new Float64Array(2 * raw.length);
      twin.train.sigmoidPairs(raw, pairs);
      expectCanonical(
        'sigmoidPairs',
        withF64(raw, (zp) => withFrame(frame, 'f64', 2 * raw.length, (_, out) => k.sigmoidPairs(zp, raw.length, out))),
        pairs,
      );

      const moments = twin.train.classMoments(frame, labels, n, d, K);
      const [count, mean, m2] = [arena.allocF64(K), arena.allocF64(K * d), arena.allocF64(K * d)];
      k.classMoments(x.ptr, yc.ptr, n, d, K, count.ptr, mean.ptr, m2.ptr);
      expectCanonical('classMoments mean', mean.view.slice(), moments.mean);
      expectCanonical('classMoments m2', m2.view.slice(), moments.m2);
      const halfInvVar = Array.from({ length: K * d }, () => 1 + rand());
      const constant = Array.from({ length: K }, () => rand() - 0.5);
      const jll = new Float64Array(n * K);
      const means = Array.from({ length: K * d }, () => rand() - 0.5);
      twin.train.gaussianJll(frame, n, d, K, means, halfInvVar, constant, jll);
      const jllOut = withF64(means, (mp) =>
        withF64(halfInvVar, (hp) => withF64(constant, (cp) => withFrame(frame, 'f64', n * K, (xp, out) => k.gaussianJll(xp, n, d, K, mp, hp, cp, out)))),
      );
      expectCanonical('gaussianJll', jllOut, jll);

      // Histogram of gradients that hold the frame's non-finite values.
      const M = 4;
      const edges = Array.from({ length: d }, () => [-2, -1, 1, 2]).flat();
      const binsPtr = k.alloc(n * d);
      withF64(edges, (ep) => k.binColumns(x.ptr, n, d, ep, M, binsPtr));
      const bins = new Uint8Array(k.memory.buffer, binsPtr, n * d).slice();
      const rows = Int32Array.from({ length: n }, (_, i) => i);
      const rowsPtr = k.alloc(4 * n);
      new Int32Array(k.memory.buffer, rowsPtr, n).set(rows);
      const gradients = Float64Array.from(frame.subarray(0, n));
      const hess = new Float64Array(n).fill(1);
      const hist = new Float64Array(d * (M + 1) * 2);
      twin.train.histogram(bins, d, M + 1, rows, n, gradients, hess, hist);
      const histOut = withF64(gradients, (gp) => withF64(hess, (hp) => withFrame(frame, 'f64', hist.length, (_, out) => k.histogram(binsPtr, d, M + 1, rowsPtr, n, gp, hp, out))));
      expectCanonical('histogram', histOut, hist);
      k.free(binsPtr);
      k.free(rowsPtr);
      for (const block of [
        x,
        rBlock,
        gBlock,
        gvBlock,
        softBlock,
        yb,
        betaBlock,
        wb,
        rb,
        yc,
        wtsBlock,
        gradBlock,
        scratch,
        probsBlock,
        hvBlock,
        diagonalBlock,
        scoresBlock,
        count,
        mean,
        m2,
      ])
        arena.free(block);
      expect(checkedNaNs()).toBeGreaterThan(0);
    });
  });
});

describe.each(INPUTS)('FFT kernels on a signal with $name', ({ specials }) => {
  const n = 64;
  const signal = frameWith(n, 1, specials, 2);
  const infinite = signal.some((v) => !Number.isNaN(v) && !Number.isFinite(v));

  it('rfft, spectrumMagnitude and bandEnergies', () => {
    for (const window of [0, 1]) {
      const table = arena.allocF32(k.fftTableLen(n));
      expect(k.fftInit(n, window, table.ptr)).toBe(0);
      const spectrum = withFrame(signal, 'f32', n + 2, (x, out) => k.rfft(x, n, table.ptr, out));
      const want = new Float64Array(n + 2);
      twin.fft.rfft(signal, n, window, want);
      // The kernel writes the imaginary parts of DC and Nyquist as 0 by definition; the twin sums them.
      want[1] = want[n + 1] = 0;
      // Another order of operations than the twin's: with a ±Inf sample a bin may be ±Inf in one and
      // Inf − Inf = NaN in the other, so NaN places are compared only on inputs without infinities.
      expectCanonical(`rfft(window ${window})`, spectrum, infinite ? undefined : want);
      const bins = n / 2 + 1;
      const magnitude = new Float64Array(bins);
      twin.fft.spectrumMagnitude(spectrum, bins, magnitude);
      expectCanonical(
        'spectrumMagnitude',
        withFrame(spectrum as Float32Array, 'f32', bins, (sp, out) => k.spectrumMagnitude(sp, bins, out)),
        magnitude,
      );
      const edges = [0, 2, 5, 10, 25];
      const energies = withF64(edges, (ep) => withFrame(spectrum as Float32Array, 'f64', edges.length - 1, (sp, out) => k.bandEnergies(sp, n, 50, ep, edges.length - 1, out)));
      expectCanonical('bandEnergies', energies, twin.fft.bandEnergies(spectrum, n, 50, edges));
      arena.free(table);
    }
    expect(checkedNaNs()).toBeGreaterThan(0);
  });
});

describe('fftInit', () => {
  it('writes every slot of its table, so the table depends only on n and the window', () => {
    for (const n of [4, 8, 256]) {
      const length = k.fftTableLen(n);
      const tables = [0xdeadbeef, 0x12345678].map((sentinel) => {
        const table = arena.allocF32(length);
        new Uint32Array(table.view.buffer, table.ptr, length).fill(sentinel);
        expect(k.fftInit(n, 1, table.ptr)).toBe(0);
        const bits = new Uint32Array(table.view.buffer, table.ptr, length).slice();
        arena.free(table);
        return bits;
      });
      expect(tables[0], `fftInit(${n}) table`).toEqual(tables[1]);
    }
  });
});
