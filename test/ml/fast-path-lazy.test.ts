/**
 * A process that serves only fast-path models never loads onnxruntime-web: a pipeline with
 * runInference on a served linear model, hot-swapped twice and then to a softmax regression,
 * then (the check can fail) to a naive Bayes model, which the fast path does not take. Predictions are checked against plain float64 TS within
 * (F+3)·u·(Σ|xw| + |b|), u = 2⁻²⁴ (float32 inputs and weights, one rounding per output step).
 */
import { describe, expect, it } from 'vitest';
import { Pipeline, collect, create, run } from '../../src/index.js';
import { FastPathModelHandler, OnnxModelHandler, onnxRuntimeLoaded, runInference, servedModel, type PredictionResult } from '../../src/ml/infer/index.js';
import { gaussianNaiveBayesModel, linearRegressionModel, logisticRegressionModel } from '../../src/ml/onnx/index.js';
import { randomMatrix, seededRng } from '../../src/ml/testing/random-models.js';
import { SEED } from './train/data.js';

const F = 6;
const names = Array.from({ length: F }, (_, j) => `f${j}`);

describe(`fast path without onnxruntime-web (seed ${SEED})`, () => {
  it('serves and hot-swaps linear models in a pipeline without importing onnxruntime-web', async () => {
    const rng = seededRng(SEED);
    const handler = new FastPathModelHandler({ fallback: new OnnxModelHandler() });
    const versions = [0, 1, 2].map(() => ({ w: randomMatrix(rng, 1, F)[0]!.map(Math.fround), b: Math.fround(rng() - 0.5) }));
    const bytesOf = (v: (typeof versions)[number]): Uint8Array => linearRegressionModel({ weights: v.w, bias: v.b }, { featureNames: names });
    const model = servedModel(handler, bytesOf(versions[0]!), { id: 'v0' });
    const examples = Array.from({ length: 300 }, () => Array.from({ length: F }, () => Math.fround((rng() - 0.5) * 10)));
    for (const [k, v] of versions.entries()) {
      if (k > 0) await model.swap(bytesOf(v), { id: `v${k}` });
      const out = collect<PredictionResult<number[]>>();
      const p = new Pipeline();
      p.apply(create(examples))
        .apply(runInference<number[]>(model, { maxBatchSize: 64 }))
        .apply(out);
      expect((await run(p, { bundleSize: 100 })).deadLetterCount).toBe(0);
      out.values.forEach((r, i) => {
        const x = examples[i]!;
        const want = x.reduce((s, xj, j) => s + xj * v.w[j]!, v.b);
        const bound = (F + 3) * 2 ** -24 * x.reduce((s, xj, j) => s + Math.abs(xj * v.w[j]!), Math.abs(v.b));
        expect(r.modelId).toBe(`v${k}`);
        expect(Math.abs((r.inference['prediction']!.data[0] as number) - want)).toBeLessThanOrEqual(bound);
      });
    }
    await model.swap(logisticRegressionModel({ weights: randomMatrix(rng, 3, F), bias: [0, 1, 2] }, { featureNames: names }), { id: 'softmax' });
    expect(handler.fastLoads).toBe(4);
    expect(onnxRuntimeLoaded()).toBe(false);
    const means = randomMatrix(rng, 2, F);
    await model.swap(gaussianNaiveBayesModel({ means, variances: means.map((r) => r.map(() => 1)), priors: [0.4, 0.6] }, { featureNames: names }), { id: 'bayes' });
    expect(handler.fallbackLoads).toBe(1);
    expect(onnxRuntimeLoaded()).toBe(true);
    await model.close();
  });
});
