/**
 * runInference in pipelines: batch sizes 1, 7, 1024 give the same results as a plain-TS linear
 * model and the bare handler; bad examples become dead letters naming the mismatch; maxWait on a
 * virtual clock; a model per key with an LRU cap; hot swap under load with corrupt versions.
 */
import { describe, expect, it } from 'vitest';
import { Pipeline, RunnelError, VirtualClock, collect, create, kv, run, type KV } from '../../src/index.js';
import { OnnxModelHandler, keyedModelHandler, runInference, servedModel, type FrameModel, type PredictionResult } from '../../src/ml/infer/index.js';
import { linearRegressionModel } from '../../src/ml/onnx/index.js';
import { randomMatrix, seededRng } from '../../src/ml/testing/random-models.js';
import { testStream } from '../../src/testing/index.js';
import { expectClose } from './compare.js';
import { SEED } from '../seed.js';

const TOL = { abs: 1e-5, rel: 1e-4 };
const F = 4;
const names = ['a', 'b', 'c', 'd'];
const handler = new OnnxModelHandler();

/** A random linear model and its plain-TS twin. */
function randomLinear(rng: () => number, id: string) {
  const weights = randomMatrix(rng, 1, F)[0]!;
  const bias = rng() - 0.5;
  return { id, bytes: linearRegressionModel({ weights, bias }, { featureNames: names }), predict: (x: readonly number[]) => x.reduce((s, v, j) => s + v * weights[j]!, bias) };
}

const rows = (rng: () => number, n: number): number[][] => Array.from({ length: n }, () => Array.from({ length: F }, () => Math.fround((rng() - 0.5) * 10)));
const prediction = (r: PredictionResult<unknown>): number => r.inference['prediction']!.data[0] as number;

describe(`runInference (seed ${SEED})`, () => {
  it('batch sizes 1, 7 and 1024 give identical results, equal to plain TS and to the bare handler', async () => {
    const rng = seededRng(SEED);
    const m = randomLinear(rng, 'lin');
    const examples = rows(rng, 300);
    const outputs: number[][] = [];
    for (const maxBatchSize of [1, 7, 1024]) {
      const model = servedModel(handler, m.bytes, { id: 'lin' });
      const out = collect<PredictionResult<number[]>>();
      const p = new Pipeline();
      p.apply(create(examples)).apply(runInference<number[]>(model, { maxBatchSize })).apply(out);
      const result = await run(p, { bundleSize: 100 });
      expect(result.deadLetterCount).toBe(0);
      expect(out.values.map((r) => r.example)).toEqual(examples);
      expect(new Set(out.values.map((r) => r.modelId))).toEqual(new Set(['lin']));
      outputs.push(out.values.map(prediction));
      const metrics = model.metrics.snapshot();
      expect(metrics.numInferences).toBe(300);
      expect(metrics.numBatches).toBe(3 * Math.ceil(100 / maxBatchSize)); // batches never cross a bundle
      expect(metrics.modelLoads).toBe(1);
      expect(metrics.modelByteSize).toBe(m.bytes.byteLength);
      expect(metrics.batchLatencyP99Ms).toBeGreaterThanOrEqual(metrics.batchLatencyP50Ms);
      await model.close();
      expect(model.metrics.snapshot().releasedModels).toBe(1);
    }
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
    expectClose(outputs[0]!, examples.map(m.predict), TOL, 'runInference vs plain TS');
    const bare = await handler.load(m.bytes);
    const direct = await bare.run({ view: Float32Array.from(examples.flat()), rows: 300, cols: F, names });
    expect(outputs[0]).toEqual(Array.from(direct['prediction']!.data as Float32Array));
    await bare.release();
  });

  it('bad examples become dead letters naming the mismatch; the rest are served', async () => {
    const rng = seededRng(SEED + 1);
    const m = randomLinear(rng, 'lin');
    const model = servedModel(handler, m.bytes, { id: 'lin' });
    const good = rows(rng, 3);
    const input: unknown[] = [good[0], [1, 2, 3], { a: 1, b: 2, c: 3, e: 4 }, { a: good[1]![0], b: good[1]![1], c: good[1]![2], d: good[1]![3] }, [1, NaN, 3, 4], 'text', good[2]];
    const out = collect<PredictionResult<unknown>>();
    const p = new Pipeline();
    p.apply(create(input as number[][]))
      .apply(runInference<number[]>(model))
      .apply(out); // junk on purpose
    const result = await run(p);
    expectClose(out.values.map(prediction), good.map(m.predict), TOL, 'served examples');
    expect(result.deadLetters.map((d) => d.reason)).toEqual([
      'example has 3 values; model "lin" takes 4 features ("a", "b", "c", "d")',
      'example\'s features do not match model "lin": missing "d"; unexpected "e" (the model takes "a", "b", "c", "d")',
      'NaN in feature "b"; model "lin" rejects NaN inputs (its NaN policy is "reject")',
      'example is string; give an array of numbers or a record of numbers by feature name',
    ]);
    expect(result.deadLetters[0]!.payload).toEqual([1, 2, 3]);
    expect(model.metrics.snapshot().failedExamples).toBe(4);
    await model.close();
  });

  it('a model that does not load: every example is a dead letter saying why', async () => {
    const model = servedModel(handler, new Uint8Array([8, 1, 18, 3, 1, 2]), { id: 'broken' });
    const p = new Pipeline();
    p.apply(create([[1, 2, 3, 4]])).apply(runInference<number[]>(model));
    const result = await run(p);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]!.reason).toMatch(/^no model to run: model "broken" \(6 bytes\) rejected: /);
    expect(model.metrics.snapshot().failedLoads).toBe(1);
  });

  it('a kernels file that cannot load fails the run instead of dead-lettering every example', async () => {
    const missing = new RunnelError('KERNELS_MISSING', 'cannot load the WebAssembly kernels: /nowhere/kernels.wasm: no such file');
    const model = servedModel<{ id?: string }, FrameModel>({ load: () => Promise.reject(missing) }, new Uint8Array([1]), { id: 'needs-kernels' });
    const deadLetters: unknown[] = [];
    const p = new Pipeline();
    p.apply(
      create([
        [1, 2, 3, 4],
        [5, 6, 7, 8],
      ]),
    ).apply(runInference<number[]>(model));
    await expect(run(p, { onDeadLetter: (d) => deadLetters.push(d) })).rejects.toBe(missing);
    expect(deadLetters).toEqual([]);
  });

  it('maxWaitMs on a virtual clock: examples wait for minBatchSize or maxWaitMs, then run with their own timestamps', async () => {
    const rng = seededRng(SEED + 2);
    const m = randomLinear(rng, 'lin');
    const model = servedModel(handler, m.bytes, { id: 'lin' });
    const clock = new VirtualClock(0);
    const x = rows(rng, 15);
    const at = (i: number) => ({ value: x[i]!, timestamp: 1000 + i });
    const out = collect<PredictionResult<number[]>>();
    const p = new Pipeline();
    p.apply(
      testStream<number[]>()
        .addElements(at(0), at(1), at(2)) // step 1: held (3 < 10)
        .advanceProcessingTime(50) // step 2: 50 ms, still held
        .addElements(at(3), at(4)) // step 3: held; the oldest waited 50 ms
        .advanceProcessingTime(60) // step 4: 110 ms ≥ 100: all 5 run
        .addElements(...[5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map(at)), // step 5: 10 ≥ minBatchSize: run at once
    )
      .apply(runInference<number[]>(model, { minBatchSize: 10, maxWaitMs: 100 }))
      .apply(out);
    const seen: number[] = [];
    await run(p, { clock, onProgress: () => seen.push(out.values.length) });
    expect(seen).toEqual([0, 0, 0, 5, 15]);
    expectClose(out.values.map(prediction), x.map(m.predict), TOL, 'held examples');
    expect(model.metrics.snapshot().numBatches).toBe(2);
    await model.close();
  });

  it('held examples are flushed when bounded input ends', async () => {
    const rng = seededRng(SEED + 3);
    const m = randomLinear(rng, 'lin');
    const model = servedModel(handler, m.bytes, { id: 'lin' });
    const out = collect<PredictionResult<number[]>>();
    const p = new Pipeline();
    const x = rows(rng, 7);
    p.apply(create(x))
      .apply(runInference<number[]>(model, { minBatchSize: 100, maxWaitMs: 60_000 }))
      .apply(out);
    await run(p, { bundleSize: 3 });
    expectClose(out.values.map(prediction), x.map(m.predict), TOL, 'flushed at end');
    await model.close();
  });

  it('keyed: true on a served model: results carry their key, keys share batches, in-bundle and held alike', async () => {
    const rng = seededRng(SEED + 5);
    const m = randomLinear(rng, 'lin');
    const keys = ['s1', 's2', 's3'];
    const x = rows(rng, 60);
    const input = x.map((row, i) => kv(keys[i % 3]!, Object.fromEntries(names.map((n, j) => [n, row[j]!]))));
    for (const options of [{ maxBatchSize: 64 }, { maxBatchSize: 64, minBatchSize: 30, maxWaitMs: 60_000 }]) {
      const model = servedModel(handler, m.bytes, { id: 'lin' });
      const out = collect<KV<string, PredictionResult<Record<string, number>>>>();
      const p = new Pipeline();
      p.apply(create([...input, 'not keyed' as unknown as (typeof input)[number]]))
        .apply(runInference<string, Record<string, number>>(model, { ...options, keyed: true }))
        .apply(out);
      const result = await run(p, { bundleSize: 20 });
      expect(result.deadLetters.map((d) => d.reason)).toEqual(['runInference with keyed: true needs { key, value } elements (apply withKeys first)']);
      const byExample = new Map(out.values.map((r) => [r.value.example, r]));
      expect(out.values).toHaveLength(60);
      input.forEach((e, i) => expect(byExample.get(e.value)?.key, `example ${i}`).toBe(e.key));
      expectClose(
        input.map((e) => prediction(byExample.get(e.value)!.value)),
        x.map(m.predict),
        TOL,
        `keyed ${JSON.stringify(options)}`,
      );
      // One batch per bundle of 20 (or per 30 held examples), not one per key and bundle (9).
      expect(model.metrics.snapshot().numBatches).toBe(options.maxWaitMs === undefined ? 3 : 2);
      await model.close();
    }
  });

  it('keyedModelHandler: each key runs on its own model, at most maxLoaded sessions, evicted ones released', async () => {
    const rng = seededRng(SEED + 4);
    const models = new Map(['temp', 'humidity', 'pressure'].map((k) => [k, randomLinear(rng, k)]));
    const keyed = keyedModelHandler(handler, { model: (key: string) => ({ bytes: models.get(key)!.bytes, options: { id: key } }), maxLoaded: 2 });
    const x = rows(rng, 60);
    const input = x.map((row, i) => kv(['temp', 'humidity', 'pressure'][i % 3]!, row));
    const out = collect<KV<string, PredictionResult<number[]>>>();
    const p = new Pipeline();
    p.apply(create(input))
      .apply(runInference<string, number[]>(keyed, { maxBatchSize: 4 }))
      .apply(out);
    await run(p, { bundleSize: 10 });
    expect(out.values).toHaveLength(60);
    for (const { key, value } of out.values) {
      expect(value.modelId).toBe(key);
      expectClose([prediction(value)], [models.get(key)!.predict(value.example)], TOL, `key ${key}`);
    }
    expect(keyed.loadedKeys.length).toBeLessThanOrEqual(2);
    const metrics = keyed.metrics.snapshot();
    expect(metrics.modelLoads).toBeGreaterThan(3); // 3 keys through 2 slots: evicted keys load again
    await keyed.close();
    expect(keyed.metrics.snapshot().releasedModels).toBe(keyed.metrics.snapshot().modelLoads);
  });

  it('hot swap under load: every example served once, by a fully loaded version; corrupt versions rejected, old ones released', async () => {
    const rng = seededRng(SEED + 5);
    const versions = Array.from({ length: 12 }, (_, v) => randomLinear(rng, `v${v}`));
    const byId = new Map(versions.map((v) => [v.id, v]));
    const model = servedModel(handler, versions[0]!.bytes, { id: 'v0' });
    const x = rows(rng, 3000);
    const out = collect<PredictionResult<number[]>>();
    const p = new Pipeline();
    p.apply(create(x))
      .apply(runInference<number[]>(model, { maxBatchSize: 16 }))
      .apply(out);
    const swaps: Promise<unknown>[] = [];
    const rejected: string[] = [];
    let step = 0;
    await run(p, {
      bundleSize: 20,
      onProgress: () => {
        step++;
        if (step % 12 === 0 && step / 12 < versions.length) swaps.push(model.swap(versions[step / 12]!.bytes, { id: `v${step / 12}` }));
        if (step % 12 === 6) {
          const corrupt = versions[1]!.bytes.slice(0, 40);
          swaps.push(model.swap(corrupt, { id: `corrupt@${step}` }).catch((e: Error & { code?: string }) => rejected.push(`${e.code}`)));
        }
      },
    });
    await Promise.all(swaps);
    expect(out.values).toHaveLength(3000);
    expect(out.values.map((r) => r.example)).toEqual(x);
    const served = out.values.map((r) => r.modelId);
    expect(served.every((id) => byId.has(id))).toBe(true);
    const order = served.map((id) => Number(id.slice(1)));
    expect(order.every((v, i) => i === 0 || v >= order[i - 1]!)).toBe(true); // versions only move forward
    expect(new Set(served).size).toBeGreaterThan(5);
    for (const r of out.values) expectClose([prediction(r)], [byId.get(r.modelId)!.predict(r.example)], TOL, `served by ${r.modelId}`);
    expect(rejected.length).toBeGreaterThan(5);
    expect(new Set(rejected)).toEqual(new Set(['MODEL_REJECTED']));
    await model.close();
    const m = model.metrics.snapshot();
    expect(m.failedLoads).toBe(rejected.length);
    expect(m.releasedModels).toBe(m.modelLoads); // every session released
  });
});
