/**
 * runInference with `maxWaitMs`, where examples are held across steps in keyed bag state:
 * - a durable run stopped between steps while examples are held, then resumed (several times),
 *   writes exactly the outbox of an uninterrupted run, for one served model and for a model per
 *   key; every example is predicted once, equal to plain TS;
 * - keyed models with `maxWaitMs`: each key waits for its own `minBatchSize` or its own oldest
 *   example's `maxWaitMs` (virtual clock), and runs on its own model under an LRU cap.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, type Store, VirtualClock, collect, kv, writeOutbox, run, type KV } from '../../src/index.js';
import { OnnxModelHandler, inferenceValues, keyedModelHandler, runInference, servedModel, type PredictionResult } from '../../src/ml/infer/index.js';
import { linearRegressionModel } from '../../src/ml/onnx/index.js';
import { randomMatrix, seededRng } from '../../src/ml/testing/random-models.js';
import { readOutbox, runWithStops, testStream, timestamped } from '../../src/testing/index.js';
import { expectClose } from './compare.js';
import { SEED } from '../seed.js';

const TOL = { abs: 1e-5, rel: 1e-4 };
const F = 4;
const names = ['a', 'b', 'c', 'd'];
const KEYS = ['temp', 'humidity', 'pressure'];
const handler = new OnnxModelHandler();

/** A random linear model and its plain-TS twin. */
function randomLinear(rng: () => number) {
  const weights = randomMatrix(rng, 1, F)[0]!;
  const bias = rng() - 0.5;
  return { bytes: linearRegressionModel({ weights, bias }, { featureNames: names }), predict: (x: readonly number[]) => x.reduce((s, v, j) => s + v * weights[j]!, bias) };
}

const row = (rng: () => number): number[] => Array.from({ length: F }, () => Math.fround((rng() - 0.5) * 10));

type Event = { add: KV<string, number[]>[] } | { advance: number };

/** A random script: bursts of 0–5 readings (random keys) and processing-time advances of 10–80 ms. */
function script(rng: () => number, events: number): Event[] {
  return Array.from({ length: events }, () =>
    rng() < 0.6 ? { add: Array.from({ length: Math.floor(rng() * 6) }, () => kv(KEYS[Math.floor(rng() * KEYS.length)]!, row(rng))) } : { advance: 10 + Math.floor(rng() * 71) },
  );
}

function stream(events: readonly Event[]) {
  const s = testStream<KV<string, number[]>>();
  let t = 0;
  for (const e of events) {
    if ('add' in e) s.addElements(...e.add.map((r) => timestamped(r, (t += 1000))));
    else s.advanceProcessingTime(e.advance);
  }
  return s;
}

/** Examples waiting in batchElements' bag state in the database. */
function heldInStore(store: Store): number {
  const rows = store.db.prepare("SELECT value FROM state WHERE operator LIKE '%batchElements%'").all() as { value: string }[];
  return rows.reduce((n, r) => n + (r.value.match(/"timestamp":/g)?.length ?? 0), 0);
}

describe(`runInference with maxWaitMs (seed ${SEED})`, () => {
  for (const keyed of [false, true]) {
    it(`${keyed ? 'a model per key' : 'one served model'}: a durable run stopped while examples are held, then resumed, writes exactly the uninterrupted outbox`, async () => {
      const rng = seededRng(SEED + (keyed ? 1 : 0));
      const models = new Map(KEYS.map((k) => [k, randomLinear(rng)]));
      const events = script(rng, 80);
      const build = () => {
        const options = { minBatchSize: 6, maxWaitMs: 100 };
        const p = new Pipeline();
        const input = p.apply(stream(events));
        if (keyed) {
          const provider = keyedModelHandler(handler, { model: (key: string) => ({ bytes: models.get(key)!.bytes, options: { id: key } }), maxLoaded: 2 });
          input
            .apply(runInference<string, number[]>(provider, options))
            .map(({ key, value }) => ({ key, ...value }))
            .apply(writeOutbox());
          return { pipeline: p, close: () => provider.close() };
        }
        const provider = servedModel(handler, models.get('temp')!.bytes, { id: 'temp' });
        input
          .map(({ value }) => value)
          .apply(runInference<number[]>(provider, options))
          .apply(writeOutbox());
        return { pipeline: p, close: () => provider.close() };
      };
      const dir = mkdtempSync(join(tmpdir(), 'runnel-held-'));
      await runWithStops(join(dir, 'reference.db'), build, [], { clock: new VirtualClock(0) });
      // One clock for all runs of the job: it does not move while the job is down, so timers fire when they would have.
      const path = join(dir, 'resumed.db');
      let heldAtStop = 0;
      const stopAfter = Array.from({ length: 60 }, () => 1 + Math.floor(rng() * 12));
      const stops = await runWithStops(path, build, stopAfter, { clock: new VirtualClock(0), onStop: (store) => (heldAtStop += heldInStore(store)) });
      expect(stops).toBeGreaterThan(3);
      expect(heldAtStop).toBeGreaterThan(0); // the stops did find examples waiting
      const rows = readOutbox(path);
      expect(rows).toEqual(readOutbox(join(dir, 'reference.db')));

      // Every reading predicted once, by its key's model.
      const readings = events.flatMap((e) => ('add' in e ? e.add : []));
      const got = rows.map((r) => JSON.parse(r.payload) as { key?: string; example: number[]; inference: { prediction: { data: number[] } }; modelId: string });
      expect(got.map((g) => JSON.stringify(g.example)).sort()).toEqual(readings.map((r) => JSON.stringify(r.value)).sort());
      for (const g of got) {
        const key = keyed ? g.key! : 'temp';
        expect(g.modelId).toBe(key);
        expectClose(g.inference.prediction.data, [models.get(key)!.predict(g.example)], TOL, `reading ${g.example.join()}`);
      }
    });
  }

  it('keyed models: each key waits for its own minBatchSize or its own maxWaitMs, on its own model, at most 2 loaded', async () => {
    const rng = seededRng(SEED + 2);
    const models = new Map(KEYS.map((k) => [k, randomLinear(rng)]));
    const keyed = keyedModelHandler(handler, { model: (key: string) => ({ bytes: models.get(key)!.bytes, options: { id: key } }), maxLoaded: 2 });
    const clock = new VirtualClock(0);
    let t = 0;
    const at = (key: string) => timestamped(kv(key, row(rng)), (t += 10));
    const out = collect<KV<string, PredictionResult<number[]>>>();
    const p = new Pipeline();
    p.apply(
      testStream<KV<string, number[]>>()
        .addElements(at('temp'), at('temp'), at('temp'), at('humidity')) // now 0: temp 3 < 4, humidity 1: held
        .advanceProcessingTime(50) // 50: nothing due
        .addElements(at('temp'), at('pressure'), at('pressure')) // temp reaches 4: runs; pressure held since 50
        .advanceProcessingTime(60) // 110: humidity's oldest waited 110 ≥ 100: runs alone
        .addElements(at('humidity'), at('humidity'), at('humidity'), at('humidity')) // 4 new humidity: run at once
        .advanceProcessingTime(30) // 140: pressure has waited 90: still held
        .advanceProcessingTime(10), // 150: pressure has waited 100: runs
    )
      .apply(runInference<string, number[]>(keyed, { minBatchSize: 4, maxWaitMs: 100 }))
      .apply(out);
    const steps: string[] = [];
    let seen = 0;
    await run(p, {
      clock,
      onProgress: () => {
        steps.push(
          out.values
            .slice(seen)
            .map((r) => r.key)
            .join(','),
        );
        seen = out.values.length;
      },
    });
    expect(steps).toEqual(['', '', 'temp,temp,temp,temp', 'humidity', 'humidity,humidity,humidity,humidity', '', 'pressure,pressure']);
    for (const { key, value } of out.values) {
      expect(value.modelId).toBe(key);
      expectClose(inferenceValues(value.inference).prediction as number[], [models.get(key)!.predict(value.example)], TOL, `key ${key}`);
    }
    const metrics = keyed.metrics.snapshot();
    expect(metrics.numBatches).toBe(4); // one per release: a key's held examples run as one batch
    expect(metrics.numInferences).toBe(11);
    expect(keyed.loadedKeys.length).toBeLessThanOrEqual(2);
    await keyed.close();
    expect(keyed.metrics.snapshot().releasedModels).toBe(keyed.metrics.snapshot().modelLoads);
  });
});
