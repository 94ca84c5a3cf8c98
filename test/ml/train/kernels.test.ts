/**
 * Training kernels (assembly/train.ts) vs their plain-TS twins (src/kernels/reference/train.ts)
 * on random inputs, including row counts that exercise the 4-row blocks and their tails.
 * Bounds (absolute): gramAccumulate, softmaxGradient (and its probabilities), the softmax
 * Hessian-vector product and diagonal, affine, classMoments, gaussianJll
 * 1e-12 × the sum of absolute terms; logisticTerms 1e-12 relative; binColumns, histogram
 * (same additions in the same order), nearestCenter exactly; softmaxRows and sigmoidPairs 1e-15
 * (probabilities, each exp within an ulp of V8's); logValues 2⁻⁵² relative (within an ulp of V8's log).
 */
import { describe, expect, it } from 'vitest';
import { instantiateKernels } from '../../../src/kernels/index.js';
import * as twin from '../../../src/kernels/reference/train.js';
import { logValues, sigmoidPairs, softmaxRows } from '../../../src/ml/train/probabilities.js';
import { SEED, gaussian, seededRng } from './data.js';

const { exports: k, arena } = instantiateKernels();
const rng = seededRng(SEED);
const rowsToTry = [0, 1, 3, 4, 5, 7, 64, 257];
const colsToTry = [1, 2, 3, 5, 16];

function randomX(n: number, d: number): Float32Array {
  const off = Array.from({ length: d }, () => gaussian(rng) * 20);
  return Float32Array.from({ length: n * d }, (_, i) => off[i % d]! + gaussian(rng) * 3);
}

function close(what: string, got: ArrayLike<number>, want: ArrayLike<number>, bound: number): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i]! - want[i]!) <= bound)) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}, bound ${bound} (seed ${SEED})`);
  }
}

const absSum = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + Math.abs(v), 0);

describe(`training kernels vs twins (seed ${SEED})`, () => {
  it('gramAccumulate with and without weights and residuals, accumulating over calls', () => {
    for (const n of rowsToTry) {
      for (const d of colsToTry) {
        const D = d + 1;
        const x = randomX(n, d);
        const w = Float64Array.from({ length: n }, () => rng());
        const r = Float64Array.from({ length: n }, () => gaussian(rng));
        for (const weighted of [false, true]) {
          const [px, pw, pr] = [arena.f32Of(x), arena.f64Of(w), arena.f64Of(r)];
          const g = arena.f64Of(new Float64Array(D * D).fill(1)),
            v = arena.f64Of(new Float64Array(D).fill(2));
          k.gramAccumulate(px.ptr, weighted ? pw.ptr : 0, pr.ptr, n, d, g.ptr, v.ptr);
          k.gramAccumulate(px.ptr, weighted ? pw.ptr : 0, 0, n, d, g.ptr, v.ptr);
          const wantG = new Float64Array(D * D).fill(1),
            wantV = new Float64Array(D).fill(2);
          twin.gramAccumulate(x, weighted ? w : null, r, n, d, wantG, wantV);
          twin.gramAccumulate(x, weighted ? w : null, null, n, d, wantG, null);
          const scale = 1e-12 * (2 * n * (absSum(x) / Math.max(1, n) + 1) ** 2 + 10);
          close(`gram n=${n} d=${d} w=${weighted}`, g.view, wantG, scale);
          close(`xty n=${n} d=${d}`, v.view, wantV, scale);
          [px, pw, pr, g, v].forEach((b) => arena.free(b));
        }
      }
    }
  });

  it('logisticTerms, softmaxGradient and affine', () => {
    for (const n of rowsToTry) {
      for (const d of [1, 3, 8]) {
        const c = 3,
          D = d + 1;
        const x = randomX(n, d).map((v) => v / 20);
        const y01 = Float64Array.from({ length: n }, () => (rng() < 0.5 ? 0 : 1));
        const yc = Float64Array.from({ length: n }, () => Math.floor(rng() * c));
        const beta = Float64Array.from({ length: D }, () => gaussian(rng));
        const W = Float64Array.from({ length: c * D }, () => gaussian(rng));
        const [px, py, pyc, pb, pW] = [arena.f32Of(x), arena.f64Of(y01), arena.f64Of(yc), arena.f64Of(beta), arena.f64Of(W)];
        const [w, r, grad, scratch, out] = [arena.allocF64(n), arena.allocF64(n), arena.f64Of(new Float64Array(c * D)), arena.allocF64(c), arena.allocF64(n * c)];
        const loss = k.logisticTerms(px.ptr, py.ptr, n, d, pb.ptr, w.ptr, r.ptr);
        const [ww, wr] = [new Float64Array(n), new Float64Array(n)];
        const wantLoss = twin.logisticTerms(x, y01, n, d, beta, ww, wr);
        close(`logistic loss n=${n}`, [loss], [wantLoss], 1e-12 * (wantLoss + 1));
        close('logistic w', w.view, ww, 1e-15);
        close('logistic r', r.view, wr, 1e-15);
        const probs = arena.allocF64(n * c);
        const sl = k.softmaxGradient(px.ptr, pyc.ptr, n, d, c, pW.ptr, grad.ptr, scratch.ptr, probs.ptr);
        const wantGrad = new Float64Array(c * D),
          wantProbs = new Float64Array(n * c);
        const wantSl = twin.softmaxGradient(x, yc, n, d, c, W, wantGrad, wantProbs);
        close('softmax loss', [sl], [wantSl], 1e-12 * (wantSl + 1));
        close('softmax grad', grad.view, wantGrad, 1e-12 * (n * 10 + 1));
        close('softmax probs', probs.view, wantProbs, 1e-14);
        // Hessian passes from the twin's probabilities, accumulating onto a non-zero start.
        const V = Float64Array.from({ length: c * D }, () => gaussian(rng));
        const [pV, hv, diag] = [arena.f64Of(V), arena.f64Of(new Float64Array(c * D).fill(1)), arena.f64Of(new Float64Array(c * D).fill(1))];
        const pP = arena.f64Of(wantProbs);
        k.softmaxHessianVector(px.ptr, n, d, c, pP.ptr, pV.ptr, hv.ptr, scratch.ptr);
        const mean = Float64Array.from({ length: d }, () => gaussian(rng));
        const pMean = arena.f64Of(mean);
        k.softmaxHessianDiagonal(px.ptr, n, d, c, pP.ptr, 0, diag.ptr);
        k.softmaxHessianDiagonal(px.ptr, n, d, c, pP.ptr, pMean.ptr, diag.ptr);
        const [wantHv, wantDiag] = [new Float64Array(c * D).fill(1), new Float64Array(c * D).fill(1)];
        twin.softmaxHessianVector(x, n, d, c, wantProbs, V, wantHv);
        twin.softmaxHessianDiagonal(x, n, d, c, wantProbs, null, wantDiag);
        twin.softmaxHessianDiagonal(x, n, d, c, wantProbs, mean, wantDiag);
        close('softmax Hv', hv.view, wantHv, 1e-12 * (n * (absSum(V) + 1) * 10 + 1));
        close('softmax Hessian diagonal', diag.view, wantDiag, 1e-12 * (n * 20 + 1));
        [probs, pV, hv, diag, pP, pMean].forEach((b) => arena.free(b));
        k.affine(px.ptr, n, d, c, pW.ptr, out.ptr);
        const wantOut = new Float64Array(n * c);
        twin.affine(x, n, d, c, W, wantOut);
        close('affine', out.view, wantOut, 1e-12 * (absSum(W) * 10 + 1));
        [px, py, pyc, pb, pW, w, r, grad, scratch, out].forEach((b) => arena.free(b));
      }
    }
  });

  it('softmaxRows and sigmoidPairs (what predictProba returns) equal the twins to 1e-15, scores up to ±700', () => {
    for (const rows of rowsToTry) {
      for (const c of [1, 2, 3, 10]) {
        const scores = Float64Array.from({ length: rows * c }, () => gaussian(rng) * (rng() < 0.2 ? 200 : 5));
        if (rows > 0) scores.fill(3, 0, c); // a row of equal scores: 1/k each
        const got = softmaxRows(Float64Array.from(scores), c);
        const want = Float64Array.from(scores);
        twin.softmaxRows(want, c);
        close('softmaxRows', got, want, 1e-15);
        const margins = Float64Array.from({ length: rows }, () => gaussian(rng) * (rng() < 0.2 ? 700 : 4));
        const wantPairs = new Float64Array(rows * 2);
        twin.sigmoidPairs(margins, wantPairs);
        close('sigmoidPairs', sigmoidPairs(margins), wantPairs, 1e-15);
      }
    }
  });

  it('logValues (the log-odds and log-priors gradient boosting starts from) equals the twin within an ulp, over 1e-300..1e300', () => {
    for (const rows of rowsToTry) {
      const values = Float64Array.from({ length: rows }, () => 10 ** ((rng() - 0.5) * 600) * (1 + rng()));
      if (rows > 2) values.set([1, 0.5], 0); // log 1 = 0 exactly, log 0.5 = -ln 2
      const got = logValues(values);
      const want = Float64Array.from(values);
      twin.logValues(want);
      for (let i = 0; i < rows; i++) {
        if (!(Math.abs(got[i]! - want[i]!) <= 2 ** -52 * Math.abs(want[i]!))) expect.fail(`logValues[${i}] of ${values[i]}: got ${got[i]}, want ${want[i]} (seed ${SEED})`);
      }
      if (rows > 2) expect([got[0], got[1]]).toEqual([0, -Math.LN2]);
    }
    expect(Array.from(logValues([0, -1, Infinity]))).toEqual([-Infinity, NaN, Infinity]);
  });

  it('classMoments and gaussianJll', () => {
    for (const n of rowsToTry) {
      for (const d of colsToTry) {
        const c = 4;
        const x = randomX(n, d);
        const y = Float64Array.from({ length: n }, () => Math.floor(rng() * c));
        const [px, py, cnt, mean, m2] = [arena.f32Of(x), arena.f64Of(y), arena.allocF64(c), arena.allocF64(c * d), arena.allocF64(c * d)];
        k.classMoments(px.ptr, py.ptr, n, d, c, cnt.ptr, mean.ptr, m2.ptr);
        const want = twin.classMoments(x, y, n, d, c);
        expect(Array.from(cnt.view)).toEqual(Array.from(want.count));
        close(`mean n=${n} d=${d}`, mean.view, want.mean, 1e-12 * 100);
        close(`m2 n=${n} d=${d}`, m2.view, want.m2, 1e-12 * (absSum(want.m2) + 1));
        const hiv = Float64Array.from({ length: c * d }, () => 0.01 + rng());
        const constant = Float64Array.from({ length: c }, () => gaussian(rng));
        const [ph, pc, out] = [arena.f64Of(hiv), arena.f64Of(constant), arena.allocF64(n * c)];
        k.gaussianJll(px.ptr, n, d, c, mean.ptr, ph.ptr, pc.ptr, out.ptr);
        const wantJll = new Float64Array(n * c);
        twin.gaussianJll(x, n, d, c, mean.view, hiv, constant, wantJll);
        close('gaussianJll', out.view, wantJll, 1e-12 * (absSum(wantJll) / Math.max(1, n) + 1) * 10);
        [px, py, cnt, mean, m2, ph, pc, out].forEach((b) => arena.free(b));
      }
    }
  });

  it('binColumns, histogram and nearestCenter', () => {
    for (const n of rowsToTry) {
      for (const d of colsToTry) {
        const m = 7,
          nb = m + 1,
          kc = 5;
        const x = randomX(n, d);
        if (n > 2) x[1] = NaN;
        const edges = Float64Array.from({ length: d * m }, (_, i) => (i % m === m - 1 ? Infinity : Math.fround(gaussian(rng) * 20)));
        for (let j = 0; j < d; j++) edges.subarray(j * m, j * m + m).sort();
        const px = arena.f32Of(x),
          pe = arena.f64Of(edges);
        const bins = k.alloc(Math.max(n * d, 1));
        k.binColumns(px.ptr, n, d, pe.ptr, m, bins);
        const want = new Uint8Array(n * d);
        twin.binColumns(x, n, d, edges, m, want);
        expect(Array.from(new Uint8Array(k.memory.buffer, bins, n * d))).toEqual(Array.from(want));
        const rows = Int32Array.from({ length: Math.floor(n / 2) }, () => Math.floor(rng() * n));
        const prow = k.alloc(Math.max(rows.length * 4, 4));
        new Int32Array(k.memory.buffer, prow, rows.length).set(rows);
        const g = Float64Array.from({ length: n }, () => gaussian(rng)),
          h = Float64Array.from({ length: n }, () => rng());
        const [pg, ph, hist] = [arena.f64Of(g), arena.f64Of(h), arena.allocF64(d * nb * 2)];
        k.histogram(bins, d, nb, prow, rows.length, pg.ptr, ph.ptr, hist.ptr);
        const wantHist = new Float64Array(d * nb * 2);
        twin.histogram(want, d, nb, rows, rows.length, g, h, wantHist);
        expect(Array.from(hist.view)).toEqual(Array.from(wantHist));
        const cs = Float64Array.from({ length: kc * d }, () => gaussian(rng) * 20);
        const [pcs, dist] = [arena.f64Of(cs), arena.allocF64(n)];
        const assign = k.alloc(Math.max(n * 4, 4));
        x.forEach((v, i) => Number.isNaN(v) && (px.view[i] = 0));
        const clean = Float32Array.from(px.view);
        const inertia = k.nearestCenter(px.ptr, n, d, pcs.ptr, kc, assign, dist.ptr);
        const [wa, wd] = [new Int32Array(n), new Float64Array(n)];
        const wantInertia = twin.nearestCenter(clean, n, d, cs, kc, wa, wd);
        expect(Array.from(new Int32Array(k.memory.buffer, assign, n))).toEqual(Array.from(wa));
        close('nearestCenter dist', dist.view, wd, 1e-9);
        close('inertia', [inertia], [wantInertia], 1e-9 * (wantInertia + 1));
        [px, pe, pg, ph, hist, pcs, dist].forEach((b) => arena.free(b));
        [bins, prow, assign].forEach((p) => k.free(p));
      }
    }
  });
});
