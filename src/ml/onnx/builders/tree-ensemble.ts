/**
 * Tree ensembles as `ai.onnx.ml` TreeEnsembleRegressor / TreeEnsembleClassifier (opset 3, the ops
 * the XGBoost, LightGBM and scikit-learn converters emit), from a plain tree description.
 * A branch sends x to `trueChild` when `x[feature] <= threshold` (BRANCH_LEQ) or `<` (BRANCH_LT);
 * a missing value (NaN) goes to `trueChild` only if `missingTracksTrue`. Leaves carry one weight
 * per target (regressor) or per class (classifier); the ensemble sums them over trees.
 */
import type { AttributeValue } from '../encode.js';
import { floats, ints, str, strings } from '../encode.js';
import { beginGraph, finishModel, type BuildOptions } from './common.js';

/** Comparison a branch node applies: true child when `x OP threshold`. */
export type BranchMode = 'BRANCH_LEQ' | 'BRANCH_LT' | 'BRANCH_GTE' | 'BRANCH_GT';

/** A node of a tree: a branch on one feature, or a leaf with weights. */
export type TreeNode =
  { mode: BranchMode; feature: number; threshold: number; trueChild: number; falseChild: number; missingTracksTrue?: boolean } | { mode: 'LEAF'; weights: readonly number[] };

/** One tree; node 0 is the root, children are indices into `nodes`. */
export interface Tree {
  nodes: readonly TreeNode[];
}

/** Score transform after summing: NONE, SOFTMAX (over classes) or LOGISTIC (each score). */
export type PostTransform = 'NONE' | 'SOFTMAX' | 'LOGISTIC';

/** A tree ensemble regressor. */
export interface TreeEnsembleRegressorParams {
  trees: readonly Tree[];
  features: number;
  /** Number of targets (weights per leaf); default 1. */
  targets?: number;
  /** SUM (boosting, default) or AVERAGE (random forests). */
  aggregate?: 'SUM' | 'AVERAGE';
  /** Added to each target; default 0. */
  baseValues?: readonly number[];
}

/** A tree ensemble classifier. */
export interface TreeEnsembleClassifierParams {
  trees: readonly Tree[];
  features: number;
  /** Integer label of each class; their count is the number of classes (≥ 3; see `xgboostClassifierModel` for binary). */
  classLabels: readonly number[];
  /** Default NONE. */
  postTransform?: PostTransform;
  /** Added to each class score before the transform. */
  baseValues?: readonly number[];
}

/** The nodes_* and <prefix>_* attributes describing the trees; checks the description. */
export function treeAttributes(
  trees: readonly Tree[],
  features: number,
  width: number,
  prefix: 'target' | 'class',
  /** Which target/class the k-th weight of a leaf of tree t adds to; default k. */
  leafTarget: (tree: number, k: number) => number = (_t, k) => k,
): Record<string, AttributeValue> {
  const treeIds: number[] = [],
    nodeIds: number[] = [],
    featureIds: number[] = [],
    values: number[] = [],
    modes: string[] = [];
  const trueIds: number[] = [],
    falseIds: number[] = [],
    missing: number[] = [];
  const leafTree: number[] = [],
    leafNode: number[] = [],
    leafIds: number[] = [],
    leafWeight: number[] = [];
  if (trees.length === 0) throw new RangeError('tree ensemble: needs at least one tree');
  trees.forEach((tree, t) => {
    if (tree.nodes.length === 0) throw new RangeError(`tree ${t}: has no nodes`);
    tree.nodes.forEach((node, id) => {
      treeIds.push(t);
      nodeIds.push(id);
      modes.push(node.mode);
      if (node.mode === 'LEAF') {
        if (node.weights.length !== width) throw new RangeError(`tree ${t} node ${id}: ${node.weights.length} leaf weights, expected ${width}`);
        featureIds.push(0);
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        missing.push(0);
        node.weights.forEach((w, k) => {
          leafTree.push(t);
          leafNode.push(id);
          leafIds.push(leafTarget(t, k));
          leafWeight.push(w);
        });
        return;
      }
      for (const child of [node.trueChild, node.falseChild]) {
        if (!Number.isInteger(child) || child <= 0 || child >= tree.nodes.length || child === id) {
          throw new RangeError(`tree ${t} node ${id}: child ${child} is not a node of the tree (1..${tree.nodes.length - 1})`);
        }
      }
      if (!Number.isInteger(node.feature) || node.feature < 0 || node.feature >= features) {
        throw new RangeError(`tree ${t} node ${id}: feature ${node.feature} is outside 0..${features - 1}`);
      }
      featureIds.push(node.feature);
      values.push(node.threshold);
      trueIds.push(node.trueChild);
      falseIds.push(node.falseChild);
      missing.push(node.missingTracksTrue ? 1 : 0);
    });
  });
  return {
    nodes_treeids: ints(treeIds),
    nodes_nodeids: ints(nodeIds),
    nodes_featureids: ints(featureIds),
    nodes_values: floats(values),
    nodes_modes: strings(modes),
    nodes_truenodeids: ints(trueIds),
    nodes_falsenodeids: ints(falseIds),
    nodes_missing_value_tracks_true: ints(missing),
    [`${prefix}_treeids`]: ints(leafTree),
    [`${prefix}_nodeids`]: ints(leafNode),
    [`${prefix}_ids`]: ints(leafIds),
    [`${prefix}_weights`]: floats(leafWeight),
  };
}

/** Builds a TreeEnsembleRegressor model; output `prediction` `[N, targets]`. */
export function treeEnsembleRegressorModel(params: TreeEnsembleRegressorParams, options: BuildOptions = {}): Uint8Array {
  const targets = params.targets ?? 1;
  const { g, x, n } = beginGraph('tree-ensemble-regressor', params.features, options);
  const attributes: Record<string, AttributeValue> = {
    ...treeAttributes(params.trees, params.features, targets, 'target'),
    n_targets: { kind: 'int', value: targets },
    aggregate_function: str(params.aggregate ?? 'SUM'),
    post_transform: str('NONE'),
  };
  if (params.baseValues) {
    if (params.baseValues.length !== targets) throw new RangeError(`treeEnsembleRegressorModel: ${params.baseValues.length} baseValues for ${targets} targets`);
    attributes['base_values'] = floats(params.baseValues);
  }
  const y = g.op('TreeEnsembleRegressor', [x], { domain: 'ai.onnx.ml', attributes, output: 'prediction' });
  g.output(y, 'float', [n, targets]);
  return finishModel(g, 'tree-ensemble-regressor', options);
}

/** Builds a TreeEnsembleClassifier model; outputs `label` (int64 `[N]`) and `probabilities` `[N, classes]`. */
export function treeEnsembleClassifierModel(params: TreeEnsembleClassifierParams, options: BuildOptions = {}): Uint8Array {
  const classes = params.classLabels.length;
  if (classes === 2) {
    // onnxruntime reads a 2-class TreeEnsembleClassifier as binary: it ignores class 1's weights
    // (score1 = base1 + score0, score0 = -score1), so per-class leaf weights would be misread.
    throw new RangeError(
      'treeEnsembleClassifierModel: 2 classes are not supported as per-class weights (onnxruntime treats them as one binary margin); ' +
        'write one margin per leaf with xgboostClassifierModel({ classes: 2 }) (LOGISTIC), or use treeEnsembleRegressorModel and a threshold',
    );
  }
  if (classes < 3) throw new RangeError(`treeEnsembleClassifierModel: needs at least 3 classLabels, got ${classes}`);
  const { g, x, n } = beginGraph('tree-ensemble-classifier', params.features, options);
  const attributes: Record<string, AttributeValue> = {
    ...treeAttributes(params.trees, params.features, classes, 'class'),
    classlabels_int64s: ints(params.classLabels),
    post_transform: str(params.postTransform ?? 'NONE'),
  };
  if (params.baseValues) {
    if (params.baseValues.length !== classes) throw new RangeError(`treeEnsembleClassifierModel: ${params.baseValues.length} baseValues for ${classes} classes`);
    attributes['base_values'] = floats(params.baseValues);
  }
  const [label, probabilities] = g.node('TreeEnsembleClassifier', [x], { domain: 'ai.onnx.ml', attributes, outputs: ['label', 'probabilities'] });
  g.output(label!, 'int64', [n]);
  g.output(probabilities!, 'float', [n, classes]);
  return finishModel(g, 'tree-ensemble-classifier', options);
}
