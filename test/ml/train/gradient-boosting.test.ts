/**
 * Gradient-boosted trees: a one-round stump equals a brute-force least-squares stump computed in
 * plain TS (exact to 1e-9 when every distinct value has its own bin), boosting lowers the
 * training loss every round, held-out R² on a nonlinear problem and accuracy within 0.05 of
 * logistic regression on Gaussian blobs, and the ONNX tree
 * ensembles (with NaN inputs) give predict's values and labels.
 */
import { describe, expect, it } from 'vitest';
import { accuracy, r2, takeLabels, takeRows, trainTestSplit } from '../../../src/ml/evaluate/index.js';
import { fitGradientBoostingClassifier, fitGradientBoostingRegressor, fitLogisticRegression, gradientBoostingRegressor } from '../../../src/ml/train/index.js';
import { SEED, blobs, frameFromRows, gaussian, iris, seededRng } from './data.js';
import { expectOnnxMatches } from './onnx-check.js';

const rng = seededRng(SEED ^ 0x55);

function nonlinear(n: number): { frame: ReturnType<typeof frameFromRows>; y: number[] } {
  const rows = Array.from({ length: n }, () => [rng() * 6 - 3, rng() * 4 - 2, Math.round(rng() * 10)]);
  const y = rows.map(([a, b, c]) => 3 * Math.sin(a!) + b! * b! + (c! > 5 ? 2 : 0) + 0.1 * gaussian(rng));
  return { frame: frameFromRows(rows), y };
}

describe(`gradient boosting (seed ${SEED})`, () => {
  it('one stump equals the brute-force least-squares stump', () => {
    const rows = Array.from({ length: 300 }, () => [Math.floor(rng() * 20), Math.floor(rng() * 7)]);
    const y = rows.map(([a, b]) => (a! > 11 ? 5 : 0) + b! * 0.3 + gaussian(rng));
    const model = fitGradientBoostingRegressor(frameFromRows(rows), y, { rounds: 1, maxDepth: 1, learningRate: 1, l2: 0, minChildWeight: 1 });
    const mean = y.reduce((s, v) => s + v, 0) / y.length;
    let best = { sse: Infinity, feature: -1, threshold: 0, left: 0, right: 0 };
    for (let j = 0; j < 2; j++) {
      for (const t of new Set(rows.map((r) => r[j]!))) {
        const l = y.filter((_, i) => rows[i]![j]! <= t),
          r = y.filter((_, i) => rows[i]![j]! > t);
        if (l.length === 0 || r.length === 0) continue;
        const ml = l.reduce((s, v) => s + v, 0) / l.length,
          mr = r.reduce((s, v) => s + v, 0) / r.length;
        const sse = l.reduce((s, v) => s + (v - ml) ** 2, 0) + r.reduce((s, v) => s + (v - mr) ** 2, 0);
        if (sse < best.sse - 1e-9) best = { sse, feature: j, threshold: t, left: ml - mean, right: mr - mean };
      }
    }
    const [root, a, b] = model.params.trees[0]!.nodes;
    expect(root).toMatchObject({ mode: 'BRANCH_LEQ', feature: best.feature, threshold: best.threshold });
    expect(a!.mode === 'LEAF' && Math.abs(a!.weights[0]! - best.left)).toBeLessThan(1e-6);
    expect(b!.mode === 'LEAF' && Math.abs(b!.weights[0]! - best.right)).toBeLessThan(1e-6);
  });

  it('regression: training loss falls every round; held-out R² > 0.9 on a nonlinear target', () => {
    const { frame, y } = nonlinear(3000);
    const split = trainTestSplit(frame.rows, { seed: 1, testSize: 0.3 });
    const [xtr, ytr] = [takeRows(frame, split.train), takeLabels(y, split.train)];
    let prev = Infinity;
    for (const rounds of [1, 5, 20, 60]) {
      const m = fitGradientBoostingRegressor(xtr, ytr, { rounds, maxDepth: 4 });
      const p = m.predict(xtr);
      const mse = p.reduce((s, v, i) => s + (v - ytr[i]!) ** 2, 0) / p.length;
      expect(mse).toBeLessThan(prev);
      prev = mse;
    }
    const model = gradientBoostingRegressor.fit(xtr, ytr, { rounds: 100, maxDepth: 4 });
    expect(r2(takeLabels(y, split.test), model.predict(takeRows(frame, split.test)))).toBeGreaterThan(0.9);
  });

  it('classification: binary and multi-class accuracy', () => {
    const { frame, labels } = iris();
    const m = fitGradientBoostingClassifier(frame, labels, { rounds: 30 });
    expect(accuracy(labels, m.predict(frame))).toBeGreaterThanOrEqual(0.97);
    expect(m.params.trees).toHaveLength(90);
    const b = blobs(rng, 1000, 4, 2, 1.5);
    const split = trainTestSplit(1000, { seed: 2, stratify: b.labels });
    const mb = fitGradientBoostingClassifier(takeRows(b.frame, split.train), takeLabels(b.labels, split.train), { rounds: 40 });
    expect(mb.params.trees).toHaveLength(40);
    // Random blob centres can sit close together, so no fixed accuracy is reachable for every seed:
    // the yardstick is logistic regression, near Bayes-optimal for two isotropic Gaussian blobs.
    const test = takeRows(b.frame, split.test);
    const truth = takeLabels(b.labels, split.test);
    const yardstick = accuracy(truth, fitLogisticRegression(takeRows(b.frame, split.train), takeLabels(b.labels, split.train)).predict(test));
    expect(accuracy(truth, mb.predict(test))).toBeGreaterThan(yardstick - 0.05);
  });

  it('ONNX tree ensembles equal predict, NaN inputs included', async () => {
    const { frame, y } = nonlinear(500);
    const reg = fitGradientBoostingRegressor(frame, y, { rounds: 20, maxDepth: 3, maxBins: 32 });
    const withNaN = frameFromRows(Array.from({ length: 50 }, (_, i) => [i % 7 === 0 ? NaN : rng() * 6 - 3, rng() * 4 - 2, i % 5 === 0 ? NaN : i % 11]));
    await expectOnnxMatches(reg, frame);
    await expectOnnxMatches(reg, withNaN);
    const { frame: irisFrame, labels } = iris();
    await expectOnnxMatches(
      fitGradientBoostingClassifier(
        irisFrame,
        labels.map((l) => l + 10),
        { rounds: 10 },
      ),
      irisFrame,
    );
    const b = blobs(rng, 400, 3, 2, 2);
    const bin = fitGradientBoostingClassifier(b.frame, b.labels, { rounds: 15, maxDepth: 2 });
    await expectOnnxMatches(bin, b.frame);
  });

  it('checks its options', () => {
    const { frame, y } = nonlinear(20);
    expect(() => fitGradientBoostingRegressor(frame, y, { maxBins: 300 })).toThrow(/maxBins must be an integer in 2..256/);
    expect(() => fitGradientBoostingRegressor(frame, y, { rounds: 0 })).toThrow(/rounds/);
  });
});
