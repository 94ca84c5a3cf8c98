/**
 * Histogram-based growth of one depth-limited regression tree on gradients and hessians
 * (second-order boosting, as in XGBoost/LightGBM): features are pre-binned to u8 in WASM,
 * each node's (Σg, Σh) histogram comes from the WASM `histogram` kernel (the larger child by
 * subtraction from its parent), and the best split maximises
 *   gain = G_L²/(H_L + λ) + G_R²/(H_R + λ) - G²/(H + λ).
 */
import type { Tree, TreeNode } from '../onnx/builders/tree-ensemble.js';
import type { RawBlock, Workspace } from './wasm.js';
import type { F64Block } from '../../kernels/index.js';

/** Binned training data and the buffers tree growth works in. */
export interface BinnedData {
  ws: Workspace;
  rows: number;
  d: number;
  /** Bins per feature (edges + 1). */
  nb: number;
  /** Split thresholds per feature: x ≤ edges[j][b] goes left. */
  edges: Float64Array[];
  /** u8 [rows × d] bins. */
  bins: RawBlock;
  /** i32 [rows] row indices, partitioned in place node by node. */
  order: RawBlock;
  grad: F64Block;
  hess: F64Block;
  /** d × nb × 2 f64, the kernel's output. */
  hist: F64Block;
}

/** Tree growth settings. */
export interface GrowOptions {
  maxDepth: number;
  l2: number;
  minChildWeight: number;
  minGain: number;
  learningRate: number;
}

interface Split {
  feature: number;
  bin: number;
  gain: number;
}

/** Best split of a node from its histogram, or undefined if none passes the constraints. */
function bestSplit(data: BinnedData, hist: Float64Array, G: number, H: number, o: GrowOptions): Split | undefined {
  const parent = (G * G) / (H + o.l2);
  let best: Split | undefined;
  for (let j = 0; j < data.d; j++) {
    let gl = 0,
      hl = 0;
    const base = j * data.nb * 2;
    const splits = data.edges[j]!.length;
    for (let b = 0; b < splits; b++) {
      gl += hist[base + 2 * b]!;
      hl += hist[base + 2 * b + 1]!;
      const gr = G - gl,
        hr = H - hl;
      if (hl < o.minChildWeight || hr < o.minChildWeight) continue;
      const gain = (gl * gl) / (hl + o.l2) + (gr * gr) / (hr + o.l2) - parent;
      if (gain > o.minGain && (!best || gain > best.gain)) best = { feature: j, bin: b, gain };
    }
  }
  return best;
}

/**
 * Grows one tree over the rows listed in `data.order` (all of them, any order) and adds each
 * leaf's value to `update[row]`; returns the tree in the ONNX builder's form. Leaf values are
 * rounded to float32, as the ONNX model stores them.
 */
export function growTree(data: BinnedData, o: GrowOptions, update: Float64Array, updateStride = 1, updateOffset = 0): Tree {
  const { ws, d, nb } = data;
  const nodes: TreeNode[] = [];
  const size = d * nb * 2;
  const histOf = (start: number, count: number): Float64Array => {
    ws.x.histogram(data.bins.ptr, d, nb, data.order.ptr + start * 4, count, data.grad.ptr, data.hess.ptr, data.hist.ptr);
    return Float64Array.from(data.hist.view);
  };
  const grow = (start: number, count: number, hist: Float64Array, depth: number): number => {
    let G = 0,
      H = 0;
    for (let b = 0; b < nb; b++) {
      G += hist[2 * b]!;
      H += hist[2 * b + 1]!;
    }
    const id = nodes.length;
    const split = depth < o.maxDepth && count > 1 ? bestSplit(data, hist, G, H, o) : undefined;
    if (!split) {
      const w = Math.fround((-G / (H + o.l2)) * o.learningRate);
      nodes.push({ mode: 'LEAF', weights: [w] });
      const order = ws.i32View(data.order);
      for (let t = start; t < start + count; t++) update[order[t]! * updateStride + updateOffset]! += w;
      return id;
    }
    nodes.push({ mode: 'LEAF', weights: [0] }); // placeholder, replaced below
    // Stable partition of the node's rows: bin ≤ split.bin to the left.
    const order = ws.i32View(data.order),
      bins = ws.u8View(data.bins);
    const right: number[] = [];
    let left = start;
    for (let t = start; t < start + count; t++) {
      const row = order[t]!;
      if (bins[row * d + split.feature]! <= split.bin) order[left++] = row;
      else right.push(row);
    }
    order.set(right, left);
    const nLeft = left - start,
      nRight = count - nLeft;
    // Histogram of the smaller child by the kernel, of the larger by subtraction.
    const small = nLeft <= nRight ? histOf(start, nLeft) : histOf(left, nRight);
    const large = new Float64Array(size);
    for (let i = 0; i < size; i++) large[i] = hist[i]! - small[i]!;
    const [hl, hr] = nLeft <= nRight ? [small, large] : [large, small];
    const trueChild = grow(start, nLeft, hl, depth + 1);
    const falseChild = grow(left, nRight, hr, depth + 1);
    nodes[id] = { mode: 'BRANCH_LEQ', feature: split.feature, threshold: data.edges[split.feature]![split.bin]!, trueChild, falseChild };
    return id;
  };
  const all = histOf(0, data.rows);
  grow(0, data.rows, all, 0);
  return { nodes };
}

/** Sum of the tree's leaf values for one row of a row-major f32 frame (NaN goes to the false child). */
export function treeValue(tree: Tree, x: Float32Array, offset: number): number {
  let id = 0;
  for (;;) {
    const node = tree.nodes[id]!;
    if (node.mode === 'LEAF') return node.weights[0]!;
    id = x[offset + node.feature]! <= node.threshold ? node.trueChild : node.falseChild;
  }
}
