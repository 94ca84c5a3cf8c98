/**
 * scikit-learn pipelines in the shape skl2onnx exports them: input `float_input` `[None, F]`,
 * `ai.onnx.ml` Scaler (StandardScaler: offset = mean, scale = 1/std) then LinearRegressor
 * (output `variable`) or LinearClassifier (→ Cast → `output_label`; probabilities → ZipMap →
 * `output_probability`, a sequence of maps, unless `zipMap: false`, when `output_probability`
 * is the `[None, C]` tensor, as skl2onnx's `options={'zipmap': False}` gives).
 */
import { GraphBuilder } from '../graph-builder.js';
import { floats, ints, str, type AttributeValue } from '../encode.js';

/** A fitted StandardScaler: `mean_` and `scale_`. */
export interface SklearnStandardScaler {
  mean: readonly number[];
  scale: readonly number[];
}

/** `Pipeline([StandardScaler(), LinearRegression()])`. */
export interface SklearnLinearRegressionParams {
  scaler?: SklearnStandardScaler;
  /** `coef_` (`[F]`). */
  coef: readonly number[];
  /** `intercept_`. */
  intercept: number;
}

/** `Pipeline([StandardScaler(), LogisticRegression()])` with ≥ 3 classes, or 2 as two rows. */
export interface SklearnLogisticRegressionParams {
  scaler?: SklearnStandardScaler;
  /** `coef_` (`[C][F]`). */
  coef: readonly (readonly number[])[];
  /** `intercept_` (`[C]`). */
  intercept: readonly number[];
  /** `classes_` (integers). */
  classes: readonly number[];
  /** `multinomial` → SOFTMAX; `ovr` → LOGISTIC then L1 Normalizer. Default multinomial. */
  multiClass?: 'multinomial' | 'ovr';
  /** Wrap probabilities in ZipMap as skl2onnx does by default; default true. */
  zipMap?: boolean;
}

function begin(features: number, scaler: SklearnStandardScaler | undefined): { g: GraphBuilder; x: string } {
  const g = new GraphBuilder('pipeline');
  let x = g.input('float_input', 'float', [null, features]);
  if (scaler) {
    if (scaler.mean.length !== features || scaler.scale.length !== features) throw new RangeError(`sklearn scaler: needs ${features} means and scales`);
    x = g.op('Scaler', [x], {
      domain: 'ai.onnx.ml',
      name: 'Scaler',
      output: 'variable1',
      attributes: { offset: floats(scaler.mean), scale: floats(scaler.scale.map((s) => 1 / s)) },
    });
  }
  return { g, x };
}

const SKL_OPSETS = [
  { domain: '', version: 13 },
  { domain: 'ai.onnx.ml', version: 1 },
];
const producer = { producerName: 'skl2onnx', producerVersion: '1.17.0', domain: 'ai.onnx', opsets: SKL_OPSETS };

/** Builds the skl2onnx shape of StandardScaler + LinearRegression; output `variable` `[None, 1]`. */
export function sklearnLinearRegressionModel(p: SklearnLinearRegressionParams): Uint8Array {
  const { g, x } = begin(p.coef.length, p.scaler);
  const y = g.op('LinearRegressor', [x], {
    domain: 'ai.onnx.ml',
    name: 'LinearRegressor',
    output: 'variable',
    attributes: { coefficients: floats(p.coef), intercepts: floats([p.intercept]), targets: { kind: 'int', value: 1 } },
  });
  g.output(y, 'float', [null, 1]);
  return g.encode(producer);
}

/** Builds the skl2onnx shape of StandardScaler + LogisticRegression. */
export function sklearnLogisticRegressionModel(p: SklearnLogisticRegressionParams): Uint8Array {
  const classes = p.classes.length;
  const features = p.coef[0]?.length ?? 0;
  if (classes < 2 || p.coef.length !== classes || p.intercept.length !== classes || p.coef.some((r) => r.length !== features)) {
    throw new RangeError('sklearnLogisticRegressionModel: needs coef [C][F], intercept [C], classes [C] with C ≥ 2');
  }
  const { g, x } = begin(features, p.scaler);
  const ovr = p.multiClass === 'ovr';
  const attributes: Record<string, AttributeValue> = {
    coefficients: floats(p.coef.flat()),
    intercepts: floats(p.intercept),
    classlabels_ints: ints(p.classes),
    multi_class: { kind: 'int', value: ovr ? 0 : 1 },
    post_transform: str(ovr ? 'LOGISTIC' : 'SOFTMAX'),
  };
  const [label, scores] = g.node('LinearClassifier', [x], { domain: 'ai.onnx.ml', name: 'LinearClassifier', outputs: ['label', 'probability_tensor'], attributes });
  const probabilities = ovr ? g.op('Normalizer', [scores!], { domain: 'ai.onnx.ml', name: 'Normalizer', output: 'probabilities', attributes: { norm: str('L1') } }) : scores!;
  const outLabel = g.op('Cast', [label!], { name: 'Cast', output: 'output_label', attributes: { to: { kind: 'int', value: 7 } } });
  g.output(outLabel, 'int64', [null]);
  if (p.zipMap ?? true) {
    const zipped = g.op('ZipMap', [probabilities], { domain: 'ai.onnx.ml', name: 'ZipMap', output: 'output_probability', attributes: { classlabels_int64s: ints(p.classes) } });
    g.output(zipped, { sequence: { map: { key: 'int64', value: { tensor: { elem: 'float' } } } } });
  } else {
    g.output(g.op('Identity', [probabilities], { output: 'output_probability' }), 'float', [null, classes]);
  }
  return g.encode(producer);
}
