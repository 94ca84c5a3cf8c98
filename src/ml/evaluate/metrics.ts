/**
 * Metrics with scikit-learn's definitions: regression errors, accuracy, macro precision/recall/F1
 * (a class never predicted counts 0, sklearn's zero_division=0), confusion matrix, log loss and
 * ROC AUC (the Mann–Whitney statistic, ties counted half).
 */

type Values = ArrayLike<number>;

function checkPair(what: string, a: Values, b: Values): void {
  if (a.length !== b.length) throw new RangeError(`${what}: ${a.length} true values and ${b.length} predictions; pass one prediction per row`);
  if (a.length === 0) throw new RangeError(`${what}: no rows`);
}

/** Root mean squared error. */
export function rmse(yTrue: Values, yPred: Values): number {
  checkPair('rmse', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += (yTrue[i]! - yPred[i]!) ** 2;
  return Math.sqrt(s / yTrue.length);
}

/** Mean absolute error. */
export function mae(yTrue: Values, yPred: Values): number {
  checkPair('mae', yTrue, yPred);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) s += Math.abs(yTrue[i]! - yPred[i]!);
  return s / yTrue.length;
}

/** Coefficient of determination 1 - SS_res / SS_tot (1 for a perfect fit; for a constant y, 1 if predicted exactly, else 0, as scikit-learn). */
export function r2(yTrue: Values, yPred: Values): number {
  checkPair('r2', yTrue, yPred);
  let mean = 0;
  for (let i = 0; i < yTrue.length; i++) mean += yTrue[i]! / yTrue.length;
  let res = 0,
    tot = 0;
  for (let i = 0; i < yTrue.length; i++) {
    res += (yTrue[i]! - yPred[i]!) ** 2;
    tot += (yTrue[i]! - mean) ** 2;
  }
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}

/** Fraction of rows predicted exactly. */
export function accuracy(yTrue: Values, yPred: Values): number {
  checkPair('accuracy', yTrue, yPred);
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) ok++;
  return ok / yTrue.length;
}

/** Sorted distinct labels of both arrays. */
export function labelsOf(...arrays: Values[]): number[] {
  const s = new Set<number>();
  for (const a of arrays) for (let i = 0; i < a.length; i++) s.add(a[i]!);
  return [...s].sort((a, b) => a - b);
}

/** A confusion matrix: `matrix[t][p]` counts rows of true class `classes[t]` predicted `classes[p]`. */
export interface ConfusionMatrix {
  classes: number[];
  matrix: number[][];
}

/** Confusion matrix over `classes` (default every label seen). */
export function confusionMatrix(yTrue: Values, yPred: Values, classes: readonly number[] = labelsOf(yTrue, yPred)): ConfusionMatrix {
  checkPair('confusionMatrix', yTrue, yPred);
  const at = new Map(classes.map((c, i) => [c, i]));
  const matrix = classes.map(() => new Array<number>(classes.length).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = at.get(yTrue[i]!),
      p = at.get(yPred[i]!);
    if (t === undefined || p === undefined)
      throw new RangeError(`confusionMatrix: row ${i} has label ${t === undefined ? yTrue[i] : yPred[i]}, not one of [${classes.join(', ')}]`);
    matrix[t]![p]!++;
  }
  return { classes: [...classes], matrix };
}

/** Per-class and macro-averaged precision, recall and F1. */
export interface ClassScores {
  classes: number[];
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
  macro: { precision: number; recall: number; f1: number };
}

/** Precision, recall and F1 per class and their unweighted (macro) means. */
export function classScores(yTrue: Values, yPred: Values, classes?: readonly number[]): ClassScores {
  const { classes: cs, matrix } = confusionMatrix(yTrue, yPred, classes);
  const precision: number[] = [],
    recall: number[] = [],
    f1: number[] = [],
    support: number[] = [];
  cs.forEach((_, c) => {
    const tp = matrix[c]![c]!;
    const predicted = matrix.reduce((s, row) => s + row[c]!, 0);
    const actual = matrix[c]!.reduce((s, v) => s + v, 0);
    const p = predicted === 0 ? 0 : tp / predicted,
      r = actual === 0 ? 0 : tp / actual;
    precision.push(p);
    recall.push(r);
    f1.push(p + r === 0 ? 0 : (2 * p * r) / (p + r));
    support.push(actual);
  });
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
  return { classes: cs, precision, recall, f1, support, macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) } };
}

/** Macro-averaged F1. */
export function f1Macro(yTrue: Values, yPred: Values): number {
  return classScores(yTrue, yPred).macro.f1;
}

/**
 * Mean negative log-likelihood of the true classes; `proba` is row-major `[rows × classes]`
 * in the order of `classes`. Probabilities are clipped to [1e-15, 1 - 1e-15].
 */
export function logLoss(yTrue: Values, proba: Values, classes: readonly number[]): number {
  const k = classes.length;
  if (proba.length !== yTrue.length * k) throw new RangeError(`logLoss: ${proba.length} probabilities for ${yTrue.length} rows × ${k} classes`);
  const at = new Map(classes.map((c, i) => [c, i]));
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const c = at.get(yTrue[i]!);
    if (c === undefined) throw new RangeError(`logLoss: label ${yTrue[i]} of row ${i} is not one of [${classes.join(', ')}]`);
    s -= Math.log(Math.min(Math.max(proba[i * k + c]!, 1e-15), 1 - 1e-15));
  }
  return s / yTrue.length;
}

/**
 * Area under the ROC curve of a binary problem: the probability that a random positive scores
 * above a random negative (ties half). `positive` is the positive label (default the larger).
 */
export function rocAuc(yTrue: Values, scores: Values, positive?: number): number {
  checkPair('rocAuc', yTrue, scores);
  const labels = labelsOf(yTrue);
  if (labels.length !== 2) throw new RangeError(`rocAuc: needs exactly 2 classes in yTrue, got [${labels.join(', ')}]`);
  const pos = positive ?? labels[1]!;
  const order = Array.from({ length: yTrue.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  // Average ranks over ties, then the Mann–Whitney U of the positives.
  let rankSum = 0,
    nPos = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (yTrue[order[t]!] === pos) {
        rankSum += rank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = yTrue.length - nPos;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
