/**
 * The WASM fast path against onnxruntime-web on the same bytes: random linear models (with and
 * without a scaler) and random inputs at batch 1, 7 and 1024; the same input checks and NaN
 * policy; unsupported graphs go to the fallback and say why.
 *
 * Tolerance: both runtimes compute the scaler in float32 the same way, so they differ only in the
 * product: onnxruntime sums F float32 products in float32 (error ≤ F·u·Σ|x̂ⱼwⱼ|, u = 2⁻²⁴), the
 * kernel in float64, then each rounds the sum and the bias add to float32. So per output,
 * |fast − ort| ≤ (F + 3)·u·(Σⱼ|x̂ⱼ·wⱼ| + |b|).
 *
 * Classifiers: a probability moves by at most ½·max Δlogit (the sigmoid's and the softmax's
 * derivatives sum to ≤ ½ in absolute value), plus onnxruntime's own exp/sigmoid approximation and
 * the final rounding, allowed 8·u. Labels are equal wherever onnxruntime's top two probabilities
 * differ by more than twice that bound (a nearer tie may go either way; such rows are counted).
 */
import { describe, expect, it } from 'vitest';
import { FastPathModelHandler, LoadedFastModel, LoadedOnnxModel, OnnxModelHandler, frameOf, type FrameModel } from '../../src/ml/infer/index.js';
import {
  ProtoWriter,
  gaussianNaiveBayesModel,
  linearRegressionModel,
  logisticRegressionModel,
  sklearnLinearRegressionModel,
  treeEnsembleRegressorModel,
  type FeatureScaler,
} from '../../src/ml/onnx/index.js';
import { randomFrame, randomMatrix, randomTrees, seededRng, type Rng } from '../../src/ml/testing/random-models.js';
import { SEED } from './train/data.js';

const U = 2 ** -24;
const onnx = new OnnxModelHandler();
const fast = new FastPathModelHandler({ fallback: onnx });

interface Case {
  bytes: Uint8Array;
  features: number;
  targets: number;
  weights: number[][]; // targets × features
  bias: number[];
  scaler?: { offset: number[]; divisor: number[] };
}

function randomCase(rng: Rng, k: number, classifier?: 'binary' | 'multinomial'): Case {
  const features = 1 + Math.floor(rng() * 24);
  const targets = classifier === 'binary' ? 1 : classifier === 'multinomial' ? 2 + Math.floor(rng() * 5) : 1 + Math.floor(rng() * 4);
  // classifiers: logits of a few units, so probabilities are neither all 0 nor all 1
  const weights = randomMatrix(rng, targets, features, classifier ? 2 / Math.sqrt(features) : 10 ** (rng() * 4 - 2));
  const bias = Array.from({ length: targets }, () => (rng() - 0.5) * (classifier ? 2 : 20));
  const names = Array.from({ length: features }, (_, j) => `x${j}`);
  let scaler: FeatureScaler | undefined;
  let affine: Case['scaler'];
  if (k % 3 === 1) {
    const mean = Array.from({ length: features }, () => (rng() - 0.5) * 100);
    const std = Array.from({ length: features }, () => 0.01 + rng() * 50);
    scaler = { kind: 'zscore', mean, std };
    affine = { offset: mean, divisor: std };
  } else if (k % 3 === 2) {
    const min = Array.from({ length: features }, () => (rng() - 0.5) * 100);
    const max = min.map((m) => m + 0.1 + rng() * 100);
    scaler = { kind: 'minmax', min, max };
    affine = { offset: min, divisor: max.map((m, j) => m - min[j]!) };
  }
  const options = { featureNames: names, ...(scaler ? { scaler } : {}) };
  const classLabels = k % 2 === 1 ? Array.from({ length: Math.max(2, targets) }, (_, c) => 10 * c - 7) : undefined;
  const bytes = classifier
    ? logisticRegressionModel({ weights, bias, ...(classLabels ? { classLabels } : {}) }, options)
    : linearRegressionModel({ weights: targets === 1 ? weights[0]! : weights, bias: targets === 1 ? bias[0]! : bias }, options);
  return { bytes, features, targets, weights, bias, ...(affine ? { scaler: affine } : {}) };
}

/** Per-output bound on |fast − ort| (module comment), from the scaled inputs' magnitudes. */
function bounds(c: Case, x: Float32Array, rows: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < c.targets; t++) {
      let mag = Math.abs(c.bias[t]!);
      for (let j = 0; j < c.features; j++) {
        const v = x[r * c.features + j]!;
        const scaled = c.scaler ? (v - c.scaler.offset[j]!) / c.scaler.divisor[j]! : v;
        mag += Math.abs(scaled * c.weights[t]![j]!);
      }
      out.push((c.features + 3) * U * mag);
    }
  }
  return out;
}

async function both(bytes: Uint8Array, options = {}): Promise<[FrameModel, FrameModel]> {
  const f = await fast.load(bytes, options);
  const o = await onnx.load(bytes, options);
  return [f, o];
}

describe(`fast path vs onnxruntime-web (seed ${SEED})`, () => {
  it('random linear models, with and without scalers, agree within (F+3)·u·(Σ|x̂w| + |b|) at batch 1, 7, 1024', async () => {
    const rng = seededRng(SEED);
    for (let k = 0; k < 9; k++) {
      const c = randomCase(rng, k);
      const [f, o] = await both(c.bytes);
      expect(f).toBeInstanceOf(LoadedFastModel);
      expect(f.inputs).toEqual(o.inputs);
      expect(f.outputs).toEqual(o.outputs);
      expect([f.frameInput, f.featureNames, f.featureCount]).toEqual([o.frameInput, o.featureNames, o.featureCount]);
      for (const rows of [1, 7, 1024]) {
        const x = randomFrame(rng, rows, c.features, 10 ** (rng() * 4 - 1));
        const frame = frameOf(x, f.featureNames!);
        const [a, b] = [(await f.run(frame))['prediction']!, (await o.run(frame))['prediction']!];
        expect(a.dims).toEqual(b.dims);
        const bound = bounds(c, x, rows);
        const fa = a.data as Float32Array,
          fb = b.data as Float32Array;
        for (let i = 0; i < bound.length; i++) {
          if (!(Math.abs(fa[i]! - fb[i]!) <= bound[i]!)) {
            expect.fail(
              `case ${k} (F=${c.features}, T=${c.targets}, scaler ${c.scaler ? 'yes' : 'no'}), batch ${rows}, output ${i}: fast ${fa[i]} vs ort ${fb[i]}, bound ${bound[i]}`,
            );
          }
        }
      }
      await Promise.all([f.release(), o.release()]);
    }
  });

  it('random logistic and softmax regressions: probabilities within ½·max Δlogit + 8u, labels equal off near-ties, at batch 1, 7, 1024', async () => {
    const rng = seededRng(SEED + 3);
    let nearTies = 0;
    let worst = 0;
    for (let k = 0; k < 8; k++) {
      const c = randomCase(rng, k, k < 4 ? 'binary' : 'multinomial');
      const [f, o] = await both(c.bytes);
      expect(f).toBeInstanceOf(LoadedFastModel);
      expect(f.outputs).toEqual(o.outputs);
      const classes = Math.max(2, c.targets);
      for (const rows of [1, 7, 1024]) {
        // inputs around the scaler's offset, a divisor wide: scaled inputs of unit size
        const x = randomFrame(rng, rows, c.features).map((g, i) => (c.scaler ? c.scaler.offset[i % c.features]! + g * c.scaler.divisor[i % c.features]! : g));
        const frame = frameOf(x, f.featureNames!);
        const [a, b] = [await f.run(frame), await o.run(frame)];
        const pa = a['probabilities']!.data as Float32Array,
          pb = b['probabilities']!.data as Float32Array;
        const la = a['label']!.data as BigInt64Array,
          lb = b['label']!.data as BigInt64Array;
        expect([a['probabilities']!.dims, a['label']!.dims]).toEqual([b['probabilities']!.dims, b['label']!.dims]);
        const zBound = bounds(c, x, rows);
        for (let r = 0; r < rows; r++) {
          const tol = 0.5 * Math.max(...zBound.slice(r * c.targets, (r + 1) * c.targets)) + 8 * U;
          const row = Array.from(pb.subarray(r * classes, (r + 1) * classes));
          for (let j = 0; j < classes; j++) {
            const d = Math.abs(pa[r * classes + j]! - row[j]!);
            worst = Math.max(worst, d);
            if (!(d <= tol))
              expect.fail(
                `case ${k} (F=${c.features}, classes ${classes}), batch ${rows}, row ${r}, class ${j}: fast ${pa[r * classes + j]} vs ort ${row[j]} (|Δ| ${d}, bound ${tol})`,
              );
          }
          const sorted = [...row].sort((p, q) => q - p);
          if (sorted[0]! - sorted[1]! > 2 * tol) expect(la[r], `case ${k}, batch ${rows}, row ${r}: label`).toBe(lb[r]);
          else nearTies++;
        }
      }
      await Promise.all([f.release(), o.release()]);
    }
    console.log(`classifier rows with a near-tie (labels not compared): ${nearTies} of ${8 * 1032}; largest |Δp| ${worst}`);
    expect(nearTies).toBeLessThan(8 * 1032 * 0.01);
  });

  it('checks frames and applies the NaN policy exactly as the ONNX handler does', async () => {
    const rng = seededRng(SEED + 1);
    const c = randomCase(rng, 1);
    const names = Array.from({ length: c.features }, (_, j) => `x${j}`);
    const x = randomFrame(rng, 5, c.features);
    x[2 * c.features] = NaN;
    const errorOf = (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'resolved',
        (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
      );
    const [f, o] = await both(c.bytes, { id: 'm' });
    expect(await errorOf(f.run(frameOf(x, names)))).toBe(await errorOf(o.run(frameOf(x, names))));
    expect(await errorOf(f.run(frameOf(x, names)))).toMatch(/^BAD_INPUT: .*NaN in row 2/);
    const reversed = [...names].reverse();
    if (c.features > 1) expect(await errorOf(f.run(frameOf(x, reversed)))).toBe(await errorOf(o.run(frameOf(x, reversed))));
    expect(await errorOf(f.run(frameOf(x.subarray(0, 5), ['a', 'b', 'c', 'd', 'e'])))).toBe(await errorOf(o.run(frameOf(x.subarray(0, 5), ['a', 'b', 'c', 'd', 'e']))));
    expect(await errorOf(f.run(frameOf(x, names), { h: { data: new Float32Array(1), dims: [1] } }))).toMatch(/^BAD_INPUT: .*extra input "h"/);
    const impute = Array.from({ length: c.features }, () => rng() * 10);
    const [fi, oi] = await both(c.bytes, { id: 'i', nan: { impute } });
    const [a, b] = [(await fi.run(frameOf(x, names)))['prediction']!.data as Float32Array, (await oi.run(frameOf(x, names)))['prediction']!.data as Float32Array];
    const bound = bounds(
      c,
      Float32Array.from(x, (v, i) => (Number.isNaN(v) ? impute[i % c.features]! : v)),
      5,
    );
    bound.forEach((e, i) => expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(e));
    // Five refused runs on `f` above, four when a one-feature model skips the reversed-names one.
    expect((f as LoadedFastModel).metrics()).toMatchObject({ numBatches: 0, failedBatches: c.features > 1 ? 5 : 4 });
    await Promise.all([f, o, fi, oi].map((m) => m.release()));
    await expect(f.run(frameOf(x, names))).rejects.toThrow(/released/);
  });

  it('NaN outputs are the canonical NaN (0x7fc00000), whatever the CPU makes of Inf − Inf', async () => {
    const bits = (data: unknown): string[] => Array.from(new Uint32Array((data as Float32Array).slice().buffer), (v) => v.toString(16));
    // A +Inf logit: softmax takes exp(Inf − Inf); in JavaScript that NaN is 0xffc00000 on x64.
    const softmax = await fast.load(
      logisticRegressionModel({
        weights: [
          [1, 0],
          [0, 1],
          [0, 0],
        ],
        bias: [0, 0, 0],
      }),
    );
    expect(softmax).toBeInstanceOf(LoadedFastModel);
    const probabilities = (await softmax.run(frameOf(Float32Array.of(Infinity, 0, 1, 0), ['a', 'b'])))['probabilities']!.data;
    expect(bits(probabilities).slice(0, 3)).toEqual(['7fc00000', '7fc00000', '7fc00000']);
    // An infinite bias meeting the opposite infinity: the bias is added in JavaScript.
    const regression = await fast.load(linearRegressionModel({ weights: [1], bias: Infinity }));
    expect(bits((await regression.run(frameOf(Float32Array.of(-Infinity, 2), ['a'])))['prediction']!.data)).toEqual(['7fc00000', '7f800000']);
    await Promise.all([softmax.release(), regression.release()]);
  });

  it('unsupported graphs go to onnxruntime-web, and the handler says why', async () => {
    const rng = seededRng(SEED + 2);
    const w = randomMatrix(rng, 3, 4);
    const reasons: string[] = [];
    const h = new FastPathModelHandler({ fallback: onnx, onFallback: (id, reason) => reasons.push(`${id}: ${reason}`) });
    const trees = treeEnsembleRegressorModel({ trees: randomTrees(rng, { trees: 2, depth: 2, features: 4, width: 1, earlyLeaf: 0 }), features: 4 });
    const bayes = gaussianNaiveBayesModel({ means: w, variances: w.map((r) => r.map((v) => 1 + v * v)), priors: [0.2, 0.3, 0.5] });
    const sklearn = sklearnLinearRegressionModel({ coef: w[0]!, intercept: 1 });
    for (const [bytes, why] of [
      [trees, /node .* is in another domain/],
      [bayes, /nodes \[.*\] are not \[Sub, Div,\] MatMul/],
      [sklearn, /node .* is in another domain/],
    ] as const) {
      expect(h.unsupportedReason(bytes)).toMatch(why);
      expect(await h.load(bytes)).toBeInstanceOf(LoadedOnnxModel);
    }
    expect(reasons).toHaveLength(3);
    expect(h.fallbackLoads).toBe(3);
    const garbage = new ProtoWriter();
    garbage.intField(7, 1);
    expect(h.unsupportedReason(garbage.finish())).toMatch(/could not be read/);
    await expect(h.load(garbage.finish(), { id: 'g' })).rejects.toMatchObject({ code: 'MODEL_REJECTED' });
    await expect(new FastPathModelHandler().load(trees, { id: 's' })).rejects.toThrow(/model "s" .*not supported by the fast path \(node .* is in another domain.*no fallback/);
    expect(h.unsupportedReason(linearRegressionModel({ weights: w[0]!, bias: 1 }))).toBeUndefined();
  });
});
