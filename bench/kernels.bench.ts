/**
 * Kernel benchmarks: each family on 1e3, 1e5 and 1e6 f32 values, WASM (zero-copy, data already
 * in linear memory) vs its plain-TS twin (src/kernels/reference) vs a well-known library where
 * one exists (simple-statistics, fft.js). Medians; GB/s counts input bytes (4 per f32) only.
 */
import FFT from 'fft.js';
import * as ss from 'simple-statistics';
import { instantiateKernels } from '../src/kernels/index.js';
import * as ref from '../src/kernels/reference/index.js';
import { measure, printTable } from './harness.js';

const SIZES = [1e3, 1e5, 1e6];
const { exports: k, arena } = instantiateKernels();

/**
 * Median ms per call of each of `fns`, timed in alternation (run 1 of each, then run 2 of each, …)
 * so that load from other processes hits all of them alike. Small cases are repeated so that
 * each timed run lasts about a millisecond or more.
 */
async function perCall(size: number, fns: (() => unknown)[]): Promise<number[]> {
  const reps = Math.max(1, Math.floor(3e5 / size));
  const runs = size >= 1e6 ? 9 : 15;
  const loops = fns.map((fn) => () => {
    for (let r = 0; r < reps; r++) fn();
  });
  for (const loop of loops) for (let w = 0; w < 2; w++) loop();
  const samples = fns.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    for (let j = 0; j < loops.length; j++) samples[j]!.push((await measure(loops[j]!, { warmup: 0, runs: 1 })).medianMs / reps);
  }
  return samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]!);
}

interface Case {
  name: string;
  wasm: () => unknown;
  twin: () => unknown;
  lib?: () => unknown;
}

type Row = (string | number)[];

async function rowsFor(size: number, cases: Case[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of cases) {
    const [w, t, l] = await perCall(size, c.lib ? [c.wasm, c.twin, c.lib] : [c.wasm, c.twin]);
    const gbs = (size * 4) / (w! * 1e-3) / 1e9;
    rows.push([c.name, size.toExponential(0), w!, t!, l ?? '—', gbs, t! / w!, l !== undefined ? l / w! : '—']);
  }
  return rows;
}

const HEADER = ['kernel', 'floats', 'WASM ms', 'twin ms', 'library ms', 'WASM GB/s', '× twin', '× library'];

function randomData(size: number): Float32Array {
  return Float32Array.from({ length: size }, () => 50 + 10 * (Math.random() - 0.5));
}

async function statsFamily(size: number): Promise<Row[]> {
  const data = randomData(size);
  const x = arena.f32Of(data);
  const out = arena.allocF64(1);
  const out8 = arena.allocF64(8);
  const scratch = arena.allocF32(size);
  const plain = Array.from(data);
  const rows = await rowsFor(size, [
    { name: 'colMean', wasm: () => k.colMean(x.ptr, size, 1, out.ptr), twin: () => ref.stats.colMean(data, size, 1), lib: () => ss.mean(plain) },
    { name: 'colStd', wasm: () => k.colStd(x.ptr, size, 1, 0, out.ptr), twin: () => ref.stats.colStd(data, size, 1, 0), lib: () => ss.standardDeviation(plain) },
    { name: 'colMin', wasm: () => k.colMin(x.ptr, size, 1, out.ptr), twin: () => ref.stats.colMin(data, size, 1), lib: () => ss.min(plain) },
    { name: 'colSkew', wasm: () => k.colSkew(x.ptr, size, 1, out.ptr), twin: () => ref.stats.colSkew(data, size, 1), lib: () => ss.sampleSkewness(plain) },
    { name: 'colMedian', wasm: () => k.colMedian(x.ptr, size, 1, scratch.ptr, out.ptr), twin: () => ref.stats.colMedian(data, size, 1), lib: () => ss.median(plain) },
    { name: 'colStd (d=8)', wasm: () => k.colStd(x.ptr, size / 8, 8, 0, out8.ptr), twin: () => ref.stats.colStd(data, size / 8, 8, 0) },
  ]);
  for (const b of [x, out, out8, scratch]) arena.free(b);
  return rows;
}

async function scaleFamily(size: number): Promise<Row[]> {
  const data = randomData(size);
  data[7] = NaN;
  const x = arena.f32Of(data);
  const y = arena.allocF32(size);
  const [mean, std, lo, hi] = [[50], [2.9], [47], [53]].map((v) => arena.f64Of(v));
  const outJs = new Float32Array(size);
  const mean8Js = new Array<number>(8).fill(50);
  const std8Js = new Array<number>(8).fill(2.9);
  const [mean8, std8] = [arena.f64Of(mean8Js), arena.f64Of(std8Js)];
  const rows = await rowsFor(size, [
    {
      name: 'zscore',
      wasm: () => k.zscore(x.ptr, size, 1, mean!.ptr, std!.ptr, y.ptr),
      twin: () => ref.scale.zscore(data, size, 1, [50], [2.9], outJs),
    },
    {
      name: 'clip',
      wasm: () => k.clip(x.ptr, size, 1, lo!.ptr, hi!.ptr, y.ptr),
      twin: () => ref.scale.clip(data, size, 1, [47], [53], outJs),
    },
    {
      name: 'imputeConst',
      wasm: () => k.imputeConst(x.ptr, size, 1, mean!.ptr, y.ptr),
      twin: () => ref.scale.imputeConst(data, size, 1, [50], outJs),
    },
    {
      name: 'zscore (d=8)',
      wasm: () => k.zscore(x.ptr, size / 8, 8, mean8.ptr, std8.ptr, y.ptr),
      twin: () => ref.scale.zscore(data, size / 8, 8, mean8Js, std8Js, outJs),
    },
  ]);
  for (const b of [x, y, mean!, std!, lo!, hi!, mean8, std8]) arena.free(b);
  return rows;
}

async function signalFamily(size: number): Promise<Row[]> {
  const data = randomData(size);
  const x = arena.f32Of(data);
  const y = arena.allocF32(size);
  const state = arena.allocF64(2);
  const coef = arena.allocF64(5);
  k.biquadDesign(0, 50, Math.SQRT1_2, 1000, coef.ptr);
  const coefJs = Float64Array.from(coef.view);
  const taps = Float32Array.from({ length: 16 }, (_, i) => 1 / (i + 1));
  const tapBlock = arena.f32Of(taps);
  const outJs = new Float32Array(size);
  const rows = await rowsFor(size, [
    { name: 'ema', wasm: () => k.ema(x.ptr, size, 1, 0.1, state.ptr, y.ptr), twin: () => ref.signal.ema(data, size, 1, 0.1, [NaN] as unknown as Float64Array, outJs) },
    { name: 'biquad', wasm: () => k.biquad(x.ptr, size, 1, coef.ptr, state.ptr, y.ptr), twin: () => ref.signal.biquad(data, size, 1, coefJs, outJs) },
    { name: 'fir (16 taps)', wasm: () => k.fir(x.ptr, size, 1, tapBlock.ptr, 16, y.ptr), twin: () => ref.signal.fir(data, size, 1, taps, outJs) },
    { name: 'diff', wasm: () => k.diff(x.ptr, size, 1, y.ptr), twin: () => ref.signal.diff(data, size, 1, outJs) },
    { name: 'movingAverage (w=8)', wasm: () => k.movingAverage(x.ptr, size, 1, 8, y.ptr), twin: () => ref.signal.movingAverage(data, size, 1, 8, outJs) },
  ]);
  for (const b of [x, y, state, coef, tapBlock]) arena.free(b);
  return rows;
}

async function fftFamily(size: number): Promise<Row[]> {
  const n = 1024;
  const frames = Math.max(1, Math.floor(size / n));
  const data = randomData(frames * n);
  const x = arena.f32Of(data);
  const table = arena.allocF32(k.fftTableLen(n));
  k.fftInit(n, 1, table.ptr);
  const spec = arena.allocF32(n + 2);
  const f = new FFT(n);
  const libOut = f.createComplexArray() as number[];
  const hann = ref.fft.windowValues(n, 1);
  const windowed = new Float64Array(n);
  const twinOut = new Float64Array(n + 2);
  return rowsFor(frames * n, [
    {
      name: `rfft ${n} Hann (${frames} frame${frames > 1 ? 's' : ''})`,
      wasm: () => {
        for (let i = 0; i < frames; i++) k.rfft(x.ptr + i * n * 4, n, table.ptr, spec.ptr);
      },
      twin: () => {
        for (let i = 0; i < frames; i++) ref.fft.rfft(data.subarray(i * n, (i + 1) * n), n, 1, twinOut);
      },
      // fft.js has no window: apply Hann in JS first, then its real transform (half spectrum).
      lib: () => {
        for (let i = 0; i < frames; i++) {
          for (let t = 0; t < n; t++) windowed[t] = data[i * n + t]! * hann[t]!;
          f.realTransform(libOut, windowed);
        }
      },
    },
  ]);
}

async function linalgFamily(size: number): Promise<Row[]> {
  const a = randomData(size);
  const b = randomData(size);
  const [pa, pb] = [arena.f32Of(a), arena.f32Of(b)];
  const cols = 64;
  const rowsA = Math.floor(size / cols);
  const y = arena.allocF32(rowsA);
  const yJs = new Float32Array(rowsA);
  const d = 8;
  const g = arena.allocF64(d * d);
  const gJs = new Float64Array(d * d);
  const rows = await rowsFor(size, [
    { name: 'dot', wasm: () => k.dot(pa.ptr, pb.ptr, size), twin: () => ref.linalg.dot(a, b, size) },
    { name: `gemv (${rowsA}×${cols})`, wasm: () => k.gemv(pa.ptr, rowsA, cols, pb.ptr, y.ptr), twin: () => ref.linalg.gemv(a, rowsA, cols, b, yJs) },
    { name: `xtxAccumulate (d=${d})`, wasm: () => k.xtxAccumulate(pa.ptr, size / d, d, g.ptr), twin: () => ref.linalg.xtxAccumulate(a, size / d, d, gJs) },
  ]);
  for (const blk of [pa, pb, y, g]) arena.free(blk);
  return rows;
}

/** Runs every family at every size and prints one table per family. */
export async function run(): Promise<void> {
  const families: [string, (size: number) => Promise<Row[]>][] = [
    ['stats (d = 1)', statsFamily],
    ['scale (d = 1)', scaleFamily],
    ['signal (d = 1)', signalFamily],
    ['fft', fftFamily],
    ['linalg', linalgFamily],
  ];
  for (const [title, family] of families) {
    const rows: Row[] = [];
    for (const size of SIZES) rows.push(...(await family(size)));
    printTable(`kernels: ${title}`, HEADER, rows);
  }
  const n = 1024;
  const table = arena.allocF32(k.fftTableLen(n));
  k.fftInit(n, 0, table.ptr);
  const x = arena.f32Of(randomData(n));
  const spec = arena.allocF32(n + 2);
  const f = new FFT(n);
  const out = f.createComplexArray() as number[];
  const input = Float64Array.from(x.view);
  const [wasm, lib] = (await perCall(n, [() => k.rfft(x.ptr, n, table.ptr, spec.ptr), () => f.realTransform(out, input)])) as [number, number];
  printTable(
    'kernels: single 1024-point real FFT, no window',
    ['implementation', 'µs per transform', '× fft.js'],
    [
      ['WASM rfft', wasm * 1e3, lib / wasm],
      ['fft.js realTransform', lib * 1e3, 1],
    ],
  );
}
