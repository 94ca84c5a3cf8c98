/**
 * Seeded splits: train/test (stratified by class when labels are given) and k-fold
 * cross-validation folds, as row indices; `takeRows`/`takeLabels` materialise them.
 */
import { seededRandom } from '../../common/random.js';
import { frameOf, type FrameLike } from '../../kernels/frame.js';

export { seededRandom };

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(a: T, rng: () => number): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

/** Row indices of each class, classes sorted by label. */
function byClass(labels: ArrayLike<number>): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const g = groups.get(labels[i]!);
    if (g) g.push(i);
    else groups.set(labels[i]!, [i]);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, rows]) => rows);
}

/** Options of `trainTestSplit`. */
export interface SplitOptions {
  /** Fraction of rows held out for testing, in (0, 1); default 0.25. */
  testSize?: number;
  /** Seed of the shuffle; default 0. */
  seed?: number;
  /** Class labels to stratify by: each class keeps its share in both parts. */
  stratify?: ArrayLike<number>;
}

/** Row indices of a train/test split (each part in shuffled order). */
export interface Split {
  train: Int32Array;
  test: Int32Array;
}

/** A seeded train/test split of `rows` rows, stratified when `stratify` is given. */
export function trainTestSplit(rows: number, options: SplitOptions = {}): Split {
  const testSize = options.testSize ?? 0.25;
  if (!(testSize > 0 && testSize < 1)) throw new RangeError(`trainTestSplit: testSize must be in (0, 1), got ${options.testSize}`);
  if (!Number.isInteger(rows) || rows < 2) throw new RangeError(`trainTestSplit: needs at least 2 rows, got ${rows}`);
  const rng = seededRandom(options.seed ?? 0);
  const nTest = Math.min(rows - 1, Math.max(1, Math.ceil(testSize * rows)));
  if (!options.stratify) {
    const idx = shuffleInPlace(
      Int32Array.from({ length: rows }, (_, i) => i),
      rng,
    );
    return { test: idx.slice(0, nTest), train: idx.slice(nTest) };
  }
  if (options.stratify.length !== rows) throw new RangeError(`trainTestSplit: ${options.stratify.length} stratify labels for ${rows} rows`);
  const groups = byClass(options.stratify).map((g) => shuffleInPlace(g, rng));
  // Largest-remainder allocation: each class gets its share of the test rows, totals exact.
  const exact = groups.map((g) => (g.length * nTest) / rows);
  const take = exact.map(Math.floor);
  const order = exact.map((e, c) => [e - Math.floor(e), c] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let r = nTest - take.reduce((s, v) => s + v, 0), i = 0; r > 0; i++) {
    const c = order[i % order.length]![1];
    if (take[c]! < groups[c]!.length) {
      take[c]!++;
      r--;
    }
  }
  const test: number[] = [],
    train: number[] = [];
  groups.forEach((g, c) => {
    test.push(...g.slice(0, take[c]));
    train.push(...g.slice(take[c]));
  });
  return { train: shuffleInPlace(Int32Array.from(train), rng), test: shuffleInPlace(Int32Array.from(test), rng) };
}

/** Options of `kFold`. */
export interface KFoldOptions {
  /** Number of folds, ≥ 2; default 5. */
  folds?: number;
  /** Seed of the shuffle; default 0. */
  seed?: number;
  /** Class labels to stratify by: rows of each class are dealt round-robin over the folds. */
  stratify?: ArrayLike<number>;
}

/** Seeded k-fold cross-validation: `folds` splits whose test parts partition the rows. */
export function kFold(rows: number, options: KFoldOptions = {}): Split[] {
  const k = options.folds ?? 5;
  if (!Number.isInteger(k) || k < 2 || k > rows) throw new RangeError(`kFold: folds must be an integer in 2..${rows} (the row count), got ${options.folds}`);
  const rng = seededRandom(options.seed ?? 0);
  const fold = new Int32Array(rows);
  if (options.stratify) {
    if (options.stratify.length !== rows) throw new RangeError(`kFold: ${options.stratify.length} stratify labels for ${rows} rows`);
    let next = 0;
    for (const g of byClass(options.stratify)) for (const i of shuffleInPlace(g, rng)) fold[i] = next++ % k;
  } else {
    shuffleInPlace(
      Int32Array.from({ length: rows }, (_, i) => i),
      rng,
    ).forEach((row, pos) => (fold[row] = pos % k));
  }
  return Array.from({ length: k }, (_, f) => {
    const test: number[] = [],
      train: number[] = [];
    for (let i = 0; i < rows; i++) (fold[i] === f ? test : train).push(i);
    return { train: Int32Array.from(train), test: Int32Array.from(test) };
  });
}

/** The rows `idx` of a frame, as a new frame (plain memory). */
export function takeRows(frame: FrameLike, idx: ArrayLike<number>): FrameLike {
  const d = frame.cols;
  const out = new Float32Array(idx.length * d);
  const v = frame.view;
  for (let t = 0; t < idx.length; t++) out.set(v.subarray(idx[t]! * d, idx[t]! * d + d), t * d);
  return frameOf(out, frame.names);
}

/** The labels `idx`, as a new array. */
export function takeLabels(labels: ArrayLike<number>, idx: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: idx.length }, (_, t) => labels[idx[t]!]!);
}
