/**
 * Inference settings from a device profile: the runtime starts with the profile's inference
 * threads (read back from onnxruntime-web's own setting), predictions still equal plain TS, a
 * second thread count in the same process is refused with why, and batches are capped at the
 * profile's maxBatch. Vitest runs each file in its own process, so this file owns the runtime.
 */
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { onnxHandlerForDevice, runInferenceOptionsForDevice } from '../../src/config/inference-settings.js';
import { Pipeline, collect, create, run } from '../../src/index.js';
import { loadDeviceProfile, type DeviceProfile } from '../../src/config/device-profile.js';
import { onnxRuntimeLoaded, runInference, servedModel, type PredictionResult } from '../../src/ml/infer/index.js';
import { linearRegressionModel } from '../../src/ml/onnx/index.js';
import { randomMatrix, seededRng } from '../../src/ml/testing/random-models.js';
import { expectClose } from '../ml/compare.js';
import { SEED } from '../seed.js';

const F = 6;
const names = Array.from({ length: F }, (_, i) => `f${i}`);

describe(`inference settings from a device profile (seed ${SEED})`, () => {
  it('raspberry-pi-4: the runtime runs with its 2 inference threads, batches of at most 256, predictions equal plain TS', async () => {
    const profile = loadDeviceProfile('raspberry-pi-4');
    expect(profile.threads.inference).toBe(2);
    expect(onnxRuntimeLoaded()).toBe(false);
    const rng = seededRng(SEED);
    const weights = randomMatrix(rng, 1, F)[0]!;
    const bias = rng() - 0.5;
    const model = servedModel(onnxHandlerForDevice(profile), linearRegressionModel({ weights, bias }, { featureNames: names }), { id: 'lin' });
    const x = Array.from({ length: 600 }, () => Array.from({ length: F }, () => Math.fround((rng() - 0.5) * 8)));
    const out = collect<PredictionResult<number[]>>();
    const p = new Pipeline();
    p.apply(create(x))
      .apply(runInference<number[]>(model, runInferenceOptionsForDevice(profile)))
      .apply(out);
    const result = await run(p, { bundleSize: 1000 });
    expect(result.deadLetterCount).toBe(0);
    expect(ort.env.wasm.numThreads).toBe(2);
    const expected = x.map((row) => row.reduce((s, v, j) => s + v * weights[j]!, bias));
    expectClose(
      out.values.map((r) => r.inference['prediction']!.data[0] as number),
      expected,
      { abs: 1e-5, rel: 1e-4 },
      'predictions on 2 threads',
    );
    expect(model.metrics.snapshot().numBatches).toBe(3); // 256 + 256 + 88: the profile's maxBatch
    await model.close();
  });

  it('a second profile with another thread count in the same process is refused with why', async () => {
    const zero = loadDeviceProfile('raspberry-pi-zero-2w');
    expect(zero.threads.inference).toBe(1);
    const handler = onnxHandlerForDevice(zero);
    await expect(handler.load(linearRegressionModel({ weights: [1, 2], bias: 0 }))).rejects.toThrow(
      'numThreads 1 requested, but onnxruntime-web already runs with 2 in this process',
    );
  });

  it('options given alongside the profile are kept; the profile decides the batch cap', () => {
    const profile: DeviceProfile = { ...loadDeviceProfile('raspberry-pi-zero-2w'), inference: { maxBatch: 32 } };
    expect(runInferenceOptionsForDevice(profile, { maxBatchSize: 4096, featureNames: names })).toEqual({ maxBatchSize: 32, featureNames: names });
  });
});
