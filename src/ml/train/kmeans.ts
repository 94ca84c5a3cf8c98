/**
 * k-means: minimises the inertia, Σ over rows of the squared distance to the nearest centre.
 * `fitKMeans` seeds with greedy k-means++ and, when the frame is small enough (`maxLloydWork`), runs
 * full-batch Lloyd iterations to convergence from each of `nInit` seedings and keeps the lowest
 * inertia (as scikit-learn's `KMeans` does). Larger frames and streams use mini-batch k-means
 * (`MiniBatchKMeans`, Sculley 2010, with exponentially weighted per-centre counts), which
 * `fitKMeans` ends with one full Lloyd step. Assignment is the WASM `nearestCenter` kernel. The
 * squared distance to the nearest centre is the anomaly score.
 */
import { beginGraph, finishModel } from '../onnx/builders/common.js';
import { seededRandom } from '../../common/random.js';
import type { ExportOptions, FrameLike, TrainedModel, Trainer } from './types.js';
import { checkColumns, checkFinite, forEachChunk, withWorkspace } from './wasm.js';

/** Options of k-means. */
export interface KMeansOptions {
  /** Number of clusters; default 8. */
  k?: number;
  /**
   * Seedings tried; default 10 (scikit-learn's long-standing `n_init`): Lloyd runs from each and
   * keeps the lowest inertia; mini-batch keeps the seeding with the lowest inertia on its sample.
   */
  nInit?: number;
  /** Lloyd iterations per seeding at most; default 300. */
  maxIter?: number;
  /**
   * Lloyd stops when the squared centre shifts of an iteration sum to at most `tol` × the mean
   * per-feature variance of the frame (scikit-learn's rule), or when no row changes cluster; default 1e-4.
   */
  tol?: number;
  /**
   * `fitKMeans` runs Lloyd when rows × features × k (the multiply-adds of one Lloyd iteration) is
   * at most this, else mini-batch; default 4e6 (≈ 5 ms an iteration). Time, not memory, decides:
   * beside the frame Lloyd holds only the assignments (≈ 24 bytes a row), as the mini-batch run's
   * final full pass does, but it makes dozens of passes per seeding. `Infinity` always runs
   * Lloyd, 0 always mini-batch.
   */
  maxLloydWork?: number;
  /** Rows per mini-batch; default 1024. */
  batchSize?: number;
  /** Mini-batch passes over the frame in `fitKMeans`; default 10. */
  epochs?: number;
  /** Rows a mini-batch centre's running mean effectively remembers (see `MiniBatchKMeans`); default 10 × batchSize. */
  window?: number;
  /** Seed of the seeding and batch order; default 0. */
  seed?: number;
}

/** Fitted centres and how they were found. */
export interface KMeansParams {
  /** `k × features` centres. */
  centers: number[][];
  /**
   * Rows nearest each centre in the frame `inertia` was measured on (for `fitKMeans`, the training
   * frame); from `MiniBatchKMeans.model()` without a frame, the exponentially weighted row counts.
   */
  counts: number[];
  /** Σ squared distance to the nearest centre over the training rows, after training (NaN if not measured). */
  inertia: number;
  /** `'lloyd'` (full batch) or `'minibatch'`. */
  algorithm: 'lloyd' | 'minibatch';
  /** Lloyd: iterations of the kept seeding. Mini-batch: mini-batches processed. */
  iterations: number;
  /** Lloyd: whether the kept seeding converged before `maxIter`. Mini-batch: null (no convergence test). */
  converged: boolean | null;
  /** Seedings tried (`nInit`). */
  restarts: number;
}

/** Nearest-centre assignment of rows: cluster index, squared distance, and their sum. */
interface Assignment {
  cluster: Int32Array;
  dist: Float64Array;
  inertia: number;
}

/** Nearest-centre assignment of every row by the WASM kernel, streamed in chunks. */
function assign(centers: Float64Array, k: number, frame: FrameLike): Assignment {
  const cluster = new Int32Array(frame.rows),
    dist = new Float64Array(frame.rows);
  let inertia = 0;
  withWorkspace((ws) => {
    const c = ws.f64Of(centers);
    const rows = Math.min(frame.rows, 16_384);
    const a = ws.raw(rows * 4),
      dd = ws.f64(rows);
    forEachChunk(ws, frame, (ptr, n, first) => {
      inertia += ws.x.nearestCenter(ptr, n, frame.cols, c.ptr, k, a.ptr, dd.ptr);
      cluster.set(ws.i32View(a).subarray(0, n), first);
      dist.set(dd.view.subarray(0, n), first);
    });
  });
  return { cluster, dist, inertia };
}

/** A fitted k-means model: `predict` gives the cluster index of each row. */
export class KMeansModel implements TrainedModel<KMeansParams> {
  readonly kind = 'kmeans';
  readonly #flat: Float64Array;
  constructor(
    readonly featureNames: readonly string[],
    readonly params: KMeansParams,
    readonly warnings: readonly string[] = [],
  ) {
    this.#flat = Float64Array.from(params.centers.flat());
  }

  /** Index of the nearest centre (ties to the lower index). */
  predict(frame: FrameLike): Float64Array {
    checkColumns('KMeansModel.predict', this.featureNames, frame);
    return Float64Array.from(assign(this.#flat, this.params.centers.length, frame).cluster);
  }

  /** Squared distance to the nearest centre: the anomaly score. */
  score(frame: FrameLike): Float64Array {
    checkColumns('KMeansModel.score', this.featureNames, frame);
    return assign(this.#flat, this.params.centers.length, frame).dist;
  }

  /** ONNX with outputs `label` (int64 nearest centre) and `distances` (`[N, k]` squared distances). */
  toOnnx(options: ExportOptions = {}): Uint8Array {
    const k = this.params.centers.length,
      d = this.featureNames.length;
    const { g, x, n } = beginGraph('kmeans', d, { ...options, featureNames: this.featureNames });
    const x3 = g.op('Reshape', [x, g.int64s([3], [-1, 1, d], 'shape_n1f')]);
    const diff = g.op('Sub', [x3, g.floats([k, d], this.#flat, 'centers')]);
    const dist = g.op('ReduceSum', [g.op('Mul', [diff, diff]), g.int64s([1], [2], 'axis_features')], {
      attributes: { keepdims: { kind: 'int', value: 0 } },
      output: 'distances',
    });
    const label = g.op('ArgMin', [dist], { attributes: { axis: { kind: 'int', value: 1 }, keepdims: { kind: 'int', value: 0 } }, output: 'label' });
    g.output(label, 'int64', [n]);
    g.output(dist, 'float', [n, k]);
    return finishModel(g, 'kmeans', { ...options, featureNames: this.featureNames });
  }
}

/** Options with their defaults filled in and checked. */
type Resolved = Required<KMeansOptions>;

/** Fills in and checks the options (RangeError naming the bad one). */
function resolve(options: KMeansOptions): Resolved {
  const batchSize = options.batchSize ?? 1024;
  const o: Resolved = {
    k: options.k ?? 8,
    nInit: options.nInit ?? 10,
    maxIter: options.maxIter ?? 300,
    tol: options.tol ?? 1e-4,
    maxLloydWork: options.maxLloydWork ?? 4e6,
    batchSize,
    epochs: options.epochs ?? 10,
    window: options.window ?? 10 * batchSize,
    seed: options.seed ?? 0,
  };
  for (const name of ['k', 'nInit', 'maxIter', 'batchSize', 'epochs'] as const) {
    if (!Number.isInteger(o[name]) || o[name] < 1) throw new RangeError(`k-means: ${name} must be an integer ≥ 1, got ${options[name]}`);
  }
  if (!(o.tol >= 0) || !Number.isFinite(o.tol)) throw new RangeError(`k-means: tol must be a finite number ≥ 0, got ${options.tol}`);
  if (!(o.maxLloydWork >= 0)) throw new RangeError(`k-means: maxLloydWork must be ≥ 0 (Infinity allowed), got ${options.maxLloydWork}`);
  if (!(o.window >= 1) || !Number.isFinite(o.window)) {
    throw new RangeError(`k-means: window must be a finite number ≥ 1, got ${options.window}`);
  }
  return o;
}

/** m distinct row indices out of n, by a partial Fisher–Yates shuffle. */
function sampleRows(n: number, m: number, rng: () => number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let t = 0; t < m; t++) {
    const j = t + Math.floor(rng() * (n - t));
    [idx[t], idx[j]] = [idx[j]!, idx[t]!];
  }
  return idx.subarray(0, m);
}

/** The seeding sample: at most 10,000 distinct rows (all of them when the frame is smaller). */
function seedingSample(frame: FrameLike, k: number, rng: () => number): Int32Array {
  if (frame.rows < k) throw new RangeError(`k-means: ${frame.rows} rows (of the first bundle, when streaming), fewer than k = ${k}`);
  return sampleRows(frame.rows, Math.min(frame.rows, 10_000), rng);
}

/**
 * Greedy k-means++ (as scikit-learn seeds): each new centre is the best of 2 + ⌊ln k⌋ candidates
 * drawn with probability ∝ squared distance to the nearest centre so far, the one that lowers the
 * sample's potential most. Plain k-means++ puts two seeds in one cluster more often. Returns the
 * centres and the potential (the sample's inertia against them). The candidates' distances to
 * the sample are the `nearestCenter` kernel with one centre (the seeding's main cost).
 */
function kMeansPlusPlus(frame: FrameLike, sample: Int32Array, k: number, rng: () => number): { centers: Float64Array; potential: number } {
  const d = frame.cols,
    v = frame.view,
    m = sample.length;
  const trials = 2 + Math.floor(Math.log(k));
  const centers = new Float64Array(k * d);
  let best = new Float64Array(m).fill(Infinity),
    total = Infinity;
  withWorkspace((ws) => {
    const x = ws.f32(m * d),
      cand = ws.f64(d),
      a = ws.raw(m * 4),
      dist = ws.f64(m);
    sample.forEach((row, t) => x.view.set(v.subarray(row * d, row * d + d), t * d));
    for (let c = 0; c < k; c++) {
      let chosen = 0,
        chosenBest = best,
        chosenTotal = Infinity;
      for (let trial = 0; trial < (c === 0 ? 1 : trials); trial++) {
        const row = sample[c === 0 ? Math.floor(rng() * m) : drawWeighted(best, total, rng)]!;
        cand.view.set(v.subarray(row * d, row * d + d));
        ws.x.nearestCenter(x.ptr, m, d, cand.ptr, 1, a.ptr, dist.ptr);
        const next = new Float64Array(m),
          dv = dist.view;
        let potential = 0;
        for (let t = 0; t < m; t++) potential += next[t] = Math.min(best[t]!, dv[t]!);
        if (potential < chosenTotal) [chosen, chosenBest, chosenTotal] = [row, next, potential];
      }
      centers.set(v.subarray(chosen * d, chosen * d + d), c * d);
      [best, total] = [chosenBest, chosenTotal];
    }
  });
  return { centers, potential: total };
}

/** A sample position drawn with probability proportional to its squared distance to the nearest centre. */
function drawWeighted(best: Float64Array, total: number, rng: () => number): number {
  let u = rng() * total;
  for (let t = 0; t < best.length; t++) {
    u -= best[t]!;
    if (u <= 0) return t;
  }
  return best.length - 1;
}

/**
 * The Lloyd update: each centre becomes the mean of its rows. A centre left without rows moves to
 * the row farthest from its own centre (taken from that centre, as scikit-learn does), so k
 * clusters stay in use.
 */
function means(frame: FrameLike, a: Assignment, old: Float64Array, k: number): Float64Array {
  const d = frame.cols,
    v = frame.view;
  const sums = new Float64Array(k * d),
    counts = new Float64Array(k);
  for (let i = 0, row = 0; i < frame.rows; i++, row += d) {
    const c = a.cluster[i]!,
      at = c * d;
    counts[c]!++;
    for (let j = 0; j < d; j++) sums[at + j]! += v[row + j]!;
  }
  relocateEmpty(frame, a, sums, counts);
  const centers = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    // A centre whose only row was taken by an empty cluster keeps its place.
    for (let j = 0; j < d; j++) centers[c * d + j] = counts[c]! > 0 ? sums[c * d + j]! / counts[c]! : old[c * d + j]!;
  }
  return centers;
}

/** Gives each empty cluster one of the rows farthest from their centres (in `sums`/`counts`). */
function relocateEmpty(frame: FrameLike, a: Assignment, sums: Float64Array, counts: Float64Array): void {
  const d = frame.cols,
    v = frame.view;
  const taken = new Set<number>();
  for (let c = 0; c < counts.length; c++) {
    if (counts[c]! > 0) continue;
    let far = -1;
    for (let i = 0; i < frame.rows; i++) if (!taken.has(i) && (far < 0 || a.dist[i]! > a.dist[far]!)) far = i;
    taken.add(far);
    const from = a.cluster[far]!;
    counts[from]!--;
    counts[c] = 1;
    for (let j = 0; j < d; j++) {
      sums[from * d + j]! -= v[far * d + j]!;
      sums[c * d + j] = v[far * d + j]!;
    }
  }
}

/** tol in the data's units: `tol` × the mean per-feature variance of the frame. */
function absoluteTol(frame: FrameLike, tol: number): number {
  const { rows, cols: d, view: v } = frame;
  let sum = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0,
      sq = 0;
    for (let i = 0; i < rows; i++) mean += v[i * d + j]!;
    mean /= rows;
    for (let i = 0; i < rows; i++) sq += (v[i * d + j]! - mean) ** 2;
    sum += sq / rows;
  }
  return (tol * sum) / d;
}

/** A Lloyd run's outcome: centres, their assignment of the frame, and how the run ended. */
interface LloydRun {
  centers: Float64Array;
  assignment: Assignment;
  iterations: number;
  converged: boolean;
}

/**
 * Lloyd iterations from `centers` until no row changes cluster, the centres' squared shifts sum
 * to at most `tolAbs`, or `maxIter` updates. The returned assignment is of the returned centres.
 */
function lloyd(frame: FrameLike, centers: Float64Array, k: number, maxIter: number, tolAbs: number): LloydRun {
  let a = assign(centers, k, frame);
  for (let it = 1; it <= maxIter; it++) {
    const next = means(frame, a, centers, k);
    let shift = 0;
    for (let t = 0; t < next.length; t++) shift += (next[t]! - centers[t]!) ** 2;
    const b = assign(next, k, frame);
    let same = true;
    for (let i = 0; i < frame.rows && same; i++) same = b.cluster[i] === a.cluster[i];
    [centers, a] = [next, b];
    if (same || shift <= tolAbs) return { centers, assignment: a, iterations: it, converged: true };
  }
  return { centers, assignment: a, iterations: maxIter, converged: false };
}

/** Rows per cluster of an assignment. */
function clusterSizes(a: Assignment, k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const c of a.cluster) counts[c]!++;
  return counts;
}

/** A model from flat centres. */
function toModel(names: readonly string[], centers: Float64Array, rest: Omit<KMeansParams, 'centers'>, warnings: string[] = []): KMeansModel {
  const d = names.length;
  const rows = Array.from({ length: rest.counts.length }, (_, c) => Array.from(centers.subarray(c * d, c * d + d)));
  return new KMeansModel(names, { centers: rows, ...rest }, warnings);
}

/** Full-batch k-means: Lloyd from each of `nInit` k-means++ seedings; the lowest inertia wins. */
function fitLloyd(frame: FrameLike, o: Resolved): KMeansModel {
  const rng = seededRandom(o.seed);
  const sample = seedingSample(frame, o.k, rng);
  const tolAbs = absoluteTol(frame, o.tol);
  let best: LloydRun | undefined;
  for (let r = 0; r < o.nInit; r++) {
    const run = lloyd(frame, kMeansPlusPlus(frame, sample, o.k, rng).centers, o.k, o.maxIter, tolAbs);
    if (!best || run.assignment.inertia < best.assignment.inertia) best = run;
  }
  const { centers, assignment, iterations, converged } = best!;
  const warnings = converged
    ? []
    : [
        `k-means: Lloyd stopped at maxIter = ${o.maxIter} iterations while the centres were still moving, so they may not be a ` +
          'local minimum of the inertia yet (predictions are still usable, clusters may shift on a refit). Raise maxIter, or loosen tol.',
      ];
  const counts = clusterSizes(assignment, o.k);
  const params = { counts, inertia: assignment.inertia, algorithm: 'lloyd' as const, iterations, converged, restarts: o.nInit };
  return toModel(frame.names, centers, params, warnings);
}

/**
 * Mini-batch k-means state; `partialFit` bundles, `model()` any time. Each row moves its nearest
 * centre towards it by 1/count (Sculley 2010), but the counts are exponentially weighted: before a
 * batch of m rows every count is multiplied by (1 − 1/window)^m. A centre is thus the running mean
 * of roughly its share of the last `window` rows, so its rate settles at about 1/(share × window)
 * instead of vanishing as the stream grows: later epochs still refine it, and a stream that drifts
 * is followed.
 */
export class MiniBatchKMeans {
  readonly #o: Resolved;
  readonly #rng: () => number;
  #centers: Float64Array | undefined;
  readonly #counts: Float64Array;
  #batches = 0;

  constructor(
    readonly featureNames: readonly string[],
    options: KMeansOptions = {},
  ) {
    this.#o = resolve(options);
    this.#rng = seededRandom(this.#o.seed);
    this.#counts = new Float64Array(this.#o.k);
  }

  /** The best of `nInit` greedy k-means++ seedings on one sample of the first bundle. */
  #seed(frame: FrameLike): Float64Array {
    const sample = seedingSample(frame, this.#o.k, this.#rng);
    let best = kMeansPlusPlus(frame, sample, this.#o.k, this.#rng);
    for (let r = 1; r < this.#o.nInit; r++) {
      const next = kMeansPlusPlus(frame, sample, this.#o.k, this.#rng);
      if (next.potential < best.potential) best = next;
    }
    return best.centers;
  }

  /** One pass of mini-batch updates over the bundle's rows, in a seeded random order. */
  partialFit(frame: FrameLike): this {
    checkColumns('MiniBatchKMeans.partialFit', this.featureNames, frame);
    checkFinite('MiniBatchKMeans.partialFit', frame);
    const centers = (this.#centers ??= this.#seed(frame));
    const { k, batchSize, window } = this.#o;
    const d = frame.cols,
      n = frame.rows,
      v = frame.view;
    const perm = sampleRows(n, n, this.#rng);
    withWorkspace((ws) => {
      const b = Math.min(batchSize, n);
      const x = ws.f32(b * d),
        c = ws.f64(k * d),
        a = ws.raw(b * 4),
        dist = ws.f64(b);
      for (let start = 0; start < n; start += b) {
        const m = Math.min(b, n - start);
        const xv = x.view;
        for (let t = 0; t < m; t++) xv.set(v.subarray(perm[start + t]! * d, perm[start + t]! * d + d), t * d);
        c.view.set(centers);
        ws.x.nearestCenter(x.ptr, m, d, c.ptr, k, a.ptr, dist.ptr);
        const keep = (1 - 1 / window) ** m;
        for (let j = 0; j < k; j++) this.#counts[j]! *= keep;
        const av = ws.i32View(a),
          xs = x.view;
        for (let t = 0; t < m; t++) {
          const j = av[t]!;
          const eta = 1 / ++this.#counts[j]!;
          for (let q = 0; q < d; q++) centers[j * d + q]! += eta * (xs[t * d + q]! - centers[j * d + q]!);
        }
        this.#batches++;
      }
    });
    return this;
  }

  /** The current centres as a model; `inertia` and `counts` are measured on `frame` when given. */
  model(frame?: FrameLike): KMeansModel {
    if (!this.#centers) throw new RangeError('k-means: no rows seen; call partialFit() with data first');
    const a = frame ? assign(this.#centers, this.#o.k, frame) : undefined;
    const rest = { algorithm: 'minibatch' as const, iterations: this.#batches, converged: null, restarts: this.#o.nInit };
    const counts = a ? clusterSizes(a, this.#o.k) : Array.from(this.#counts);
    return toModel(this.featureNames, this.#centers, { counts, inertia: a ? a.inertia : NaN, ...rest });
  }
}

/** Mini-batch k-means over `epochs` passes, ended by one full Lloyd step (assign all rows, centres to their means). */
function fitMiniBatch(frame: FrameLike, o: Resolved): KMeansModel {
  const km = new MiniBatchKMeans(frame.names, o);
  for (let e = 0; e < o.epochs; e++) km.partialFit(frame);
  const { params } = km.model();
  const last = Float64Array.from(params.centers.flat());
  const centers = means(frame, assign(last, o.k, frame), last, o.k);
  const a = assign(centers, o.k, frame);
  return toModel(frame.names, centers, { ...params, counts: clusterSizes(a, o.k), inertia: a.inertia });
}

/**
 * Fits k-means (labels are ignored): Lloyd from `nInit` k-means++ seedings when rows × features × k
 * is at most `maxLloydWork`, else mini-batch over `epochs` passes ended by a full Lloyd step.
 */
export function fitKMeans(frame: FrameLike, _labels: ArrayLike<number> | null = null, options: KMeansOptions = {}): KMeansModel {
  const o = resolve(options);
  if (frame.rows * frame.cols * o.k > o.maxLloydWork) return fitMiniBatch(frame, o);
  checkFinite('fitKMeans', frame);
  return fitLloyd(frame, o);
}

/** The k-means trainer. */
export const kMeans: Trainer<KMeansOptions, KMeansModel> = { name: 'kmeans', fit: fitKMeans };
