/**
 * `wrapModelHandler`: pre- and post-processing around the stock ONNX handler, in a pipeline. A
 * tabular model gets an output added by `after`; the fixed-batch-1 wake-word head gets its input
 * scaled by `before` and a `detected` flag by `after`, equal to onnxruntime-node on the scaled input.
 */
import { describe, expect, it } from 'vitest';
import { Pipeline, collect, create, run } from '../../../src/index.js';
import { seededRandom } from '../../../src/common/random.js';
import { OnnxModelHandler, runInference, servedModel, tensor, wrapModelHandler, type PredictionResult, type Tensor } from '../../../src/ml/infer/index.js';
import { linearRegressionModel } from '../../../src/ml/onnx/index.js';
import { SEED } from '../../seed.js';
import { maxDiff, modelBytes, noise, nodeRun } from './real-models.js';

describe(`wrapModelHandler (seed ${SEED})`, () => {
  it('after adds an output to a tabular model; rows still take the frame path', async () => {
    const doubled = wrapModelHandler(new OnnxModelHandler(), {
      after: (out) => ({
        ...out,
        doubled: tensor(
          'float32',
          (out['prediction']!.data as Float32Array).map((v) => 2 * v),
          out['prediction']!.dims,
        ),
      }),
    });
    const model = servedModel(doubled, linearRegressionModel({ weights: [1, -2], bias: 0.5 }, { featureNames: ['a', 'b'] }));
    const out = collect<PredictionResult<number[]>>();
    const p = new Pipeline();
    p.apply(
      create([
        [1, 1],
        [3, 0.5],
        [0, 0],
      ]),
    )
      .apply(runInference<number[]>(model))
      .apply(out);
    expect((await run(p)).deadLetterCount).toBe(0);
    expect(out.values.map((r) => [r.inference['prediction']!.data[0], r.inference['doubled']!.data[0]])).toEqual([
      [-0.5, -1],
      [2.5, 5],
      [0.5, 1],
    ]);
    await model.close();
  });

  it('before and after around a fixed-batch-1 model, equal to onnxruntime-node on the scaled input', async () => {
    const rng = seededRandom(SEED + 3);
    const windows = Array.from({ length: 3 }, () => tensor('float32', noise(rng, 16 * 96, 2), [16, 96]));
    const handler = wrapModelHandler(new OnnxModelHandler(), {
      before: (feeds) => ({
        'x.1': tensor(
          'float32',
          (feeds['x.1']!.data as Float32Array).map((v) => v * 0.5),
          feeds['x.1']!.dims,
        ),
      }),
      after: (out) => ({
        ...out,
        detected: tensor(
          'bool',
          Array.from(out['53']!.data as Float32Array, (p) => p > 0.5),
          out['53']!.dims,
        ),
      }),
    });
    const head = servedModel(handler, modelBytes('heyJarvis'), { id: 'hey_jarvis' });
    const out = collect<PredictionResult<Tensor>>();
    const p = new Pipeline();
    p.apply(create(windows)).apply(runInference<Tensor>(head)).apply(out);
    const result = await run(p);
    expect(result.deadLetters.map((d) => d.reason)).toEqual([]);
    expect(out.values).toHaveLength(3);
    for (const r of out.values) {
      const scaled = (r.example.data as Float32Array).map((v) => v * 0.5);
      const want = await nodeRun('heyJarvis', { 'x.1': tensor('float32', scaled, [1, 16, 96]) });
      expect(maxDiff(r.inference['53']!.data as Float32Array, want['53']!.data)).toBeLessThanOrEqual(1e-4);
      expect(r.inference['detected']!.type).toBe('bool');
      expect(r.inference['detected']!.data[0]).toBe(want['53']!.data[0]! > 0.5 ? 1 : 0);
    }
    await head.close();
  });
});
