/**
 * Seeded random parameters for models: tests compare runtimes on them, benchmarks time them.
 * Deterministic (mulberry32), so a failing case can be replayed from its seed.
 */
import { seededRandom } from '../../common/random.js';
import type { Tree, TreeNode } from '../onnx/builders/tree-ensemble.js';

/** A seeded generator of uniform numbers in [0, 1). */
export type Rng = () => number;

/** A seeded generator (mulberry32; the one in `core/random.ts`). */
export const seededRng: (seed: number) => Rng = seededRandom;

/** A standard normal draw (Box-Muller). */
export function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

/** `rows × cols` standard normal values scaled by `scale`. */
export function randomMatrix(rng: Rng, rows: number, cols: number, scale = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => gaussian(rng) * scale));
}

/** A row-major Float32Array frame of standard normal values. */
export function randomFrame(rng: Rng, rows: number, cols: number, scale = 1): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < out.length; i++) out[i] = gaussian(rng) * scale;
  return out;
}

/** Options for `randomTrees`. */
export interface RandomTreesOptions {
  trees: number;
  /** Maximum depth (a root-only tree has depth 0). */
  depth: number;
  features: number;
  /** Weights per leaf (targets or classes). */
  width: number;
  /** Chance that a node above the maximum depth becomes a leaf early; default 0.2. */
  earlyLeaf?: number;
  /** Modes to draw branches from; default BRANCH_LEQ only. */
  modes?: readonly Exclude<TreeNode['mode'], 'LEAF'>[];
}

/** Random trees with nodes numbered depth-first (not breadth-first), thresholds ~ N(0, 1). */
export function randomTrees(rng: Rng, options: RandomTreesOptions): Tree[] {
  const modes = options.modes ?? ['BRANCH_LEQ'];
  const build = (nodes: TreeNode[], depth: number): number => {
    const id = nodes.length;
    if (depth === options.depth || (depth > 0 && rng() < (options.earlyLeaf ?? 0.2))) {
      nodes.push({ mode: 'LEAF', weights: Array.from({ length: options.width }, () => gaussian(rng)) });
      return id;
    }
    const placeholder: TreeNode = { mode: 'LEAF', weights: [] };
    nodes.push(placeholder);
    const trueChild = build(nodes, depth + 1);
    const falseChild = build(nodes, depth + 1);
    nodes[id] = {
      mode: modes[Math.floor(rng() * modes.length)]!,
      feature: Math.floor(rng() * options.features),
      threshold: gaussian(rng),
      trueChild,
      falseChild,
      missingTracksTrue: rng() < 0.5,
    };
    return id;
  };
  return Array.from({ length: options.trees }, () => {
    const nodes: TreeNode[] = [];
    build(nodes, 0);
    return { nodes };
  });
}
