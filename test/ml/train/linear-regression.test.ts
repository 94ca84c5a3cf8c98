/**
 * OLS and ridge vs independent references on the same f32 data: Householder QR least squares
 * (plain TS, f64), ml-regression-multivariate-linear (SVD inverse), and a centred closed form
 * by Gaussian elimination for ridge. Coefficients agree to 1e-8 relative (QR, closed form) and
 * 1e-6 relative (ml-regression, which forms XᵀX uncentred); incremental = batch to 1e-10.
 */
import MLR from 'ml-regression-multivariate-linear';
import { describe, expect, it } from 'vitest';
import { NormalEquations, fitLinearRegression, linearRegression } from '../../../src/ml/train/index.js';
import { SEED, regressionData, rowsOf, seededRng, sliceFrame, frameFromRows } from './data.js';
import { lstsqQr, ridgeClosedForm } from './reference.js';

const rng = seededRng(SEED ^ 0x11);

function expectCoefs(what: string, got: readonly number[], want: readonly number[], rel: number): void {
  const scale = Math.max(1, ...want.map(Math.abs));
  got.forEach((g, i) => {
    if (!(Math.abs(g - want[i]!) <= rel * scale)) expect.fail(`${what}[${i}]: ${g} vs ${want[i]} (rel ${rel}, seed ${SEED})`);
  });
}

describe(`linear regression (seed ${SEED})`, () => {
  const { frame, y } = regressionData(rng, 2000, 6, 0.5);
  const rows = rowsOf(frame);

  it('OLS equals Householder QR least squares and ml-regression-multivariate-linear', () => {
    const model = fitLinearRegression(frame, y);
    const qr = lstsqQr(
      rows.map((r) => [...r, 1]),
      Array.from(y),
    );
    expectCoefs('OLS vs QR', [...model.params.weights, model.params.intercept], qr, 1e-8);
    const ml = new MLR(
      rows,
      Array.from(y, (v) => [v]),
      { statistics: false },
    );
    const mlCoefs = ml.weights.map((r) => r[0]!);
    expectCoefs('OLS vs ml-regression', [...model.params.weights, model.params.intercept], mlCoefs, 1e-6);
    // The bound is tight enough to fail: a tiny ridge moves the answer past it.
    const ridge = fitLinearRegression(frame, y, { l2: 50 });
    expect(() => expectCoefs('ridge vs QR', [...ridge.params.weights, ridge.params.intercept], qr, 1e-8)).toThrow();
  });

  it('ridge equals the centred closed form with an unpenalised intercept', () => {
    for (const l2 of [0.1, 10, 1000]) {
      const model = fitLinearRegression(frame, y, { l2 });
      const ref = ridgeClosedForm(rows, y, l2);
      expectCoefs(`ridge l2=${l2}`, [...model.params.weights, model.params.intercept], [...ref.weights, ref.intercept], 1e-8);
    }
  });

  it('without an intercept equals QR on the raw columns', () => {
    const model = fitLinearRegression(frame, y, { fitIntercept: false });
    expect(model.params.intercept).toBe(0);
    expectCoefs('no intercept', model.params.weights, lstsqQr(rows, Array.from(y)), 1e-8);
  });

  it('incremental updates over bundles and merged accumulators equal one batch fit', () => {
    const batch = fitLinearRegression(frame, y, { l2: 1 });
    const acc = new NormalEquations(frame.names);
    const cuts = [0, 1, 7, 300, 301, 1234, 2000];
    for (let i = 0; i + 1 < cuts.length; i++) acc.update(sliceFrame(frame, cuts[i]!, cuts[i + 1]!), y.subarray(cuts[i], cuts[i + 1]));
    const inc = acc.solve({ l2: 1 });
    expectCoefs('incremental', [...inc.params.weights, inc.params.intercept], [...batch.params.weights, batch.params.intercept], 1e-10);
    const a = new NormalEquations(frame.names).update(sliceFrame(frame, 0, 999), y.subarray(0, 999));
    const b = new NormalEquations(frame.names).update(sliceFrame(frame, 999, 2000), y.subarray(999));
    const merged = a.merge(b).solve({ l2: 1 });
    expectCoefs('merged', [...merged.params.weights, merged.params.intercept], [...batch.params.weights, batch.params.intercept], 1e-10);
    expect(acc.rows).toBe(2000);
  });

  it('predict equals x·w + b, and the trainer object fits the same model', () => {
    const model = linearRegression.fit(frame, y);
    const p = model.predict(frame);
    rows.slice(0, 50).forEach((r, i) => {
      const want = r.reduce((s, v, j) => s + v * model.params.weights[j]!, model.params.intercept);
      expect(Math.abs(p[i]! - want)).toBeLessThan(1e-9 * (1 + Math.abs(want)));
    });
  });

  it('rejects singular systems, bad options and mismatched frames with fixes in the message', () => {
    const dup = frameFromRows(
      Array.from({ length: 20 }, (_, i) => [i, 2 * i, Math.sin(i)]),
      ['a', 'b', 'c'],
    );
    const yy = Array.from({ length: 20 }, (_, i) => i);
    expect(() => fitLinearRegression(dup, yy)).toThrow(/singular at feature "b".*l2 > 0/);
    expect(fitLinearRegression(dup, yy, { l2: 1e-3 }).params.weights).toHaveLength(3);
    expect(() => fitLinearRegression(dup, yy, { l2: -1 })).toThrow(/l2 must be/);
    expect(() => fitLinearRegression(dup, yy.slice(1))).toThrow(/19 labels for 20 rows/);
    const model = fitLinearRegression(frame, y);
    expect(() => model.predict(dup)).toThrow(/differ from the model's features/);
    const bad = frameFromRows(
      [
        [1, NaN],
        [2, 3],
      ],
      ['p', 'q'],
    );
    expect(() => fitLinearRegression(bad, [1, 2])).toThrow(/feature "q" of row 0 is NaN/);
  });
});
