/**
 * Inference: onnxruntime-web vs onnxruntime-node on the same model bytes, same run, and the memory
 * onnxruntime-web costs. Memory is measured in child processes on compiled JS (plain node, no tsx),
 * one scenario per child, so each starts clean.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measure, printTable } from './harness.js';
import { linearRegressionModel, logisticRegressionModel, treeEnsembleRegressorModel } from '../src/ml/onnx/index.js';
import { randomFrame, randomMatrix, randomTrees, seededRng } from '../src/ml/testing/random-models.js';

const FEATURES = 16;
const NODE_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const BATCHES = [1, 64, 1024];

interface BenchModel {
  name: string;
  bytes: Uint8Array;
}

function models(): BenchModel[] {
  const rng = seededRng(2026);
  const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
  return [
    { name: 'linear (16 features)', bytes: linearRegressionModel({ weights: randomMatrix(rng, 1, FEATURES)[0]!, bias: 0.5 }, { featureNames: names }) },
    { name: 'softmax (16 features, 4 classes)', bytes: logisticRegressionModel({ weights: randomMatrix(rng, 4, FEATURES), bias: [0, 0.1, 0.2, 0.3] }, { featureNames: names }) },
    {
      name: 'trees (100 × depth 6)',
      bytes: treeEnsembleRegressorModel({ trees: randomTrees(rng, { trees: 100, depth: 6, features: FEATURES, width: 1, earlyLeaf: 0 }), features: FEATURES }, { featureNames: names }),
    },
  ];
}

type Session = { run(feeds: Record<string, unknown>): Promise<unknown>; release(): Promise<void> };
type Runtime = {
  InferenceSession: { create(bytes: Uint8Array, options?: Record<string, unknown>): Promise<Session> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
  env: { wasm: { numThreads?: number } };
};

async function runtimes(): Promise<{ web: Runtime; node: Runtime }> {
  const web = (await import('onnxruntime-web')) as unknown as Runtime;
  web.env.wasm.numThreads = 1;
  const node = createRequire(import.meta.url)('onnxruntime-node') as Runtime;
  return { web, node };
}

/**
 * Per-batch latency in ms: the median over 9 runs of a loop of `reps` calls, divided by `reps`;
 * the best of 3 such medians, so a burst of load from another process does not decide a cell.
 */
async function perBatch(fn: () => Promise<unknown>, batch: number): Promise<number> {
  const reps = batch === 1 ? 200 : batch <= 64 ? 100 : 10;
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const m = await measure(async () => {
      for (let i = 0; i < reps; i++) await fn();
    }, { warmup: 2, runs: 9 });
    best = Math.min(best, m.medianMs / reps);
  }
  return best;
}

/** Runs `fn` for `ms` so WASM and JS code is tiered up before anything is timed. */
async function warm(fn: () => Promise<unknown>, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) await fn();
}

async function speed(): Promise<void> {
  const { web, node } = await runtimes();
  const { OnnxModelHandler, frameOf } = await import('../src/ml/infer/index.js');
  const handler = new OnnxModelHandler();
  const rng = seededRng(7);
  const rows: (string | number)[][] = [];
  for (const model of models()) {
    // onnxruntime-node defaults to one intra-op thread per core: pin it to 1 like the web runtime.
    const [ws, ns] = [await web.InferenceSession.create(model.bytes), await node.InferenceSession.create(model.bytes, NODE_OPTIONS)];
    const loaded = await handler.load(model.bytes);
    for (const batch of BATCHES) {
      const x = randomFrame(rng, batch, FEATURES);
      await warm(() => ws.run({ features: new web.Tensor('float32', x, [batch, FEATURES]) }), 300);
      await warm(() => ns.run({ features: new node.Tensor('float32', x, [batch, FEATURES]) }), 300);
      const webMs = await perBatch(() => ws.run({ features: new web.Tensor('float32', x, [batch, FEATURES]) }), batch);
      const nodeMs = await perBatch(() => ns.run({ features: new node.Tensor('float32', x, [batch, FEATURES]) }), batch);
      const frame = frameOf(x, loaded.featureNames ?? []);
      const handlerMs = await perBatch(() => loaded.run(frame), batch);
      rows.push([model.name, batch, webMs * 1000, nodeMs * 1000, webMs / nodeMs, handlerMs * 1000, batch / (webMs / 1000), batch / (nodeMs / 1000)]);
    }
    await Promise.all([ws.release(), ns.release(), loaded.release()]);
  }
  printTable(
    'Inference latency per batch (µs, median) and rows/s: onnxruntime-web vs onnxruntime-node, 1 thread each',
    ['model', 'batch', 'web µs', 'node µs', 'web/node', 'Runnel handler (web) µs', 'web rows/s', 'node rows/s'],
    rows,
  );
}

/** Scenarios measured in a fresh child process each. */
const SCENARIOS = {
  'no model (Runnel infer module imported)': 'none',
  'onnxruntime-web, 1 session': 'web-1',
  'onnxruntime-web, 10 sessions': 'web-10',
  'onnxruntime-web, 1,000 load/run/release cycles': 'web-cycles',
  'onnxruntime-node, 1 session (reference)': 'node-1',
  'onnxruntime-node, 10 sessions (reference)': 'node-10',
} as const;

type Scenario = (typeof SCENARIOS)[keyof typeof SCENARIOS];

function rssMiB(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().rss / 2 ** 20;
}

/** Runs in the child: prints `{ rss, checkpoints }` as JSON. */
async function child(scenario: Scenario): Promise<void> {
  const checkpoints: [string, number][] = [];
  const { OnnxModelHandler, frameOf } = await import('../src/ml/infer/index.js');
  if (scenario === 'none') {
    console.log(JSON.stringify({ rss: rssMiB(), checkpoints }));
    return;
  }
  const all = models();
  const rng = seededRng(1);
  const x = randomFrame(rng, 64, FEATURES);
  const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
  if (scenario.startsWith('web')) {
    const handler = new OnnxModelHandler();
    if (scenario === 'web-cycles') {
      for (let i = 1; i <= 1000; i++) {
        const m = await handler.load(all[i % all.length]!.bytes);
        await m.run(frameOf(x, names));
        await m.release();
        if ([10, 100, 200, 500, 1000].includes(i)) checkpoints.push([`after ${i}`, rssMiB()]);
      }
    } else {
      const count = scenario === 'web-1' ? 1 : 10;
      const loaded = [];
      for (let i = 0; i < count; i++) {
        const m = await handler.load(all[i % all.length]!.bytes);
        await m.run(frameOf(x, names));
        loaded.push(m);
      }
    }
  } else if (scenario.startsWith('node')) {
    const { node } = { node: createRequire(import.meta.url)('onnxruntime-node') as Runtime };
    const count = scenario === 'node-1' ? 1 : 10;
    const loaded = [];
    for (let i = 0; i < count; i++) {
      const s = await node.InferenceSession.create(all[i % all.length]!.bytes, NODE_OPTIONS);
      await s.run({ features: new node.Tensor('float32', x, [64, FEATURES]) });
      loaded.push(s);
    }
  }
  console.log(JSON.stringify({ rss: rssMiB(), checkpoints }));
}

function memory(): void {
  const file = fileURLToPath(import.meta.url);
  if (!file.endsWith('.js')) {
    console.log('\n(memory: skipped; run on compiled JS: `npx tsc -p tsconfig.json && node dist/bench/run.js inference`)');
    return;
  }
  const bare = spawnSync(process.execPath, ['--expose-gc', '-e', 'gc(); console.log(JSON.stringify({ rss: process.memoryUsage().rss / 2 ** 20, checkpoints: [] }))'], { encoding: 'utf8' });
  const rows: (string | number)[][] = [['bare node (nothing imported)', JSON.parse(bare.stdout).rss as number, '']];
  for (const [label, scenario] of Object.entries(SCENARIOS)) {
    const res = spawnSync(process.execPath, ['--expose-gc', file, '--rss-child', scenario], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`memory scenario ${scenario} failed: ${res.stderr}`);
    const { rss, checkpoints } = JSON.parse(res.stdout.trim().split('\n').pop()!) as { rss: number; checkpoints: [string, number][] };
    rows.push([label, rss, checkpoints.map(([k, v]) => `${k}: ${v.toFixed(0)}`).join(' · ')]);
  }
  printTable('Resident memory (MiB, after gc; child process per row, plain node on compiled JS)', ['scenario', 'RSS MiB', 'during cycles (MiB)'], rows);
}

/** Suite entry point. */
export async function run(): Promise<void> {
  const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' / ');
  console.log(`\nLoad average (1/5/15 min) at start: ${load()}`);
  memory();
  await speed();
  console.log(`\nLoad average at end: ${load()}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--rss-child') {
  child(process.argv[3] as Scenario).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
