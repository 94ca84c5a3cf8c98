/** Metrics against the worked examples of scikit-learn's documentation, and tie/edge cases. */
import { describe, expect, it } from 'vitest';
import { accuracy, classScores, confusionMatrix, logLoss, mae, r2, rmse, rocAuc } from '../../../src/ml/evaluate/index.js';

describe('metrics', () => {
  it('regression: r2_score, mean_absolute_error, root of mean_squared_error', () => {
    const t = [3, -0.5, 2, 7],
      p = [2.5, 0.0, 2, 8];
    expect(r2(t, p)).toBeCloseTo(0.948608137, 9);
    expect(mae(t, p)).toBe(0.5);
    expect(rmse(t, p)).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(r2([1, 1], [1, 1])).toBe(1);
    expect(() => rmse([1], [])).toThrow(/one prediction per row/);
  });

  it('classification: confusion matrix, macro precision/recall/F1, accuracy', () => {
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]).matrix).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    const s = classScores([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1]);
    expect(s.macro.precision).toBeCloseTo(0.2222222, 6);
    expect(s.macro.recall).toBeCloseTo(0.3333333, 6);
    expect(s.macro.f1).toBeCloseTo(0.2666667, 6);
    expect(s.support).toEqual([2, 2, 2]);
    expect(accuracy([0, 1, 2, 3], [0, 2, 1, 3])).toBe(0.5);
  });

  it('log loss and ROC AUC (ties count half)', () => {
    expect(logLoss([1, 0, 0, 1], [0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65], [0, 1])).toBeCloseTo(0.21616, 5);
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(rocAuc([3, 3, 7, 7], [1, 2, 3, 4])).toBe(1);
    expect(rocAuc([3, 3, 7, 7], [1, 2, 3, 4], 3)).toBe(0);
    expect(() => rocAuc([1, 1], [0, 1])).toThrow(/exactly 2 classes/);
  });
});
