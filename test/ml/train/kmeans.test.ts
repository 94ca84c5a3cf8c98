/**
 * k-means: on scikit-learn's digits (1797 × 64, k = 10) the fit lands within 1 % of the best of 10
 * plain-TS Lloyd restarts; it recovers well-separated centres (within 0.1) with pure clusters,
 * streaming bundles reach the batch inertia within 2 %, the mini-batch fit's final full pass never
 * raises the inertia, exponentially weighted counts follow a drifting stream, empty clusters and
 * the iteration cap are handled, the score grows with distance (anomaly baseline), and the ONNX
 * export's labels and distances equal predict/score.
 */
import { describe, expect, it } from 'vitest';
import { fitKMeans, kMeans, MiniBatchKMeans } from '../../../src/ml/train/index.js';
import { SEED, frameFromRows, gaussian, rowsOf, seededRng, sliceFrame } from './data.js';
import { digits } from './datasets.js';
import { kMeansReference } from './reference.js';
import { expectOnnxMatches } from './onnx-check.js';
import { expectClose, runBoth } from '../runtimes.js';

const rng = seededRng(SEED ^ 0x66);
const truth = [
  [0, 0, 0],
  [10, 10, 0],
  [-10, 5, 5],
  [5, -10, 10],
];

function data(n: number): { frame: ReturnType<typeof frameFromRows>; cluster: number[] } {
  const cluster: number[] = [];
  const rows = Array.from({ length: n }, () => {
    const c = Math.floor(rng() * truth.length);
    cluster.push(c);
    return truth[c]!.map((v) => v + gaussian(rng) * 0.7);
  });
  return { frame: frameFromRows(rows), cluster };
}

describe(`k-means (seed ${SEED})`, () => {
  it('lands within 1 % of the best of 10 Lloyd restarts on digits (k = 10)', () => {
    const { frame } = digits();
    const rows = rowsOf(frame);
    const model = fitKMeans(frame, null, { k: 10, seed: SEED });
    const ref = kMeansReference(rows, 10, 10, seededRng(SEED ^ 0xd1617));
    expect(model.params.inertia / ref.inertia).toBeLessThan(1.01);
    expect(model.params).toMatchObject({ algorithm: 'lloyd', converged: true, restarts: 10 });
    expect(model.warnings).toEqual([]);
    const score = model.score(frame).reduce((a, b) => a + b, 0);
    expect(Math.abs(score / model.params.inertia - 1)).toBeLessThan(1e-12);
    expect(model.params.counts.reduce((a, b) => a + b, 0)).toBe(1797);
  });

  it('warns in words when Lloyd stops at maxIter', () => {
    const { frame } = digits();
    const model = fitKMeans(frame, null, { k: 10, seed: SEED, nInit: 1, maxIter: 2 });
    expect(model.params).toMatchObject({ algorithm: 'lloyd', converged: false, iterations: 2 });
    expect(model.warnings).toHaveLength(1);
    expect(model.warnings[0]).toMatch(/maxIter = 2 .*still moving.*Raise maxIter/);
  });

  it('the mini-batch fit ends with a full pass that never raises the inertia', () => {
    const { frame } = digits();
    const options = { k: 10, seed: SEED, maxLloydWork: 0, epochs: 3, batchSize: 256 };
    const model = fitKMeans(frame, null, options);
    const km = new MiniBatchKMeans(frame.names, options);
    for (let e = 0; e < 3; e++) km.partialFit(frame);
    expect(model.params).toMatchObject({ algorithm: 'minibatch', converged: null, iterations: 3 * Math.ceil(1797 / 256) });
    expect(model.params.inertia).toBeLessThanOrEqual(km.model(frame).params.inertia);
  });

  it('exponentially weighted counts follow a stream whose mean moves', () => {
    const stream = new MiniBatchKMeans(['x0', 'x1'], { k: 1, seed: SEED, batchSize: 256, window: 2048 });
    const bundle = (mean: number) => frameFromRows(Array.from({ length: 1000 }, () => [mean + gaussian(rng), mean + gaussian(rng)]));
    for (let b = 0; b < 20; b++) stream.partialFit(bundle(0));
    for (let b = 0; b < 20; b++) stream.partialFit(bundle(5));
    for (const v of stream.model().params.centers[0]!) expect(Math.abs(v - 5)).toBeLessThan(0.1);
  });

  it('keeps k clusters when there are fewer distinct rows than k', () => {
    const frame = frameFromRows(Array.from({ length: 30 }, (_, i) => [i % 3, 2 * (i % 3)]));
    const model = fitKMeans(frame, null, { k: 5, seed: SEED });
    expect(model.params.centers.flat().every(Number.isFinite)).toBe(true);
    expect(model.params.inertia).toBe(0);
    expect(model.params.converged).toBe(true);
  });

  it('recovers separated centres with pure clusters', () => {
    const { frame, cluster } = data(4000);
    const model = kMeans.fit(frame, null, { k: 4, seed: 3, batchSize: 256 });
    for (const t of truth) {
      const nearest = Math.min(...model.params.centers.map((c) => Math.hypot(...c.map((v, j) => v - t[j]!))));
      expect(nearest).toBeLessThan(0.1);
    }
    const pred = model.predict(frame);
    for (let c = 0; c < truth.length; c++) expect(new Set(cluster.flatMap((t, i) => (t === c ? [pred[i]] : []))).size).toBe(1);
  });

  it('streaming bundles reach the batch inertia; the score flags far points', () => {
    const { frame } = data(4000);
    const batch = fitKMeans(frame, null, { k: 4, seed: 1 });
    const stream = new MiniBatchKMeans(frame.names, { k: 4, seed: 1 });
    for (let e = 0; e < 3; e++) for (let s = 0; s < 4000; s += 500) stream.partialFit(sliceFrame(frame, s, s + 500));
    const inc = stream.model(frame);
    expect(Math.abs(inc.params.inertia / batch.params.inertia - 1)).toBeLessThan(0.02);
    const probe = frameFromRows([
      [0, 0, 0],
      [30, 30, 30],
    ]);
    const [near, far] = batch.score(probe);
    expect(far!).toBeGreaterThan(100 * near!);
  });

  it('ONNX labels and distances equal predict and score', async () => {
    const { frame } = data(300);
    const model = fitKMeans(frame, null, { k: 4, seed: 2 });
    await expectOnnxMatches(model, frame);
    const { web } = await runBoth(model.toOnnx(), { features: { data: frame.view, dims: [300, 3] } });
    const dist = web['distances']!.data as Float32Array;
    const best = Array.from({ length: 300 }, (_, i) => Math.min(...dist.subarray(4 * i, 4 * i + 4)));
    expectClose(best, model.score(frame), { abs: 1e-4, rel: 1e-4 }, 'nearest distance');
  });
});
