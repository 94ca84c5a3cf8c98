/**
 * Real exported models through `runInference` / `runStatefulInference` in pipelines, against
 * onnxruntime-node on the same inputs (fresh random inputs per seed; |Δ| ≤ 1e-4): a recurrent
 * PyTorch model with an int64 constant and state (two Silero VAD versions, state on the middle
 * axis), a PyTorch feature extractor batched over `[batch, samples]`, a TensorFlow NHWC model fed
 * tensors, and a head whose batch is fixed at 1 fed records through `inputs`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Pipeline, collect, kv, run, type KV } from '../../../src/index.js';
import { seededRandom } from '../../../src/common/random.js';
import { OnnxModelHandler, int64, runInference, runStatefulInference, sampleFrames, servedModel, tensor, type PredictionResult, type Tensor } from '../../../src/ml/infer/index.js';
import { testStream, timestamped } from '../../../src/testing/index.js';
import { readWav16k } from '../../../examples/wake-word.js';
import { SEED } from '../../seed.js';
import { HEADS, headPath, maxDiff, modelBytes, noise, nodeRun } from './real-models.js';

const TOL = 1e-4;
const handler = new OnnxModelHandler();

function stream<T>(values: readonly T[], perStep: number) {
  const s = testStream<T>();
  for (let i = 0; i < values.length; i += perStep) s.addElements(...values.slice(i, i + perStep).map((v, j) => timestamped(v, (i + j) * 1000)));
  return s;
}

/** Each key's outputs (in order) from a stateful run over `chunks` of audio, cut into 512-sample frames per key (as docs/inference.md shows). */
async function statefulRun(
  name: 'sileroLegacy' | 'sileroV5' | 'sileroV6',
  state: Record<string, string>,
  chunks: KV<string, Float32Array>[],
  perStep: number,
): Promise<Map<string, Float32Array[]>> {
  const model = servedModel(handler, modelBytes(name), { id: name, constants: { sr: int64(16000) } });
  const out = collect<KV<string, PredictionResult<Float32Array>>>();
  const p = new Pipeline();
  p.apply(stream(chunks, perStep))
    .apply(sampleFrames<string>({ size: 512 }))
    .apply(runStatefulInference<string, Float32Array>(model, { state }))
    .apply(out);
  const result = await run(p);
  await model.close();
  expect(result.deadLetters.map((d) => d.reason)).toEqual([]);
  const byKey = new Map<string, Float32Array[]>();
  for (const { key, value } of out.values) {
    expect(Object.keys(value.inference)).toEqual(['output']);
    expect(value.inference['output']!.dims).toEqual([1]);
    byKey.set(key, [...(byKey.get(key) ?? []), value.inference['output']!.data as Float32Array]);
  }
  return byKey;
}

describe(`real exported models (seed ${SEED})`, () => {
  for (const [name, state, stateDims] of [
    ['sileroLegacy', { h: 'hn', c: 'cn' }, [2, 1, 64]],
    ['sileroV5', { state: 'stateN' }, [2, 1, 128]],
    ['sileroV6', { state: 'stateN' }, [2, 1, 128]],
  ] as const) {
    it(`${name} (PyTorch, recurrent, int64 sr constant, state [2, batch, …]): two interleaved keys equal onnxruntime-node stepped per key, and each key alone`, async () => {
      const rng = seededRandom(SEED);
      const keys = ['mic-a', 'mic-b'];
      // Chunks of random sizes (300 to 1,400 samples) and loudness, two microphones in a random
      // interleaving: each pair of chunks holds one of each, in random order (so each gets ≥ 7 frames).
      const order = Array.from({ length: 8 }, () => (rng() < 0.5 ? [0, 1] : [1, 0])).flat();
      const chunks = order.map((k) => kv(keys[k]!, noise(rng, 300 + Math.floor(rng() * 1100), rng())));
      const interleaved = await statefulRun(name, state, chunks, 5);
      for (const key of keys) {
        const all = Float32Array.from(chunks.filter((c) => c.key === key).flatMap((c) => Array.from(c.value)));
        const own = Array.from({ length: Math.floor(all.length / 512) }, (_, i) => all.subarray(i * 512, (i + 1) * 512));
        // Reference: onnxruntime-node, one key at a time, its state fed back by hand.
        const carried: Record<string, Tensor> = Object.fromEntries(Object.keys(state).map((s) => [s, tensor('float32', new Float32Array(2 * stateDims[2]), stateDims)]));
        const expected: Float32Array[] = [];
        for (const samples of own) {
          const out = await nodeRun(name, { input: tensor('float32', samples, [1, 512]), sr: int64(16000), ...carried });
          expected.push(out['output']!.data);
          for (const [input, output] of Object.entries(state)) carried[input] = tensor('float32', out[output]!.data, stateDims);
        }
        const got = interleaved.get(key) ?? [];
        expect(got).toHaveLength(own.length);
        expect(got.length).toBeGreaterThan(3);
        got.forEach((g, i) => expect(maxDiff(g, expected[i]!), `${key} step ${i}`).toBeLessThanOrEqual(TOL));
        const alone =
          (
            await statefulRun(
              name,
              state,
              chunks.filter((c) => c.key === key),
              3,
            )
          ).get(key) ?? [];
        alone.forEach((a, i) => expect(maxDiff(a, got[i]!), `${key} alone, step ${i}`).toBeLessThanOrEqual(TOL));
      }
    });
  }

  it('melspectrogram (PyTorch, [batch, samples]) batched from number rows, then the embedding (TensorFlow via tf2onnx, NHWC [N, 76, 32, 1]) batched from tensors', async () => {
    const rng = seededRandom(SEED + 1);
    const clips = Array.from({ length: 6 }, () => noise(rng, 1280 * 2, 0.3 + rng()));
    const mel = servedModel(handler, modelBytes('melspectrogram'), { id: 'mel' });
    const melOut = collect<PredictionResult<Float32Array>>();
    const p = new Pipeline();
    p.apply(stream(clips, 6)).apply(runInference<Float32Array>(mel)).apply(melOut);
    expect((await run(p)).deadLetterCount).toBe(0);
    expect(mel.metrics.snapshot().numBatches).toBe(1); // six clips in one run: stacked on the batch axis
    for (const r of melOut.values) {
      const want = await nodeRun('melspectrogram', { input: tensor('float32', r.example, [1, r.example.length]) });
      expect(r.inference['output']!.dims).toEqual(want['output']!.dims.slice(1));
      expect(maxDiff(r.inference['output']!.data as Float32Array, want['output']!.data)).toBeLessThanOrEqual(TOL);
    }
    await mel.close();

    const windows = Array.from({ length: 5 }, () => tensor('float32', noise(rng, 76 * 32, 3), [76, 32, 1]));
    const emb = servedModel(handler, modelBytes('embedding'), { id: 'embedding' });
    const embOut = collect<PredictionResult<Tensor>>();
    const q = new Pipeline();
    q.apply(stream(windows, 5)).apply(runInference<Tensor>(emb)).apply(embOut);
    expect((await run(q)).deadLetterCount).toBe(0);
    expect(emb.metrics.snapshot().numBatches).toBe(1);
    for (const r of embOut.values) {
      const want = await nodeRun('embedding', { input_1: tensor('float32', r.example.data, [1, 76, 32, 1]) });
      expect(r.inference['conv2d_19']!.dims).toEqual([1, 1, 96]);
      expect(maxDiff(r.inference['conv2d_19']!.data as Float32Array, want['conv2d_19']!.data)).toBeLessThanOrEqual(TOL);
    }
    await emb.close();
  });

  it('every openWakeWord head (batch fixed at 1; 16, 22 or 34 frames; numeric and JSON-string output names) runs a 2-example bundle, equal to onnxruntime-node', async () => {
    const rng = seededRandom(SEED + 5);
    for (const [head, frames] of Object.entries(HEADS)) {
      const model = servedModel(handler, new Uint8Array(readFileSync(headPath(head))), { id: head });
      const windows = Array.from({ length: 2 }, () => tensor('float32', noise(rng, frames * 96, 2), [frames, 96]));
      const out = collect<PredictionResult<Tensor>>();
      const p = new Pipeline();
      p.apply(stream(windows, 2)).apply(runInference<Tensor>(model)).apply(out);
      const result = await run(p);
      expect(
        result.deadLetters.map((d) => d.reason),
        head,
      ).toEqual([]);
      expect(out.values).toHaveLength(2);
      const lease = await model.lease();
      const input = lease.model.inputs[0]!.name; // alexa & co: "onnx::Flatten_0", hey_jarvis: "x.1"
      lease.done();
      for (const r of out.values) {
        const want = await nodeRun(head, { [input]: tensor('float32', r.example.data, [1, frames, 96]) });
        const [name, value] = Object.entries(r.inference)[0]!;
        expect(Object.keys(want)).toEqual([name]);
        expect(maxDiff(value.data as Float32Array, want[name]!.data), head).toBeLessThanOrEqual(TOL);
      }
      await model.close();
    }
  });

  it('examples of different shapes run in separate runs, as number rows and as tensors through inputs (melspectrogram, [batch, samples])', async () => {
    const rng = seededRandom(SEED + 4);
    const lengths = [2560, 2560, 1760, 1760, 1760, 2560];
    const clips = lengths.map((n) => noise(rng, n, 0.3 + rng()));
    for (const options of [{}, { inputs: { input: (c: Float32Array) => tensor('float32', c, [c.length]) } }]) {
      const mel = servedModel(handler, modelBytes('melspectrogram'), { id: 'mel' });
      const out = collect<PredictionResult<Float32Array>>();
      const p = new Pipeline();
      p.apply(stream(clips, 6)).apply(runInference<Float32Array>(mel, options)).apply(out);
      const result = await run(p);
      expect(result.deadLetters.map((d) => d.reason)).toEqual([]);
      expect(mel.metrics.snapshot().numBatches).toBe(3); // 2560 ×2, 1760 ×3, 2560
      expect(out.values.map((r) => r.example.length)).toEqual(lengths);
      for (const r of out.values) {
        const want = await nodeRun('melspectrogram', { input: tensor('float32', r.example, [1, r.example.length]) });
        expect(maxDiff(r.inference['output']!.data as Float32Array, want['output']!.data)).toBeLessThanOrEqual(TOL);
      }
      await mel.close();
    }
  });

  it('a head with its batch fixed at 1 ([1, 16, 96]) runs a 2-example bundle one example at a time, fed records through inputs', async () => {
    const rng = seededRandom(SEED + 2);
    const records = Array.from({ length: 2 }, (_, i) => ({ id: i, embeddings: noise(rng, 16 * 96, 2) }));
    const head = servedModel(handler, modelBytes('heyJarvis'), { id: 'hey_jarvis' });
    const out = collect<PredictionResult<{ id: number; embeddings: Float32Array }>>();
    const p = new Pipeline();
    p.apply(stream(records, 2))
      .apply(runInference(head, { inputs: { 'x.1': (r: { embeddings: Float32Array }) => r.embeddings } }))
      .apply(out);
    const result = await run(p);
    expect(result.deadLetters.map((d) => d.reason)).toEqual([]);
    expect(head.metrics.snapshot().numBatches).toBe(2);
    expect(out.values.map((r) => r.example.id)).toEqual([0, 1]);
    for (const r of out.values) {
      const want = await nodeRun('heyJarvis', { 'x.1': tensor('float32', r.example.embeddings, [1, 16, 96]) });
      expect(r.inference['53']!.dims).toEqual([1]);
      expect(maxDiff(r.inference['53']!.data as Float32Array, want['53']!.data)).toBeLessThanOrEqual(TOL);
    }
    await head.close();
  });
  it('pins a model fact: the melspectrogram couples batch items (it clamps to the batch-wide max − 80 dB), so a silent frame batched with speech differs from the same frame alone; with maxBatchSize 1 runInference equals it alone', async () => {
    const speech = readWav16k(fileURLToPath(new URL('fixtures/hey-jarvis.wav', import.meta.url)));
    const loud = speech.slice(20000, 21760);
    const quiet = speech.slice(0, 1760); // the padded silence
    const alone = (await nodeRun('melspectrogram', { input: tensor('float32', quiet, [1, 1760]) }))['output']!.data;
    const both = Float32Array.from([...loud, ...quiet]);
    const batched = (await nodeRun('melspectrogram', { input: tensor('float32', both, [2, 1760]) }))['output']!.data;
    expect(maxDiff(batched.subarray(alone.length), alone)).toBeGreaterThan(0.1);
    const mel = servedModel(handler, modelBytes('melspectrogram'), { id: 'mel' });
    const out = collect<PredictionResult<Float32Array>>();
    const p = new Pipeline();
    p.apply(stream([loud, quiet], 2))
      .apply(runInference<Float32Array>(mel, { maxBatchSize: 1 }))
      .apply(out);
    await run(p);
    await mel.close();
    expect(maxDiff(out.values[1]!.inference['output']!.data as Float32Array, alone)).toBeLessThanOrEqual(TOL);
  });
});
