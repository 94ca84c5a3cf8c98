/**
 * Feature transforms in a pipeline: the kernel-backed transforms of src/features against the same
 * pipeline doing the work in plain TS (a per-record `map`, and the plain-TS twins per pane), same run.
 * Shows what batching through the kernels gains once records, bundles and grouping are paid for.
 */
import {
  type PCollection,
  Pipeline,
  applyToFrames,
  collect,
  create,
  fittedStatistics,
  fixedWindows,
  scaleToZScore,
  windowStats,
  run as runDirect,
  type FeatureFrame,
  type FeatureRecord,
  type WindowStat,
} from '../src/index.js';
import * as ref from '../src/kernels/reference/index.js';
import { measure, printTable } from './harness.js';

const N = 200_000;
const FEATURES = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'];
const PANE = 1000;
const STATS: WindowStat[] = ['mean', 'std', 'min', 'max', 'rms', 'skew', 'kurtosis', 'median'];

function records(): FeatureRecord[] {
  return Array.from({ length: N }, (_, i) => {
    const r: Record<string, unknown> = { t: i };
    FEATURES.forEach((f, j) => (r[f] = Math.fround(j * 10 + Math.sin(i * (j + 1) * 0.01) + Math.random())));
    return r;
  });
}

/** Frames of `PANE` rows holding the records' features. */
function frames(input: readonly FeatureRecord[]): FeatureFrame[] {
  const d = FEATURES.length;
  return Array.from({ length: N / PANE }, (_, b) => ({
    view: Float32Array.from(input.slice(b * PANE, (b + 1) * PANE).flatMap((r) => FEATURES.map((f) => r[f] as number))),
    rows: PANE,
    cols: d,
    names: FEATURES,
    keys: [],
    timestamps: new Float64Array(0),
  }));
}

/** One timed pipeline over records or frames: `run` builds and runs it, returning the output count. */
interface Case {
  readonly task: string;
  readonly label: string;
  readonly data: readonly unknown[];
  readonly run: () => Promise<number>;
}

function pipelineCase<T>(task: string, data: readonly T[], label: string, build: (p: PCollection<T>) => PCollection<unknown>): Case {
  return { task, label, data, run: () => runPipeline(data, build) };
}

async function runPipeline<T>(input: readonly T[], build: (p: PCollection<T>) => PCollection<unknown>): Promise<number> {
  const p = new Pipeline();
  const out = collect<unknown>();
  build(p.apply(create(input))).apply(out);
  await runDirect(p, { bundleSize: 1000 });
  return out.values.length;
}

const fitted = fittedStatistics('zscore', FEATURES, { mean: FEATURES.map((_, j) => j * 10 + 0.5), std: FEATURES.map(() => 0.8) });
const mean = fitted.params['mean']!;
const std = fitted.params['std']!;

/** The per-record baseline: the same arithmetic in a `map`. */
function scaleRecord(r: FeatureRecord): FeatureRecord {
  const out: Record<string, unknown> = { ...r };
  for (let j = 0; j < FEATURES.length; j++) out[FEATURES[j]!] = ((r[FEATURES[j]!] as number) - mean[j]!) / std[j]!;
  return out;
}

/** The per-pane baseline: the twins over the pane as an f64 frame. */
function twinStats(rows: readonly FeatureRecord[]): Record<string, number> {
  const n = rows.length;
  const d = FEATURES.length;
  const x = new Float64Array(n * d);
  rows.forEach((r, i) => FEATURES.forEach((f, j) => (x[i * d + j] = r[f] as number)));
  const s = ref.stats;
  const values: Record<string, Float64Array> = {
    mean: s.colMean(x, n, d),
    std: s.colStd(x, n, d, 0),
    min: s.colMin(x, n, d),
    max: s.colMax(x, n, d),
    rms: s.colRms(x, n, d),
    skew: s.colSkew(x, n, d),
    kurtosis: s.colKurt(x, n, d),
    median: s.colMedian(x, n, d),
  };
  const out: Record<string, number> = {};
  FEATURES.forEach((f, c) => STATS.forEach((st) => (out[`${f}_${st}`] = values[st]![c]!)));
  return out;
}

/** The per-frame baseline: the twin into a new array. */
function scaleFrame(f: FeatureFrame): FeatureFrame {
  const view = new Float32Array(f.rows * f.cols);
  ref.scale.zscore(f.view, f.rows, f.cols, mean, std, view);
  return { ...f, view };
}

export async function run(): Promise<void> {
  const input = records();
  // The frame cases are fast: run the same frames 10 times over so that each timing lasts long enough.
  const inputFrames = Array.from({ length: 10 }, () => frames(input)).flat();
  const timed = (p: PCollection<FeatureRecord>) => p.withTimestamps((r) => r['t'] as number).windowInto(fixedWindows(PANE));
  const cases: Case[] = [
    pipelineCase('z-score, 8 features, records', input, 'scaleToZScore({ fitted })', (p) => p.apply(scaleToZScore({ fitted }))),
    pipelineCase('z-score, 8 features, records', input, 'map (plain TS per record)', (p) => p.map(scaleRecord)),
    pipelineCase(`z-score, 8 features, frames of ${PANE} rows (×10)`, inputFrames, 'applyToFrames(fitted)', (p) => p.apply(applyToFrames(fitted))),
    pipelineCase(`z-score, 8 features, frames of ${PANE} rows (×10)`, inputFrames, 'map (twin per frame)', (p) => p.map(scaleFrame)),
    pipelineCase(`windowStats, 8 stats × 8 features, panes of ${PANE}`, input, 'windowStats (kernels per pane)', (p) => timed(p).apply(windowStats(STATS, { features: FEATURES }))),
    pipelineCase(`windowStats, 8 stats × 8 features, panes of ${PANE}`, input, 'groupByKey + twins per pane', (p) =>
      timed(p)
        .withKeys(() => null)
        .groupByKey()
        .map((g) => twinStats(g.value)),
    ),
  ];
  // Each task's two implementations are timed in alternation, so load from other processes hits both alike.
  const rows: (string | number)[][] = [];
  for (let i = 0; i < cases.length; i += 2) {
    const pair = [cases[i]!, cases[i + 1]!];
    const samples: number[][] = [[], []];
    for (const c of pair) await c.run(); // warm-up
    for (let r = 0; r < 7; r++) {
      for (let j = 0; j < 2; j++) samples[j]!.push((await measure(() => pair[j]!.run(), { warmup: 0, runs: 1 })).medianMs);
    }
    const [ours, base] = samples.map((t) => t.sort((a, b) => a - b)[3]!);
    const n = pair[0]!.data === inputFrames ? 10 * N : N;
    rows.push([pair[0]!.task, pair[0]!.label, ours!, n / (ours! / 1000), base! / ours!], [pair[1]!.task, pair[1]!.label, base!, n / (base! / 1000), 1]);
  }
  printTable(
    `feature transforms in a pipeline, ${N.toLocaleString('en-US')} records (frames: 10 × ${N.toLocaleString('en-US')} rows)`,
    ['task', 'implementation', 'median ms', 'rows/s', '× plain TS'],
    rows,
  );
}
