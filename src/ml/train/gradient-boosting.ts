/**
 * Gradient-boosted trees for regression (squared error) and classification (logistic for two
 * classes, softmax for more): a small number of depth-limited trees grown on 8-bit feature
 * histograms in WASM (`binColumns`, `histogram`), exported as an `ai.onnx.ml`
 * TreeEnsembleRegressor / TreeEnsembleClassifier.
 */
import { beginGraph, finishModel } from '../onnx/builders/common.js';
import { floats, ints, str } from '../onnx/encode.js';
import { treeAttributes, treeEnsembleRegressorModel, type Tree } from '../onnx/builders/tree-ensemble.js';
import { argmaxLabels, logValues, sigmoidPairs, softmaxRows } from './probabilities.js';
import { growTree, treeValue, type BinnedData, type GrowOptions } from './tree-growth.js';
import type { ExportOptions, FrameLike, TrainedClassifier, TrainedModel, Trainer } from './types.js';
import { checkColumns, checkFinite, checkLabels, encodeClasses, stageFrame, withWorkspace, type Workspace } from './wasm.js';

/** Options of gradient boosting. */
export interface GradientBoostingOptions {
  /** Boosting rounds (trees per class); default 50. */
  rounds?: number;
  /** Maximum tree depth; default 3. */
  maxDepth?: number;
  /** Shrinkage of each tree; default 0.1. */
  learningRate?: number;
  /** Histogram bins per feature, 2..256; default 64. */
  maxBins?: number;
  /** L2 penalty λ on leaf values; default 1. */
  l2?: number;
  /** Minimum Σ hessian in a child (rows, for squared error); default 1. */
  minChildWeight?: number;
  /** Minimum gain to split; default 0. */
  minGain?: number;
}

/** Fitted ensemble: trees in boosting order (round-major, one per class per round for > 2 classes). */
export interface GradientBoostingParams {
  trees: Tree[];
  /** Initial score (regression: mean; binary: log-odds; multi-class: log priors). */
  baseValues: number[];
  /** Class labels (classifiers only). */
  classes?: number[];
}

function resolve(o: GradientBoostingOptions): Required<GradientBoostingOptions> {
  const r = { rounds: 50, maxDepth: 3, learningRate: 0.1, maxBins: 64, l2: 1, minChildWeight: 1, minGain: 0, ...o };
  const check = (ok: boolean, name: string, want: string): void => {
    if (!ok) throw new RangeError(`gradient boosting: ${name} must be ${want}, got ${String(o[name as keyof GradientBoostingOptions])}`);
  };
  check(Number.isInteger(r.rounds) && r.rounds >= 1, 'rounds', 'an integer ≥ 1');
  check(Number.isInteger(r.maxDepth) && r.maxDepth >= 1 && r.maxDepth <= 12, 'maxDepth', 'an integer in 1..12');
  check(r.learningRate > 0 && r.learningRate <= 1, 'learningRate', 'in (0, 1]');
  check(Number.isInteger(r.maxBins) && r.maxBins >= 2 && r.maxBins <= 256, 'maxBins', 'an integer in 2..256');
  check(r.l2 >= 0 && r.minChildWeight >= 0 && r.minGain >= 0, 'l2, minChildWeight and minGain', '≥ 0');
  return r;
}

/** Split candidates per feature: distinct values, or quantiles of a strided sample when there are more than maxBins - 1. */
function binEdges(frame: FrameLike, maxBins: number): Float64Array[] {
  const { rows, cols, view } = frame;
  const m = maxBins - 1;
  const stride = Math.max(1, Math.floor(rows / 100_000));
  return Array.from({ length: cols }, (_, j) => {
    const sample = new Float32Array(Math.ceil(rows / stride));
    for (let i = 0, t = 0; i < rows; i += stride, t++) sample[t] = view[i * cols + j]!;
    sample.sort();
    const distinct: number[] = [];
    for (const v of sample) if (distinct.length === 0 || v !== distinct.at(-1)) distinct.push(v);
    // The largest value is no split (nothing would go right), so it is dropped.
    const candidates = distinct.slice(0, -1);
    if (candidates.length <= m) return Float64Array.from(candidates);
    const edges: number[] = [];
    for (let b = 1; b <= m; b++) {
      const v = sample[Math.min(sample.length - 1, Math.floor((b * sample.length) / (m + 1)))]!;
      if (v < distinct.at(-1)! && v !== edges.at(-1)) edges.push(v);
    }
    return Float64Array.from(edges);
  });
}

/** Bins the frame in WASM and allocates the growth buffers. */
function binData(ws: Workspace, frame: FrameLike, maxBins: number): BinnedData {
  const { rows, cols: d } = frame;
  const edges = binEdges(frame, maxBins);
  const m = maxBins - 1;
  const padded = new Float64Array(d * m).fill(Infinity);
  edges.forEach((e, j) => padded.set(e, j * m));
  const x = stageFrame(ws, frame);
  const pe = ws.f64Of(padded);
  const bins = ws.raw(rows * d);
  const order = ws.raw(rows * 4);
  const data: BinnedData = { ws, rows, d, nb: maxBins, edges, bins, order, grad: ws.f64(rows), hess: ws.f64(rows), hist: ws.f64(d * maxBins * 2) };
  ws.x.binColumns(x, rows, d, pe.ptr, m, bins.ptr);
  return data;
}

function resetOrder(data: BinnedData): void {
  const order = data.ws.i32View(data.order);
  for (let i = 0; i < data.rows; i++) order[i] = i;
}

function growOptions(r: Required<GradientBoostingOptions>): GrowOptions {
  return { maxDepth: r.maxDepth, l2: r.l2, minChildWeight: r.minChildWeight, minGain: r.minGain, learningRate: r.learningRate };
}

/** Sums of tree values per row and output (`outputs` scores per row, tree t adds to output t % outputs). */
function ensembleScores(trees: readonly Tree[], base: readonly number[], frame: FrameLike): Float64Array {
  const k = base.length,
    { rows, cols, view } = frame;
  const out = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < k; c++) out[i * k + c] = base[c]!;
    for (let t = 0; t < trees.length; t++) out[i * k + (t % k)]! += treeValue(trees[t]!, view, i * cols);
  }
  return out;
}

/** A fitted gradient-boosted regressor. */
export class GradientBoostingRegressorModel implements TrainedModel<GradientBoostingParams> {
  readonly warnings: readonly string[] = [];
  readonly kind = 'gradient-boosting-regressor';
  constructor(
    readonly featureNames: readonly string[],
    readonly params: GradientBoostingParams,
  ) {}

  predict(frame: FrameLike): Float64Array {
    checkColumns('GradientBoostingRegressorModel.predict', this.featureNames, frame);
    return ensembleScores(this.params.trees, this.params.baseValues, frame);
  }

  /** TreeEnsembleRegressor with output `prediction` `[N, 1]`. */
  toOnnx(options: ExportOptions = {}): Uint8Array {
    return treeEnsembleRegressorModel(
      { trees: this.params.trees, features: this.featureNames.length, baseValues: this.params.baseValues },
      { ...options, featureNames: this.featureNames },
    );
  }
}

/** A fitted gradient-boosted classifier. */
export class GradientBoostingClassifierModel implements TrainedClassifier<GradientBoostingParams> {
  readonly warnings: readonly string[] = [];
  readonly kind = 'gradient-boosting-classifier';
  readonly classes: readonly number[];
  constructor(
    readonly featureNames: readonly string[],
    readonly params: GradientBoostingParams,
  ) {
    this.classes = params.classes ?? [];
  }

  predictProba(frame: FrameLike): Float64Array {
    checkColumns('GradientBoostingClassifierModel', this.featureNames, frame);
    const s = ensembleScores(this.params.trees, this.params.baseValues, frame);
    if (this.classes.length > 2) return softmaxRows(s, this.classes.length);
    return sigmoidPairs(s);
  }

  predict(frame: FrameLike): Float64Array {
    return argmaxLabels(this.predictProba(frame), this.classes);
  }

  /** TreeEnsembleClassifier (LOGISTIC for 2 classes, SOFTMAX for more) with outputs `label`, `probabilities`. */
  toOnnx(options: ExportOptions = {}): Uint8Array {
    const k = this.classes.length,
      binary = k === 2,
      d = this.featureNames.length;
    const { g, x, n } = beginGraph(this.kind, d, { ...options, featureNames: this.featureNames });
    const [label, probabilities] = g.node('TreeEnsembleClassifier', [x], {
      domain: 'ai.onnx.ml',
      outputs: ['label', 'probabilities'],
      attributes: {
        ...treeAttributes(this.params.trees, d, 1, 'class', (t) => (binary ? 0 : t % k)),
        classlabels_int64s: ints(this.classes),
        post_transform: str(binary ? 'LOGISTIC' : 'SOFTMAX'),
        base_values: floats(this.params.baseValues),
      },
    });
    g.output(label!, 'int64', [n]);
    g.output(probabilities!, 'float', [n, k]);
    return finishModel(g, this.kind, { ...options, featureNames: this.featureNames });
  }
}

/** Fits a gradient-boosted regressor (squared error). */
export function fitGradientBoostingRegressor(frame: FrameLike, targets: ArrayLike<number> | null, options: GradientBoostingOptions = {}): GradientBoostingRegressorModel {
  checkFinite('fitGradientBoostingRegressor', frame);
  const y = checkLabels('fitGradientBoostingRegressor', frame, targets);
  const r = resolve(options);
  const n = frame.rows;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]! / n;
  const base = Math.fround(mean);
  return withWorkspace((ws) => {
    const data = binData(ws, frame, r.maxBins);
    const F = new Float64Array(n).fill(base);
    data.hess.view.fill(1);
    const trees: Tree[] = [];
    for (let round = 0; round < r.rounds; round++) {
      const g = data.grad.view;
      for (let i = 0; i < n; i++) g[i] = F[i]! - y[i]!;
      resetOrder(data);
      trees.push(growTree(data, growOptions(r), F));
    }
    return new GradientBoostingRegressorModel(frame.names, { trees, baseValues: [base] });
  });
}

/** Fits a gradient-boosted classifier (logistic loss for 2 classes, softmax for more). */
export function fitGradientBoostingClassifier(frame: FrameLike, labels: ArrayLike<number> | null, options: GradientBoostingOptions = {}): GradientBoostingClassifierModel {
  checkFinite('fitGradientBoostingClassifier', frame);
  const { classes, index } = encodeClasses('fitGradientBoostingClassifier', checkLabels('fitGradientBoostingClassifier', frame, labels));
  if (classes.length < 2) throw new RangeError(`fitGradientBoostingClassifier: needs at least 2 classes, got ${classes.length}`);
  const r = resolve(options);
  const n = frame.rows,
    K = classes.length,
    S = K === 2 ? 1 : K;
  const counts = new Array<number>(K).fill(0);
  index.forEach((c) => counts[c]!++);
  // Log-odds and log-priors in WASM, as the probabilities below: the same bits on every CPU.
  const base = Array.from(logValues(K === 2 ? [counts[1]! / counts[0]!] : counts.map((c) => Math.max(c, 1) / n)), Math.fround);
  return withWorkspace((ws) => {
    const data = binData(ws, frame, r.maxBins);
    const F = new Float64Array(n * S);
    for (let i = 0; i < n; i++) for (let c = 0; c < S; c++) F[i * S + c] = base[c]!;
    const P = new Float64Array(n * S);
    const trees: Tree[] = [];
    for (let round = 0; round < r.rounds; round++) {
      P.set(F);
      if (S > 1) softmaxRows(P, S);
      else {
        const pairs = sigmoidPairs(F);
        for (let i = 0; i < n; i++) P[i] = pairs[2 * i + 1]!;
      }
      for (let c = 0; c < S; c++) {
        const g = data.grad.view,
          h = data.hess.view;
        for (let i = 0; i < n; i++) {
          const p = P[i * S + c]!;
          const target = S === 1 ? index[i]! : index[i] === c ? 1 : 0;
          g[i] = p - target;
          h[i] = Math.max(p * (1 - p), 1e-16);
        }
        resetOrder(data);
        trees.push(growTree(data, growOptions(r), F, S, c));
      }
    }
    return new GradientBoostingClassifierModel(frame.names, { trees, baseValues: base, classes });
  });
}

/** The gradient-boosted regressor trainer. */
export const gradientBoostingRegressor: Trainer<GradientBoostingOptions, GradientBoostingRegressorModel> = {
  name: 'gradient-boosting-regressor',
  fit: fitGradientBoostingRegressor,
};

/** The gradient-boosted classifier trainer. */
export const gradientBoostingClassifier: Trainer<GradientBoostingOptions, GradientBoostingClassifierModel> = {
  name: 'gradient-boosting-classifier',
  fit: fitGradientBoostingClassifier,
};
