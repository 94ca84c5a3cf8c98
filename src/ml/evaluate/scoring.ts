/** Named scores of a fitted model on labelled rows, for cross-validation and grid search. */
import { isClassifier, type FrameLike, type TrainedModel } from '../train/types.js';
import { accuracy, f1Macro, logLoss, mae, r2, rmse, rocAuc } from './metrics.js';

/** Scores by name; `greaterIsBetter` tells model selection which way to go. */
export const SCORES = {
  accuracy: { greaterIsBetter: true },
  f1Macro: { greaterIsBetter: true },
  logLoss: { greaterIsBetter: false },
  rocAuc: { greaterIsBetter: true },
  rmse: { greaterIsBetter: false },
  mae: { greaterIsBetter: false },
  r2: { greaterIsBetter: true },
} as const;

/** A score's name. */
export type ScoreName = keyof typeof SCORES;

/** Computes score `name` of `model` on the rows of `frame` with true `labels`. */
export function score(name: ScoreName, model: TrainedModel, frame: FrameLike, labels: ArrayLike<number>): number {
  if (!(name in SCORES)) throw new RangeError(`unknown score "${name}"; use one of ${Object.keys(SCORES).join(', ')}`);
  if (name === 'logLoss' || name === 'rocAuc') {
    if (!isClassifier(model)) throw new TypeError(`score "${name}" needs a classifier; ${model.kind} has no predictProba`);
    const proba = model.predictProba(frame);
    if (name === 'logLoss') return logLoss(labels, proba, model.classes);
    if (model.classes.length !== 2) throw new RangeError(`score "rocAuc" is for 2 classes; ${model.kind} has ${model.classes.length}`);
    return rocAuc(
      labels,
      proba.filter((_, i) => i % 2 === 1),
      model.classes[1],
    );
  }
  const pred = model.predict(frame);
  switch (name) {
    case 'accuracy':
      return accuracy(labels, pred);
    case 'f1Macro':
      return f1Macro(labels, pred);
    case 'rmse':
      return rmse(labels, pred);
    case 'mae':
      return mae(labels, pred);
    default:
      return r2(labels, pred);
  }
}
