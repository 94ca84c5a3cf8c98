/**
 * Mini-batch k-means: recovers well-separated centres (within 0.1) with pure clusters, streaming
 * bundles reach the batch inertia within 2 %, the score grows with distance (anomaly baseline),
 * and the ONNX export's labels and distances equal predict/score.
 */
import { describe, expect, it } from 'vitest';
import { fitKMeans, kMeans, MiniBatchKMeans } from '../../../src/ml/train/index.js';
import { SEED, frameFromRows, gaussian, seededRng, sliceFrame } from './data.js';
import { expectOnnxMatches } from './onnx-check.js';
import { expectClose, runBoth } from '../runtimes.js';

const rng = seededRng(SEED ^ 0x66);
const truth = [[0, 0, 0], [10, 10, 0], [-10, 5, 5], [5, -10, 10]];

function data(n: number): { frame: ReturnType<typeof frameFromRows>; cluster: number[] } {
  const cluster: number[] = [];
  const rows = Array.from({ length: n }, () => {
    const c = Math.floor(rng() * truth.length);
    cluster.push(c);
    return truth[c]!.map((v) => v + gaussian(rng) * 0.7);
  });
  return { frame: frameFromRows(rows), cluster };
}

describe(`mini-batch k-means (seed ${SEED})`, () => {
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
    const probe = frameFromRows([[0, 0, 0], [30, 30, 30]]);
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
