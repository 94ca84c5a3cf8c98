/**
 * The seed's two training examples on real data (Seattle weather from vega-datasets): each reads
 * the CSV with the pipeline API, trains in WASM, evaluates on held-out days, and its ONNX export
 * run by onnxruntime-web equals the trainer's predictions.
 */
import { describe, expect, it } from 'vitest';
import { linearRegressionExample } from '../../examples/linear-regression.js';
import { naiveBayesExample } from '../../examples/naive-bayes.js';

describe('examples/linear-regression and examples/naive-bayes', () => {
  it('linear regression: held-out R² > 0.85, ONNX = predict within 1e-3 °C', async () => {
    const r = await linearRegressionExample();
    expect(r.trainRows + r.testRows).toBe(1460);
    expect(r.report.metrics['r2']).toBeGreaterThan(0.85);
    expect(r.report.metrics['rmse']).toBeLessThan(3);
    expect(r.maxAbsDiff).toBeLessThan(1e-3);
    expect(r.report.toString()).toMatch(/rmse/);
  });

  it('naive Bayes: beats the majority baseline by 0.2, ONNX labels identical and probabilities within 1e-4', async () => {
    const r = await naiveBayesExample();
    expect(r.weatherNames).toEqual(['drizzle', 'fog', 'rain', 'snow', 'sun']);
    expect(r.report.metrics['accuracy']!).toBeGreaterThan(r.baselineAccuracy + 0.2);
    expect(r.labelMismatches).toBe(0);
    expect(r.maxProbaDiff).toBeLessThan(1e-4);
  });
});
