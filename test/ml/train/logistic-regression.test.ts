/**
 * Logistic regression reaches the optimum of its objective (1/n)Σ log-loss + (λ/2)‖W‖²: the
 * same coefficients as a plain-TS accelerated gradient descent run to max |gradient| ≤ 1e-10,
 * within 1e-6 absolute (Newton and Newton-CG, binary), 1e-4 (L-BFGS, binary, stopped at
 * max |gradient| ≤ 1e-7) and 1e-4 (multinomial). A different λ moves the reference past the
 * bound. Real unscaled data: logistic-real-data.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fitLogisticRegression, logisticRegression } from '../../../src/ml/train/index.js';
import { SEED, blobs, frameFromRows, iris, rowsOf, seededRng } from './data.js';
import { logisticGd } from './reference.js';

const rng = seededRng(SEED ^ 0x33);

function expectRows(what: string, got: number[][], want: number[][], abs: number): void {
  got.forEach((r, c) =>
    r.forEach((v, j) => {
      if (!(Math.abs(v - want[c]![j]!) <= abs)) expect.fail(`${what}[${c}][${j}]: ${v} vs ${want[c]![j]} (abs ${abs}, seed ${SEED})`);
    }),
  );
}

describe(`logistic regression (seed ${SEED})`, () => {
  it('binary (Newton/IRLS) reaches the gradient-descent optimum', () => {
    const { frame, labels } = blobs(rng, 400, 4, 2, 2.5);
    const rows = rowsOf(frame);
    for (const l2 of [1e-2, 0.3]) {
      const model = fitLogisticRegression(frame, labels, { l2 });
      expect(model.params.solver).toBe('newton');
      expect(model.params.converged).toBe(true);
      expect(model.params.iterations).toBeLessThan(15);
      const ref = logisticGd(rows, labels, 2, l2);
      const got = [[...model.params.weights[0]!, model.params.intercepts[0]!]];
      expectRows(`binary l2=${l2}`, got, ref, 1e-6);
      const other = logisticGd(rows, labels, 2, l2 * 1.5, 1e-6);
      expect(() => expectRows('wrong l2', got, other, 1e-6)).toThrow();
    }
  });

  it('the three solvers fit the same binary model at the same l2', () => {
    const { frame, labels } = blobs(rng, 300, 5, 2, 1.5);
    const l2 = 0.02;
    const ref = logisticGd(rowsOf(frame), labels, 2, l2);
    for (const solver of ['newton', 'newton-cg', 'lbfgs'] as const) {
      const model = fitLogisticRegression(frame, labels, { solver, l2 });
      expect(model.params.converged, model.warnings.join()).toBe(true);
      expect(model.params.weights).toHaveLength(1);
      // L-BFGS stops at max |gradient| 1e-7 (standardised), which leaves up to ~1e-5 in an intercept whose curvature is small.
      expectRows(solver, [[...model.params.weights[0]!, model.params.intercepts[0]!]], ref, solver === 'lbfgs' ? 1e-4 : 1e-6);
    }
  });

  it('multinomial (Newton-CG and L-BFGS) reaches the gradient-descent optimum on standardised iris', () => {
    const { frame: raw, labels, rows } = iris();
    // Standardised so the reference converges in well under a second (its rate depends on conditioning).
    const mean = [0, 1, 2, 3].map((j) => rows.reduce((s, r) => s + r[j]!, 0) / 150);
    const std = [0, 1, 2, 3].map((j) => Math.sqrt(rows.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / 150));
    const frame = frameFromRows(
      rows.map((r) => r.map((v, j) => (v - mean[j]!) / std[j]!)),
      raw.names,
    );
    const l2 = 1 / 150; // scikit-learn's default C = 1
    const ref = logisticGd(rowsOf(frame), labels, 3, l2, 1e-9);
    // The reference's intercepts are free up to a common shift; centre them like the trainer does.
    const shift = ref.reduce((s, r) => s + r[4]!, 0) / 3;
    const want = ref.map((r) => [...r.slice(0, 4), r[4]! - shift]);
    for (const solver of ['auto', 'lbfgs'] as const) {
      const model = fitLogisticRegression(frame, labels, { solver });
      expect(model.params.solver).toBe(solver === 'auto' ? 'newton-cg' : 'lbfgs');
      expect(model.params.converged).toBe(true);
      expectRows(
        `softmax ${solver}`,
        model.params.weights.map((w, c) => [...w, model.params.intercepts[c]!]),
        want,
        1e-4,
      );
      expect(model.predict(frame).filter((p, i) => p === labels[i]).length).toBeGreaterThanOrEqual(145);
    }
    expect(
      fitLogisticRegression(raw, labels)
        .predict(raw)
        .filter((p, i) => p === labels[i]).length,
    ).toBeGreaterThanOrEqual(145);
  });

  it('probabilities are consistent with labels; options are checked', () => {
    const { frame, labels } = blobs(rng, 300, 3, 4);
    const model = logisticRegression.fit(
      frame,
      labels.map((l) => l * 10 + 5),
    );
    expect(model.classes).toEqual([5, 15, 25, 35]);
    const proba = model.predictProba(frame);
    const pred = model.predict(frame);
    for (let i = 0; i < 300; i++) {
      const row = Array.from(proba.subarray(4 * i, 4 * i + 4));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(pred[i]).toBe(model.classes[row.indexOf(Math.max(...row))]);
    }
    expect(() => fitLogisticRegression(frame, labels, { solver: 'newton' })).toThrow(/handles 2 classes/);
    expect(() => fitLogisticRegression(frame, labels, { solver: 'irls' as 'newton' })).toThrow(/solver must be/);
    expect(() =>
      fitLogisticRegression(
        frame,
        labels.map(() => 1),
      ),
    ).toThrow(/at least 2 classes/);
  });
});
