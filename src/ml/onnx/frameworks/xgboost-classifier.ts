/**
 * An XGBoost classifier in the shape onnxmltools exports it: input `input` `[None, F]`, one
 * TreeEnsembleClassifier with BRANCH_LT nodes (XGBoost splits on `x < threshold`; its "missing
 * goes yes" maps to missing-tracks-true), one weight per leaf. Multi-class (`multi:softprob`):
 * tree t adds to class `t % C`, SOFTMAX. Binary (`binary:logistic`): every tree adds to class 0,
 * LOGISTIC, and onnxruntime expands the single score to `[1 - p, p]`.
 */
import { GraphBuilder } from '../graph-builder.js';
import { floats, ints, str } from '../encode.js';
import { treeAttributes, type Tree } from '../builders/tree-ensemble.js';

/** A boosted ensemble: trees in boosting order, leaves with one weight (the margin contribution). */
export interface XgboostClassifierParams {
  trees: readonly Tree[];
  features: number;
  /** Number of classes; 2 means binary:logistic. */
  classes: number;
  /** Base margin added to every class score; default 0 (XGBoost's base_score 0.5 in logit space). */
  baseMargin?: number;
}

/** Builds the onnxmltools shape of an XGBClassifier; outputs `label` `[None]` and `probabilities` `[None, C]`. */
export function xgboostClassifierModel(p: XgboostClassifierParams): Uint8Array {
  if (!Number.isInteger(p.classes) || p.classes < 2) throw new RangeError(`xgboostClassifierModel: classes must be ≥ 2, got ${p.classes}`);
  const binary = p.classes === 2;
  const g = new GraphBuilder('XGBClassifier');
  const x = g.input('input', 'float', [null, p.features]);
  const base = p.baseMargin ?? 0;
  const [label, probabilities] = g.node('TreeEnsembleClassifier', [x], {
    domain: 'ai.onnx.ml',
    name: 'TreeEnsembleClassifier',
    outputs: ['label', 'probabilities'],
    attributes: {
      ...treeAttributes(p.trees, p.features, 1, 'class', (t) => (binary ? 0 : t % p.classes)),
      classlabels_int64s: ints(Array.from({ length: p.classes }, (_, k) => k)),
      post_transform: str(binary ? 'LOGISTIC' : 'SOFTMAX'),
      base_values: floats(binary ? [base] : Array.from({ length: p.classes }, () => base)),
    },
  });
  g.output(label!, 'int64', [null]);
  g.output(probabilities!, 'float', [null, p.classes]);
  return g.encode({
    producerName: 'OnnxMLTools',
    producerVersion: '1.12.0',
    domain: 'onnxconverter-common',
    opsets: [
      { domain: '', version: 13 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
  });
}
