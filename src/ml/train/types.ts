/**
 * The one trainer contract: `fit(frame, labels, options) → TrainedModel`. Every Runnel trainer
 * and any adapter for an external framework's exported model implements it, so evaluation,
 * grid search and the model lifecycle treat them alike.
 */
import type { FrameLike } from '../../kernels/frame.js';
import type { BuildOptions } from '../onnx/builders/common.js';

export type { FrameLike } from '../../kernels/frame.js';

/** Options of `toOnnx`: the builders' options; feature names come from the model. */
export type ExportOptions = Omit<BuildOptions, 'featureNames'>;

/** A fitted model: predicts frames with the training's column layout and exports itself to ONNX. */
export interface TrainedModel<P = unknown> {
  /** The algorithm, e.g. `'linear-regression'`. */
  readonly kind: string;
  /** Feature names in column order, as in the training frame (written to the ONNX metadata). */
  readonly featureNames: readonly string[];
  /** The fitted parameters as plain data (JSON-serialisable). */
  readonly params: P;
  /**
   * What a user must know about this fit, in words (e.g. a solver stopped before it converged:
   * the coefficients are not the optimum of the documented objective). Empty when all is well;
   * whatever trains on a schedule logs these.
   */
  readonly warnings: readonly string[];
  /** One prediction per row: a value (regressors), a class label (classifiers) or a cluster (k-means). */
  predict(frame: FrameLike): Float64Array;
  /** The model as ONNX bytes whose outputs equal `predict` (`prediction`, or `label` + `probabilities`). */
  toOnnx(options?: ExportOptions): Uint8Array;
}

/** A fitted classifier: `predict` gives labels, `predictProba` one probability per class. */
export interface TrainedClassifier<P = unknown> extends TrainedModel<P> {
  /** The class labels (sorted integers), the column order of `predictProba`. */
  readonly classes: readonly number[];
  /** Row-major `[rows × classes]` probabilities. */
  predictProba(frame: FrameLike): Float64Array;
}

/** A training algorithm. `labels` are targets (regression), integer classes, or `null` (k-means). */
export interface Trainer<O extends object = object, M extends TrainedModel = TrainedModel> {
  /** The algorithm's name (the `kind` of the models it makes). */
  readonly name: string;
  fit(frame: FrameLike, labels: ArrayLike<number> | null, options?: O): M;
}

/** Whether a model is a classifier. */
export function isClassifier(model: TrainedModel): model is TrainedClassifier {
  return 'predictProba' in model && 'classes' in model;
}
