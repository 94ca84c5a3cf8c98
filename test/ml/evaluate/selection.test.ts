/**
 * Splits, cross-validation, grid search and reports: stratified splits keep class shares,
 * folds partition the rows, the same seed gives the same split, grid search honours its budget
 * on an injected clock and picks the right ridge penalty, reports print as tables.
 */
import { describe, expect, it } from 'vitest';
import { classificationReport, crossValidate, evaluateModel, gridCandidates, gridSearch, kFold, regressionReport, trainTestSplit } from '../../../src/ml/evaluate/index.js';
import { fitGaussianNB, gaussianNB, linearRegression, type Trainer, type LinearRegressionOptions, type LinearRegressionModel } from '../../../src/ml/train/index.js';
import { iris, regressionData, seededRng } from '../train/data.js';

describe('model selection', () => {
  it('trainTestSplit is seeded, disjoint and stratified', () => {
    const labels = Array.from({ length: 103 }, (_, i) => (i < 70 ? 0 : i < 95 ? 1 : 2));
    const a = trainTestSplit(103, { testSize: 0.3, seed: 7, stratify: labels });
    const b = trainTestSplit(103, { testSize: 0.3, seed: 7, stratify: labels });
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(a.test.length).toBe(Math.ceil(0.3 * 103));
    expect(new Set([...a.train, ...a.test]).size).toBe(103);
    const share = (idx: Int32Array, c: number): number => Array.from(idx).filter((i) => labels[i] === c).length;
    expect([share(a.test, 0), share(a.test, 1), share(a.test, 2)]).toEqual([21, 8, 2]); // 21.07, 7.52, 2.41 by largest remainder
    const c = trainTestSplit(103, { testSize: 0.3, seed: 8, stratify: labels });
    expect(Array.from(c.test)).not.toEqual(Array.from(a.test));
    expect(() => trainTestSplit(10, { testSize: 1.5 })).toThrow(/testSize must be in \(0, 1\)/);
  });

  it('kFold partitions rows; stratified folds balance classes', () => {
    const { labels } = iris();
    const folds = kFold(150, { folds: 5, seed: 1, stratify: labels });
    const seen = folds.flatMap((f) => Array.from(f.test)).sort((x, y) => x - y);
    expect(seen).toEqual(Array.from({ length: 150 }, (_, i) => i));
    for (const f of folds) {
      expect(f.train.length + f.test.length).toBe(150);
      expect([0, 1, 2].map((c) => Array.from(f.test).filter((i) => labels[i] === c).length)).toEqual([10, 10, 10]);
    }
    expect(() => kFold(3, { folds: 4 })).toThrow(/folds must be an integer in 2..3/);
  });

  it('crossValidate Gaussian NB on iris (stratified 5-fold accuracy ≈ 0.95)', () => {
    const { frame, labels } = iris();
    const cv = crossValidate(gaussianNB, frame, labels, { folds: 5, seed: 0, stratify: true });
    expect(cv.scores).toHaveLength(5);
    expect(cv.mean).toBeGreaterThan(0.9);
    expect(cv.mean).toBeLessThanOrEqual(1);
  });

  it('gridSearch picks the penalty that fits and stops at the budget (virtual clock)', () => {
    const { frame, y } = regressionData(seededRng(3), 400, 4, 1);
    const res = gridSearch(linearRegression, frame, y, { grid: { l2: [1e5, 0, 1e3] }, folds: 3, score: 'rmse' });
    expect(res.best.options.l2).toBe(0);
    expect(res.results).toHaveLength(3);
    expect(res.model?.params.rows).toBe(400);
    let t = 0;
    const slow: Trainer<LinearRegressionOptions, LinearRegressionModel> = {
      name: 'slow',
      fit: (f, l, o) => {
        t += 10; // each fit "takes" 10 ms of virtual time
        return linearRegression.fit(f, l, o);
      },
    };
    const timed = gridSearch(slow, frame, y, { grid: { l2: [0, 1, 2, 3, 4] }, folds: 2, budgetMs: 35, now: () => t, refit: false });
    expect(timed.results.map((r) => r.options.l2)).toEqual([0, 1]);
    expect(timed.skipped.map((o) => o.l2)).toEqual([2, 3, 4]);
    expect(timed.model).toBeUndefined();
    expect(gridCandidates({ a: [1, 2], b: ['x', 'y'] })).toHaveLength(4);
  });

  it('reports print as tables', () => {
    const { frame, labels } = iris();
    const report = evaluateModel(fitGaussianNB(frame, labels), frame, labels, 'iris');
    const text = report.toString();
    expect(report.metrics['accuracy']).toBe(0.96);
    expect(text).toMatch(/accuracy\s+0\.96/);
    expect(text).toMatch(/true \\ predicted/);
    expect(text.split('\n').length).toBeGreaterThan(15);
    expect(regressionReport([1, 2, 3], [1, 2, 4]).toString()).toMatch(/rmse/);
    expect(classificationReport([0, 1, 1, 0], [0, 1, 0, 0], { proba: [0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.7, 0.3], classes: [0, 1] }).metrics['roc_auc']).toBe(1);
  });
});
