/**
 * Mini-batch k-means (Sculley, "Web-scale k-means clustering", 2010) for unlabelled baselines:
 * Greedy k-means++ seeding on a sample, then per batch each row moves its nearest centre towards it by
 * 1/(rows that centre has absorbed). Assignment is the WASM `nearestCenter` kernel. `partialFit`
 * continues from the current centres, so a stream of bundles trains it incrementally. The
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
  /** Rows per mini-batch; default 1024. */
  batchSize?: number;
  /** Passes over the data; default 10. */
  epochs?: number;
  /** Seed of the seeding and batch order; default 0. */
  seed?: number;
}

/** Fitted centres. */
export interface KMeansParams {
  /** `k × features` centres. */
  centers: number[][];
  /** Rows each centre has absorbed. */
  counts: number[];
  /** Σ squared distance to the nearest centre over the training rows, after training. */
  inertia: number;
}

/** Nearest-centre assignment of every row: cluster index and squared distance. */
function assign(centers: Float64Array, k: number, frame: FrameLike): { cluster: Int32Array; dist: Float64Array; inertia: number } {
  const cluster = new Int32Array(frame.rows), dist = new Float64Array(frame.rows);
  let inertia = 0;
  withWorkspace((ws) => {
    const c = ws.f64Of(centers);
    const rows = Math.min(frame.rows, 16_384);
    const a = ws.raw(rows * 4), dd = ws.f64(rows);
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
  constructor(readonly featureNames: readonly string[], readonly params: KMeansParams) {
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
    const k = this.params.centers.length, d = this.featureNames.length;
    const { g, x, n } = beginGraph('kmeans', d, { ...options, featureNames: this.featureNames });
    const x3 = g.op('Reshape', [x, g.int64s([3], [-1, 1, d], 'shape_n1f')]);
    const diff = g.op('Sub', [x3, g.floats([k, d], this.#flat, 'centers')]);
    const dist = g.op('ReduceSum', [g.op('Mul', [diff, diff]), g.int64s([1], [2], 'axis_features')], {
      attributes: { keepdims: { kind: 'int', value: 0 } }, output: 'distances',
    });
    const label = g.op('ArgMin', [dist], { attributes: { axis: { kind: 'int', value: 1 }, keepdims: { kind: 'int', value: 0 } }, output: 'label' });
    g.output(label, 'int64', [n]);
    g.output(dist, 'float', [n, k]);
    return finishModel(g, 'kmeans', { ...options, featureNames: this.featureNames });
  }
}

/** Mini-batch k-means state; `partialFit` bundles, `model()` any time. */
export class MiniBatchKMeans {
  readonly #k: number;
  readonly #batch: number;
  readonly #rng: () => number;
  #centers: Float64Array | undefined;
  #counts: Float64Array;

  constructor(readonly featureNames: readonly string[], options: KMeansOptions = {}) {
    this.#k = options.k ?? 8;
    this.#batch = options.batchSize ?? 1024;
    if (!Number.isInteger(this.#k) || this.#k < 1) throw new RangeError(`k-means: k must be an integer ≥ 1, got ${options.k}`);
    if (!Number.isInteger(this.#batch) || this.#batch < 1) throw new RangeError(`k-means: batchSize must be an integer ≥ 1, got ${options.batchSize}`);
    this.#rng = seededRandom(options.seed ?? 0);
    this.#counts = new Float64Array(this.#k);
  }

  /**
   * Greedy k-means++ seeding (as scikit-learn does) from a sample of at most 10,000 rows of the
   * first bundle: each new centre is the best of 2 + ⌊ln k⌋ D²-weighted candidates, the one that
   * lowers the sample's potential most. Plain k-means++ puts two seeds in one cluster often enough
   * that mini-batch updates, which never move a centre far, stay stuck in that local optimum.
   */
  #seed(frame: FrameLike): Float64Array {
    const k = this.#k, d = frame.cols, v = frame.view;
    if (frame.rows < k) throw new RangeError(`k-means: the first bundle has ${frame.rows} rows, fewer than k = ${k}`);
    const m = Math.min(frame.rows, 10_000);
    const sample = Array.from({ length: m }, () => Math.floor(this.#rng() * frame.rows));
    const trials = 2 + Math.floor(Math.log(k));
    const centers = new Float64Array(k * d);
    let best: Float64Array = new Float64Array(m).fill(Infinity);
    let total = Infinity;
    const distances = (row: number): Float64Array => {
      const next = new Float64Array(m);
      sample.forEach((other, t) => {
        let s = 0;
        for (let j = 0; j < d; j++) s += (v[other * d + j]! - v[row * d + j]!) ** 2;
        next[t] = Math.min(best[t]!, s);
      });
      return next;
    };
    for (let c = 0; c < k; c++) {
      let chosen = sample[0]!, chosenBest = best, chosenTotal = Infinity;
      for (let trial = 0; trial < (c === 0 ? 1 : trials); trial++) {
        const row = c === 0 ? sample[Math.floor(this.#rng() * m)]! : this.#drawWeighted(sample, best, total);
        const next = distances(row);
        const potential = next.reduce((a, b) => a + b, 0);
        if (potential < chosenTotal) [chosen, chosenBest, chosenTotal] = [row, next, potential];
      }
      for (let j = 0; j < d; j++) centers[c * d + j] = v[chosen * d + j]!;
      [best, total] = [chosenBest, chosenTotal];
    }
    return centers;
  }

  /** A sample row drawn with probability proportional to its squared distance to the nearest centre. */
  #drawWeighted(sample: readonly number[], best: Float64Array, total: number): number {
    let u = this.#rng() * total;
    for (let t = 0; t < sample.length; t++) {
      u -= best[t]!;
      if (u <= 0) return sample[t]!;
    }
    return sample[sample.length - 1]!;
  }

  /** One pass of mini-batch updates over the bundle's rows, in a seeded random order. */
  partialFit(frame: FrameLike): this {
    checkColumns('MiniBatchKMeans.partialFit', this.featureNames, frame);
    checkFinite('MiniBatchKMeans.partialFit', frame);
    const centers = (this.#centers ??= this.#seed(frame));
    const k = this.#k, d = frame.cols, n = frame.rows, v = frame.view;
    const perm = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.#rng() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    withWorkspace((ws) => {
      const b = Math.min(this.#batch, n);
      const x = ws.f32(b * d), c = ws.f64(k * d), a = ws.raw(b * 4), dist = ws.f64(b);
      for (let start = 0; start < n; start += b) {
        const m = Math.min(b, n - start);
        const xv = x.view;
        for (let t = 0; t < m; t++) xv.set(v.subarray(perm[start + t]! * d, perm[start + t]! * d + d), t * d);
        c.view.set(centers);
        ws.x.nearestCenter(x.ptr, m, d, c.ptr, k, a.ptr, dist.ptr);
        const av = ws.i32View(a), xs = x.view;
        for (let t = 0; t < m; t++) {
          const j = av[t]!;
          const eta = 1 / ++this.#counts[j]!;
          for (let q = 0; q < d; q++) centers[j * d + q]! += eta * (xs[t * d + q]! - centers[j * d + q]!);
        }
      }
    });
    return this;
  }

  /** The current centres as a model; `inertia` is measured on `frame` when given. */
  model(frame?: FrameLike): KMeansModel {
    if (!this.#centers) throw new RangeError('k-means: no rows seen; call partialFit() with data first');
    const d = this.featureNames.length;
    const centers = Array.from({ length: this.#k }, (_, c) => Array.from(this.#centers!.subarray(c * d, c * d + d)));
    const inertia = frame ? assign(this.#centers, this.#k, frame).inertia : NaN;
    return new KMeansModel(this.featureNames, { centers, counts: Array.from(this.#counts), inertia });
  }
}

/** Fits mini-batch k-means with `epochs` passes over the frame (labels are ignored). */
export function fitKMeans(frame: FrameLike, _labels: ArrayLike<number> | null = null, options: KMeansOptions = {}): KMeansModel {
  const epochs = options.epochs ?? 10;
  if (!Number.isInteger(epochs) || epochs < 1) throw new RangeError(`k-means: epochs must be an integer ≥ 1, got ${options.epochs}`);
  const km = new MiniBatchKMeans(frame.names, options);
  for (let e = 0; e < epochs; e++) km.partialFit(frame);
  return km.model(frame);
}

/** The mini-batch k-means trainer. */
export const kMeans: Trainer<KMeansOptions, KMeansModel> = { name: 'kmeans', fit: fitKMeans };
