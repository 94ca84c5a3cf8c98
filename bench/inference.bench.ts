/**
 * Inference: onnxruntime-web vs onnxruntime-node on the same model bytes, same run, and the memory
 * onnxruntime-web costs. Memory is measured in child processes on compiled JS (plain node, no tsx),
 * one scenario per child, so each starts clean.
 *
 * Cases: `speed` (web vs node), `pipeline` (runInference vs the bare handler), `memory` (RSS
 * scenarios), `hot-swaps` (RSS across 1,000 swaps while a pipeline serves), `fast-path` (the WASM
 * fast path vs onnxruntime-web: RSS with one model and across hot swaps, latency at batch 1, 64,
 * 1024), `real-models` (exported models from npm packages: load, latency, RSS; see
 * inference-real-models.ts). All by default; pick some with RUNNEL_BENCH_INFERENCE=pipeline,hot-swaps.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { run as runDirect } from '../src/runner/direct-runner.js';
import { measure, printTable } from './harness.js';
import { measureRealModel, realModels } from './inference-real-models.js';
import { Bundle } from '../src/core/bundle.js';
import type { Source } from '../src/core/source.js';
import { MIN_TIMESTAMP } from '../src/core/time.js';
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
      bytes: treeEnsembleRegressorModel(
        { trees: randomTrees(rng, { trees: 100, depth: 6, features: FEATURES, width: 1, earlyLeaf: 0 }), features: FEATURES },
        { featureNames: names },
      ),
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
    const m = await measure(
      async () => {
        for (let i = 0; i < reps; i++) await fn();
      },
      { warmup: 2, runs: 9 },
    );
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

const PIPELINE_ROWS = 16_384;

/**
 * runInference in a pipeline (an in-memory run: `create` → `runInference`, bundles of one batch)
 * against `LoadedOnnxModel.run` on the same rows cut into frames beforehand, on one loaded model.
 * The difference per row is what the pipeline adds: bundling, copying each example into the batch
 * frame, splitting outputs and one `PredictionResult` per row. `create` → `map(identity)` on the
 * same rows and bundles shows the part the runner itself takes.
 */
async function pipelineOverhead(): Promise<void> {
  const { OnnxModelHandler, frameOf, runInference, servedModel } = await import('../src/ml/infer/index.js');
  const { Pipeline, create } = await import('../src/index.js');
  const linear = models()[0]!;
  const handler = new OnnxModelHandler();
  const bare = await handler.load(linear.bytes);
  const served = servedModel(handler, linear.bytes);
  const x = randomFrame(seededRng(11), PIPELINE_ROWS, FEATURES);
  const examples = Array.from({ length: PIPELINE_ROWS }, (_, i) => Array.from(x.subarray(i * FEATURES, (i + 1) * FEATURES)));
  const names = bare.featureNames ?? [];
  const rows: (string | number)[][] = [];
  for (const batch of [64, 1024]) {
    const frames = Array.from({ length: PIPELINE_ROWS / batch }, (_, b) => frameOf(x.subarray(b * batch * FEATURES, (b + 1) * batch * FEATURES), names));
    const runBare = async (): Promise<void> => {
      for (const frame of frames) await bare.run(frame);
    };
    const runPipeline = async (): Promise<void> => {
      const p = new Pipeline();
      p.apply(create(examples)).apply(runInference<number[]>(served, { maxBatchSize: batch }));
      await runDirect(p, { bundleSize: batch });
    };
    const runIdentity = async (): Promise<void> => {
      const p = new Pipeline();
      p.apply(create(examples)).map((e) => e);
      await runDirect(p, { bundleSize: batch });
    };
    let [bareMs, pipelineMs, identityMs] = [Infinity, Infinity, Infinity];
    for (let round = 0; round < 3; round++) {
      bareMs = Math.min(bareMs, (await measure(runBare, { warmup: 2, runs: 9 })).medianMs);
      pipelineMs = Math.min(pipelineMs, (await measure(runPipeline, { warmup: 2, runs: 9 })).medianMs);
      identityMs = Math.min(identityMs, (await measure(runIdentity, { warmup: 2, runs: 9 })).medianMs);
    }
    const perRowUs = ((pipelineMs - bareMs) * 1000) / PIPELINE_ROWS;
    const rate = (ms: number): number => PIPELINE_ROWS / (ms / 1000);
    rows.push([batch, rate(bareMs), rate(pipelineMs), pipelineMs / bareMs, perRowUs, (perRowUs * batch) / 1000, rate(identityMs), (identityMs * 1000) / PIPELINE_ROWS]);
  }
  await Promise.all([bare.release(), served.close()]);
  printTable(
    `runInference in a pipeline vs the bare handler, linear model (16 features), ${PIPELINE_ROWS.toLocaleString('en-US')} rows of number[] per run`,
    ['batch', 'bare handler rows/s', 'pipeline rows/s', 'pipeline/bare time', 'pipeline overhead µs/row', 'overhead ms/batch', 'create → map rows/s', 'create → map µs/row'],
    rows,
  );
}

/** An endless source that emits the same rows in every read (a stream that never ends). */
function endless<T>(values: T[]): Source<T> {
  return {
    bounded: false,
    open: () => ({
      read: () => ({ bundle: Bundle.of(values), done: false }),
      watermark: () => MIN_TIMESTAMP,
      close: () => undefined,
    }),
  };
}

/**
 * Hot swaps while a pipeline serves (1,000, or RUNNEL_BENCH_SWAPS): an endless stream of 64-row
 * bundles through runInference; after each step a swap to a new random linear model starts if
 * none is loading.
 */
async function hotSwaps(checkpoints: [string, number | null][], fastPath: boolean): Promise<void> {
  const { FastPathModelHandler, OnnxModelHandler, runInference, servedModel } = await import('../src/ml/infer/index.js');
  const { Pipeline, read } = await import('../src/index.js');
  const rng = seededRng(5);
  const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
  const version = (): Uint8Array => linearRegressionModel({ weights: randomMatrix(rng, 1, FEATURES)[0]!, bias: rng() }, { featureNames: names });
  const handler = fastPath ? new FastPathModelHandler({ fallback: new OnnxModelHandler() }) : new OnnxModelHandler();
  const served = servedModel(handler, version());
  const x = randomFrame(rng, 64, FEATURES);
  const examples = Array.from({ length: 64 }, (_, i) => Array.from(x.subarray(i * FEATURES, (i + 1) * FEATURES)));
  const p = new Pipeline();
  p.apply(read(endless(examples))).apply(runInference<number[]>(served, { maxBatchSize: 64 }));
  const controller = new AbortController();
  const total = Number(process.env['RUNNEL_BENCH_SWAPS'] ?? 1000);
  const at = new Set([10, 100, 200, 500, 1000, 2000, 3000, 5000, 10_000, total]);
  let swaps = 0;
  let loading: Promise<unknown> | undefined;
  const started = performance.now();
  await runDirect(p, {
    bundleSize: 64,
    signal: controller.signal,
    onProgress: () => {
      if (loading || swaps >= total) return;
      loading = served.swap(version()).then(() => {
        swaps++;
        loading = undefined;
        if (at.has(swaps)) {
          const rss = rssMiB(); // collects garbage first, so heapUsed below is live objects only
          checkpoints.push([`after ${swaps} (live JS heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)})`, rss]);
        }
        if (swaps === total) controller.abort();
      });
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const m = served.metrics.snapshot();
  checkpoints.push([`rows served ${m.numInferences.toLocaleString('en-US')} in ${seconds.toFixed(1)} s, sessions released ${m.releasedModels} of ${m.modelLoads} loaded`, null]);
  await served.close();
}

/** Scenarios measured in a fresh child process each. */
const SCENARIOS = {
  'no model (Runnel infer module imported)': 'none',
  'onnxruntime-web, 1 session': 'web-1',
  'onnxruntime-web, 10 sessions': 'web-10',
  'onnxruntime-web, 1,000 load/run/release cycles': 'web-cycles',
  'onnxruntime-web, hot swaps while a pipeline serves (1,000; RUNNEL_BENCH_SWAPS)': 'web-swaps',
  'fast path (WASM kernels), 1 linear model': 'fast-1',
  'fast path, hot swaps while a pipeline serves (1,000; RUNNEL_BENCH_SWAPS)': 'fast-swaps',
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
  const checkpoints: [string, number | null][] = [];
  const { OnnxModelHandler, frameOf, onnxRuntimeLoaded } = await import('../src/ml/infer/index.js');
  const { kernels } = await import('../src/kernels/index.js');
  if (scenario === 'none') {
    console.log(JSON.stringify({ rss: rssMiB(), checkpoints }));
    return;
  }
  const all = models();
  const rng = seededRng(1);
  const x = randomFrame(rng, 64, FEATURES);
  const names = Array.from({ length: FEATURES }, (_, i) => `f${i}`);
  if (scenario === 'web-swaps' || scenario === 'fast-swaps') {
    await hotSwaps(checkpoints, scenario === 'fast-swaps');
  } else if (scenario === 'fast-1') {
    const { FastPathModelHandler } = await import('../src/ml/infer/index.js');
    const m = await new FastPathModelHandler().load(all[0]!.bytes);
    await m.run(frameOf(x, names));
    if (onnxRuntimeLoaded()) throw new Error('the fast path loaded onnxruntime-web');
    checkpoints.push([`${(kernels().arena.memoryBytes / 2 ** 20).toFixed(1)} MiB kernels memory`, null]);
  } else if (scenario.startsWith('web')) {
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

/** RSS of each scenario in `labels`, each in a fresh child process. */
function memory(labels: readonly (keyof typeof SCENARIOS)[]): void {
  const file = fileURLToPath(import.meta.url);
  if (!file.endsWith('.js')) {
    console.log('\n(memory: skipped; run on compiled JS: `npx tsc -p tsconfig.json && node dist/bench/run.js inference`)');
    return;
  }
  const bare = spawnSync(process.execPath, ['--expose-gc', '-e', 'gc(); console.log(JSON.stringify({ rss: process.memoryUsage().rss / 2 ** 20, checkpoints: [] }))'], {
    encoding: 'utf8',
  });
  const rows: (string | number)[][] = [['bare node (nothing imported)', (JSON.parse(bare.stdout) as { rss: number }).rss, '']];
  for (const label of labels) {
    const scenario = SCENARIOS[label];
    const res = spawnSync(process.execPath, ['--expose-gc', file, '--rss-child', scenario], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`memory scenario ${scenario} failed: ${res.stderr}`);
    const { rss, checkpoints } = JSON.parse(res.stdout.trim().split('\n').pop()!) as { rss: number; checkpoints: [string, number | null][] };
    rows.push([label, rss, checkpoints.map(([k, v]) => (v === null ? k : `${k}: ${v.toFixed(0)}`)).join(' · ')]);
  }
  printTable('Resident memory (MiB, after gc; child process per row, plain node on compiled JS)', ['scenario', 'RSS MiB', 'during cycles (MiB)'], rows);
}

const CASES = ['memory', 'hot-swaps', 'speed', 'pipeline', 'fast-path', 'real-models'];

/** The cases that measure each memory scenario. */
function scenarioCases(scenario: Scenario): string[] {
  if (scenario === 'web-swaps') return ['hot-swaps', 'fast-path'];
  if (scenario === 'fast-1' || scenario === 'fast-swaps') return ['fast-path'];
  if (scenario === 'none' || scenario === 'web-1') return ['memory', 'fast-path'];
  return ['memory'];
}

/** The fast path vs onnxruntime-web through Runnel's handlers, on the linear and softmax models. */
async function fastPathSpeed(): Promise<void> {
  const { FastPathModelHandler, OnnxModelHandler, frameOf } = await import('../src/ml/infer/index.js');
  const rng = seededRng(13);
  const rows: (string | number)[][] = [];
  for (const model of models().slice(0, 2)) {
    const [fast, web] = [await new FastPathModelHandler().load(model.bytes), await new OnnxModelHandler().load(model.bytes)];
    for (const batch of BATCHES) {
      const frame = frameOf(randomFrame(rng, batch, FEATURES), fast.featureNames ?? []);
      await warm(() => fast.run(frame), 300);
      await warm(() => web.run(frame), 300);
      const fastMs = await perBatch(() => fast.run(frame), batch);
      const webMs = await perBatch(() => web.run(frame), batch);
      rows.push([model.name, batch, fastMs * 1000, webMs * 1000, webMs / fastMs, batch / (fastMs / 1000), batch / (webMs / 1000)]);
    }
    await Promise.all([fast.release(), web.release()]);
  }
  printTable(
    "Fast path (WASM kernels) vs onnxruntime-web, both through Runnel's handlers, 1 thread",
    ['model', 'batch', 'fast path µs', 'onnxruntime-web µs', 'web/fast time', 'fast path rows/s', 'web rows/s'],
    rows,
  );
}

/** Suite entry point; RUNNEL_BENCH_INFERENCE picks cases (see the module comment). */
export async function run(): Promise<void> {
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ');
  const cases = (process.env['RUNNEL_BENCH_INFERENCE'] ?? CASES.join(',')).split(',');
  const unknown = cases.filter((c) => !CASES.includes(c));
  if (unknown.length > 0) throw new Error(`RUNNEL_BENCH_INFERENCE: unknown case(s) ${unknown.join(', ')}; cases: ${CASES.join(', ')}`);
  console.log(`\nLoad average (1/5/15 min) at start: ${load()}`);
  const memoryLabels = (Object.keys(SCENARIOS) as (keyof typeof SCENARIOS)[]).filter((l) => scenarioCases(SCENARIOS[l]).some((c) => cases.includes(c)));
  if (memoryLabels.length > 0) memory(memoryLabels);
  if (cases.includes('speed')) await speed();
  if (cases.includes('pipeline')) await pipelineOverhead();
  if (cases.includes('fast-path')) await fastPathSpeed();
  if (cases.includes('real-models')) realModels(fileURLToPath(import.meta.url));
  console.log(`\nLoad average at end: ${load()}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--real-model-child') {
  measureRealModel(process.argv[3]!).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--rss-child') {
  child(process.argv[3] as Scenario).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
