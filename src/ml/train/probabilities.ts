/** Class scores to probabilities and labels, shared by the classifiers' `predict`/`predictProba`. */

/** Labels of the row-wise argmax of `[rows × k]` scores. */
export function argmaxLabels(scores: Float64Array, classes: readonly number[]): Float64Array {
  const k = classes.length,
    rows = scores.length / k;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (scores[i * k + c]! > scores[i * k + best]!) best = c;
    out[i] = classes[best]!;
  }
  return out;
}

/** Row-wise softmax of `[rows × k]` scores, in place; returns them. */
export function softmaxRows(scores: Float64Array, k: number): Float64Array {
  for (let i = 0; i < scores.length; i += k) {
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, scores[i + c]!);
    let s = 0;
    for (let c = 0; c < k; c++) s += scores[i + c] = Math.exp(scores[i + c]! - m);
    for (let c = 0; c < k; c++) scores[i + c]! /= s;
  }
  return scores;
}

/** Two-column `[1 - σ(z), σ(z)]` probabilities of binary margins z (the positive class second). */
export function sigmoidPairs(margins: Float64Array): Float64Array {
  const out = new Float64Array(margins.length * 2);
  margins.forEach((v, i) => {
    const p = 1 / (1 + Math.exp(-v));
    out[2 * i] = 1 - p;
    out[2 * i + 1] = p;
  });
  return out;
}
