/**
 * examples/wake-word.ts: the chained pipeline (PyTorch melspectrogram → TensorFlow embedding →
 * fixed-batch-1 classifier, with sampleFrames and lastRows between them) over two interleaved
 * microphones, in chunks and bundles of random sizes, gives per microphone the scores of the same
 * chain computed step by step on onnxruntime-node (|Δ| ≤ 1e-4), and fires only on "hey jarvis".
 * The fixtures were spoken by Debian's espeak-ng 1.51 and converted with sox, padded with 1 s of
 * silence each side: `espeak-ng -s 130 -w a.wav "hey jarvis"; sox a.wav -r 16000 -c 1 -b 16
 * hey-jarvis.wav pad 1 1` (and "what is the weather").
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Pipeline, collect, create, run, type KV } from '../../../src/index.js';
import { seededRandom } from '../../../src/common/random.js';
import { tensor } from '../../../src/ml/infer/index.js';
import { closeWakeWordModels, interleave, readWav16k, scaleMel, wakeWordModels, wakeWordScores } from '../../../examples/wake-word.js';
import { SEED } from '../../seed.js';
import { maxDiff, nodeRun } from './real-models.js';

const fixture = (name: string): string => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));

/** The chain for one microphone, step by step on onnxruntime-node. */
async function reference(samples: Float32Array): Promise<number[]> {
  const mel: number[] = [];
  const embeddings: number[] = [];
  const scores: number[] = [];
  for (let s = 0; s + 1760 <= samples.length; s += 1280) {
    const out = await nodeRun('melspectrogram', { input: tensor('float32', samples.slice(s, s + 1760), [1, 1760]) });
    mel.push(...scaleMel(tensor('float32', out['output']!.data, out['output']!.dims)).data);
    if (mel.length < 76 * 32) continue;
    const emb = await nodeRun('embedding', { input_1: tensor('float32', Float32Array.from(mel.slice(-76 * 32)), [1, 76, 32, 1]) });
    embeddings.push(...emb['conv2d_19']!.data);
    if (embeddings.length < 16 * 96) continue;
    const score = await nodeRun('heyJarvis', { 'x.1': tensor('float32', Float32Array.from(embeddings.slice(-16 * 96)), [1, 16, 96]) });
    scores.push(score['53']!.data[0]!);
  }
  return scores;
}

describe(`examples/wake-word.ts (seed ${SEED})`, () => {
  it('two interleaved microphones (spoken "hey jarvis" and "what is the weather"): each one’s scores equal the chain run step by step on onnxruntime-node; only "hey jarvis" fires', async () => {
    const rng = seededRandom(SEED);
    const mics = { jarvis: readWav16k(fixture('hey-jarvis.wav')), weather: readWav16k(fixture('what-is-the-weather.wav')) };
    const models = wakeWordModels();
    const scores = collect<KV<string, number>>();
    const p = new Pipeline();
    wakeWordScores(p.apply(create(interleave(mics, 700 + Math.floor(rng() * 900)))), models).apply(scores);
    const result = await run(p, { bundleSize: 3 + Math.floor(rng() * 10) });
    await closeWakeWordModels(models);
    expect(result.deadLetters.map((d) => d.reason)).toEqual([]);
    for (const [mic, samples] of Object.entries(mics)) {
      const want = await reference(samples);
      const got = scores.values.filter((s) => s.key === mic).map((s) => s.value);
      expect(want.length).toBeGreaterThan(3);
      expect(got).toHaveLength(want.length);
      expect(maxDiff(got, want), mic).toBeLessThanOrEqual(1e-4);
      expect(Math.max(...got) > 0.5, `${mic} fires`).toBe(mic === 'jarvis');
    }
  });
});
