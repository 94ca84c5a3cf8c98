/**
 * Logistic regression on real, unscaled data (UCI wine: features from ~1 to ~1,000; UCI digits:
 * 64 pixel counts, 10 classes) reaches the optimum of its documented objective
 * (1/n)·Σ log-loss + (λ/2)·‖W‖², λ = 1/n: coefficients within 1e-4 of an independent plain-TS
 * Newton solver with the full Hessian run to max |gradient| ≤ 1e-10; a λ 1.5× larger moves that
 * reference past the bound, so the comparison can fail. The three solvers fit the same model on
 * two classes at the same λ. A fit stopped short says so in `warnings`.
 */
import { describe, expect, it } from 'vitest';
import { evaluateModel } from '../../../src/ml/evaluate/index.js';
import { fitLogisticRegression, type LogisticRegressionModel } from '../../../src/ml/train/index.js';
import { frameFromRows, rowsOf } from './data.js';
import { digits, wine, type Dataset } from './datasets.js';
import { softmaxNewton } from './softmax-newton.js';

/** The model's rows [w…, b], intercepts centred as the reference centres them. */
function rowsOfModel(model: LogisticRegressionModel): number[][] {
  const { weights, intercepts } = model.params;
  const shift = intercepts.length > 1 ? intercepts.reduce((a, b) => a + b, 0) / intercepts.length : 0;
  return weights.map((w, c) => [...w, intercepts[c]! - shift]);
}

function maxDiff(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, c) => row.map((v, j) => Math.abs(v - b[c]![j]!))));
}

function expectOptimal(data: Dataset, model: LogisticRegressionModel, warmStart: boolean): void {
  const { frame, labels, classes } = data;
  const l2 = 1 / frame.rows;
  expect(model.params.converged, model.warnings.join()).toBe(true);
  expect(model.warnings).toEqual([]);
  const got = rowsOfModel(model);
  const start = warmStart ? got : undefined;
  expect(maxDiff(got, softmaxNewton(rowsOf(frame), labels, classes, l2, { start }))).toBeLessThanOrEqual(1e-4);
  expect(maxDiff(got, softmaxNewton(rowsOf(frame), labels, classes, 1.5 * l2, { start }))).toBeGreaterThan(1e-4);
}

/** Wine's first two cultivars, raw: a binary problem on badly scaled features. */
function wineTwoClasses(): Dataset {
  const { frame, labels } = wine();
  const keep = labels.flatMap((c, i) => (c < 2 ? [i] : []));
  const rows = rowsOf(frame);
  return {
    frame: frameFromRows(
      keep.map((i) => rows[i]!),
      frame.names,
    ),
    labels: keep.map((i) => labels[i]!),
    classes: 2,
  };
}

describe('logistic regression on real unscaled data', () => {
  it('multinomial on raw wine reaches the optimum (Newton-CG, the default for k > 2)', () => {
    const data = wine();
    const model = fitLogisticRegression(data.frame, data.labels);
    expect(model.params.solver).toBe('newton-cg');
    expectOptimal(data, model, false);
  });

  it('multinomial on digits (64 features, 10 classes) reaches the optimum', () => {
    const data = digits();
    const model = fitLogisticRegression(data.frame, data.labels);
    // Warm-started at the fit only to save the reference's iterations (see softmaxNewton).
    expectOptimal(data, model, true);
  });

  it('newton, newton-cg and lbfgs fit the same model on two classes at the same l2', () => {
    const data = wineTwoClasses();
    const l2 = 0.01;
    const fits = (['newton', 'newton-cg', 'lbfgs'] as const).map((solver) => fitLogisticRegression(data.frame, data.labels, { solver, l2, maxIter: 5000 }));
    for (const f of fits) expect(f.params.converged, `${f.params.solver}: ${f.warnings.join()}`).toBe(true);
    // Reference: the 2-row softmax with each row penalised 2λ is the binary objective in w = W₁ − W₀.
    const [w0, w1] = softmaxNewton(rowsOf(data.frame), data.labels, 2, 2 * l2) as [number[], number[]];
    const want = [w1.map((v, j) => v - w0[j]!)];
    for (const f of fits) expect(maxDiff(rowsOfModel(f), want), f.params.solver).toBeLessThanOrEqual(1e-4);
    const halfPenalty = softmaxNewton(rowsOf(data.frame), data.labels, 2, l2) as [number[], number[]];
    expect(maxDiff(rowsOfModel(fits[2]!), [halfPenalty[1].map((v, j) => v - halfPenalty[0][j]!)])).toBeGreaterThan(1e-4);
  });

  it('a fit that stops short of the optimum says so in warnings', () => {
    const { frame, labels } = digits();
    for (const solver of ['lbfgs', 'newton-cg'] as const) {
      const model = fitLogisticRegression(frame, labels, { solver, maxIter: 3 });
      expect(model.params.converged).toBe(false);
      expect(model.warnings).toHaveLength(1);
      expect(model.warnings[0]).toMatch(new RegExp(`\\(${solver}\\) reached maxIter \\(3\\) before converging: max \\|gradient\\| .* > tol`));
      expect(evaluateModel(model, frame, labels).toString().split('\n')[1]).toBe(`warning: ${model.warnings[0]}`);
    }
  });
});
