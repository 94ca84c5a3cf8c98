/**
 * runStatefulInference with the torch-style GRU: each sensor's hidden state feeds its next call,
 * equal to a plain-TS GRU stepped per sensor; a durable run stopped and resumed several times
 * gives the same outbox as an uninterrupted run (the state is committed per step).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, Store, collect, kv, writeOutbox, run, type KV } from '../../src/index.js';
import { OnnxModelHandler, runStatefulInference, servedModel, type PredictionResult } from '../../src/ml/infer/index.js';
import { torchGruModel } from '../../src/ml/onnx/index.js';
import { randomMatrix, seededRng } from '../../src/ml/testing/random-models.js';
import { readOutbox, testStream, timestamped } from '../../src/testing/index.js';
import { expectClose } from './compare.js';
import * as ref from './reference.js';
import { SEED } from '../seed.js';

const F = 3,
  H = 6,
  O = 2;
const STATE = { abs: 1e-4, rel: 1e-3 };

function setup(seed: number) {
  const rng = seededRng(seed);
  const params = {
    weightIh: randomMatrix(rng, 3 * H, F, 0.4),
    weightHh: randomMatrix(rng, 3 * H, H, 0.4),
    biasIh: randomMatrix(rng, 1, 3 * H, 0.2)[0]!,
    biasHh: randomMatrix(rng, 1, 3 * H, 0.2)[0]!,
    fcWeight: randomMatrix(rng, O, H),
    fcBias: [0.1, -0.3],
  };
  const sensors = ['s1', 's2', 's3'];
  // 40 readings; sensors appear unevenly, several times per step.
  const readings = Array.from({ length: 40 }, () => kv(sensors[Math.floor(rng() * 3)]!, randomMatrix(rng, 1, F)[0]!.map(Math.fround)));
  return { params, bytes: torchGruModel(params), readings };
}

function stream(readings: KV<string, number[]>[], perStep: number) {
  const s = testStream<KV<string, number[]>>();
  for (let i = 0; i < readings.length; i += perStep) s.addElements(...readings.slice(i, i + perStep).map((r, j) => timestamped(r, (i + j) * 1000)));
  return s;
}

describe(`runStatefulInference (seed ${SEED})`, () => {
  it("carries each key's GRU state across calls and bundles, equal to a plain-TS GRU per key", async () => {
    const { params, bytes, readings } = setup(SEED);
    const model = servedModel(new OnnxModelHandler(), bytes, { id: 'gru' });
    const out = collect<KV<string, PredictionResult<number[]>>>();
    const p = new Pipeline();
    p.apply(stream(readings, 7))
      .apply(runStatefulInference<string, number[]>(model, { state: { h0: 'hn' } }))
      .apply(out);
    const result = await run(p);
    expect(result.deadLetterCount).toBe(0);
    const h = new Map<string, number[][]>();
    const expected = readings.map(({ key, value }) => {
      const [y, hn] = ref.gruStep(params, [value], h.get(key) ?? [new Array<number>(H).fill(0)]);
      h.set(key, hn);
      return y[0]!;
    });
    // Outputs come key-round by key-round within a bundle: compare by example.
    const byExample = new Map(out.values.map((r) => [`${r.key}:${r.value.example.join()}`, r.value]));
    expect(out.values).toHaveLength(40);
    readings.forEach(({ key, value }, i) => {
      const r = byExample.get(`${key}:${value.join()}`)!;
      expect(Object.keys(r.inference)).toEqual(['output']); // the state output is not in the result
      expectClose(r.inference['output']!.data as Float32Array, expected[i]!, STATE, `reading ${i} (${key})`);
    });
    await model.close();
  });

  it('a durable run stopped and resumed 4 times gives the same outbox as an uninterrupted run', async () => {
    const { bytes, readings } = setup(SEED + 1);
    const build = () => {
      const model = servedModel(new OnnxModelHandler(), bytes, { id: 'gru' });
      const p = new Pipeline();
      p.apply(stream(readings, 3))
        .apply(runStatefulInference<string, number[]>(model, { state: { h0: 'hn' } }))
        .map(({ key, value }) => ({ key, output: value.inference['output'] }))
        .apply(writeOutbox());
      return { p, model };
    };
    const dir = mkdtempSync(join(tmpdir(), 'runnel-rnn-'));
    const reference = Store.open(join(dir, 'ref.db'));
    const whole = build();
    await run(whole.p, { store: reference });
    await whole.model.close();
    reference.close();
    const path = join(dir, 'resumed.db');
    for (const stopAfter of [2, 5, 3, 4, 1000]) {
      const store = Store.open(path);
      const controller = new AbortController();
      let steps = 0;
      const job = build();
      await run(job.p, { store, signal: controller.signal, onProgress: () => ++steps >= stopAfter && controller.abort() });
      await job.model.close();
      store.close();
    }
    const expected = readOutbox(join(dir, 'ref.db'));
    expect(expected).toHaveLength(40);
    expect(readOutbox(path)).toEqual(expected);
  });
});
