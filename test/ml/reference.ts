/**
 * Plain-TS twins of the model builders: what each model computes, in float64, row by row.
 * Tests compare onnxruntime-web and onnxruntime-node against these.
 */
import type { FeatureScaler } from '../../src/ml/onnx/builders/scaler.js';
import type { PostTransform, Tree } from '../../src/ml/onnx/builders/tree-ensemble.js';
import type { KerasDenseLayer } from '../../src/ml/onnx/frameworks/keras-dense.js';
import type { TorchGruParams } from '../../src/ml/onnx/frameworks/torch-gru.js';

export type Rows = number[][];

export function toRows(frame: Float32Array, cols: number): Rows {
  const rows: Rows = [];
  for (let i = 0; i < frame.length; i += cols) rows.push(Array.from(frame.subarray(i, i + cols)));
  return rows;
}

export function scaleRows(rows: Rows, s: FeatureScaler | undefined): Rows {
  if (!s) return rows;
  return rows.map((r) => r.map((v, j) => (s.kind === 'zscore' ? (v - s.mean[j]!) / s.std[j]! : (v - s.min[j]!) / (s.max[j]! - s.min[j]!))));
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

export function softmax(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function argmax(z: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < z.length; i++) if (z[i]! > z[best]!) best = i;
  return best;
}

export function linear(rows: Rows, weights: readonly (readonly number[])[], bias: readonly number[]): Rows {
  return rows.map((x) => weights.map((w, t) => dot(x, w) + bias[t]!));
}

export function logistic(rows: Rows, weights: readonly (readonly number[])[], bias: readonly number[]): Rows {
  return linear(rows, weights, bias).map((z) => (z.length === 1 ? [1 - sigmoid(z[0]!), sigmoid(z[0]!)] : softmax(z)));
}

export function naiveBayesJll(rows: Rows, means: Rows, variances: Rows, priors: readonly number[]): Rows {
  return rows.map((x) =>
    means.map((mu, c) => {
      let s = Math.log(priors[c]!);
      mu.forEach((m, j) => {
        const v = variances[c]![j]!;
        s -= 0.5 * Math.log(2 * Math.PI * v) + (x[j]! - m) ** 2 / (2 * v);
      });
      return s;
    }),
  );
}

/** Leaf reached by x in a tree; NaN follows missingTracksTrue. Thresholds compared as float32, like onnxruntime. */
export function treeLeaf(tree: Tree, x: readonly number[]): readonly number[] {
  let id = 0;
  for (;;) {
    const node = tree.nodes[id]!;
    if (node.mode === 'LEAF') return node.weights;
    const v = x[node.feature]!;
    const t = Math.fround(node.threshold);
    let goTrue: boolean;
    if (Number.isNaN(v)) goTrue = node.missingTracksTrue ?? false;
    else if (node.mode === 'BRANCH_LEQ') goTrue = v <= t;
    else if (node.mode === 'BRANCH_LT') goTrue = v < t;
    else if (node.mode === 'BRANCH_GTE') goTrue = v >= t;
    else goTrue = v > t;
    id = goTrue ? node.trueChild : node.falseChild;
  }
}

export function treeScores(rows: Rows, trees: readonly Tree[], width: number, base: readonly number[] = [], leafTarget = (_t: number, k: number) => k): Rows {
  return rows.map((x) => {
    const s = Array.from({ length: width }, (_, k) => base[k] ?? 0);
    trees.forEach((tree, t) => treeLeaf(tree, x).forEach((w, k) => (s[leafTarget(t, k)]! += w)));
    return s;
  });
}

export function postTransform(scores: Rows, p: PostTransform): Rows {
  if (p === 'SOFTMAX') return scores.map(softmax);
  if (p === 'LOGISTIC') return scores.map((r) => r.map(sigmoid));
  return scores;
}

export function dense(rows: Rows, layers: readonly KerasDenseLayer[]): Rows {
  let out = rows;
  for (const layer of layers) {
    out = out.map((x) => {
      const z = layer.bias.map((b, u) => b + x.reduce((s, v, i) => s + v * layer.kernel[i]![u]!, 0));
      switch (layer.activation) {
        case 'relu':
          return z.map((v) => Math.max(0, v));
        case 'sigmoid':
          return z.map(sigmoid);
        case 'tanh':
          return z.map(Math.tanh);
        case 'softmax':
          return softmax(z);
        default:
          return z;
      }
    });
  }
  return out;
}

/** One PyTorch GRU step + Linear, per row: returns [output rows, new hidden rows]. */
export function gruStep(p: TorchGruParams, x: Rows, h: Rows): [Rows, Rows] {
  const H = p.weightHh[0]!.length;
  const hn = x.map((xi, b) => {
    const hi = h[b]!;
    const gi = p.weightIh.map((w, k) => dot(w, xi) + p.biasIh[k]!);
    const gh = p.weightHh.map((w, k) => dot(w, hi) + p.biasHh[k]!);
    return Array.from({ length: H }, (_, j) => {
      const r = sigmoid(gi[j]! + gh[j]!);
      const z = sigmoid(gi[H + j]! + gh[H + j]!);
      const n = Math.tanh(gi[2 * H + j]! + r * gh[2 * H + j]!);
      return (1 - z) * n + z * hi[j]!;
    });
  });
  return [linear(hn, p.fcWeight, p.fcBias), hn];
}
