/**
 * Class scores to probabilities and labels, shared by the classifiers' `predict`/`predictProba`
 * and the trainers that start from log-odds. The exp and log are the WASM kernels' (AssemblyScript's
 * software functions), so the results have the same bits on every CPU; V8's Math.exp and Math.log
 * differ by an ulp on arm64.
 */
import { withWorkspace } from './wasm.js';

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

/**
 * Row-wise softmax of `[rows × k]` scores, in place; returns them. Computed by the WASM
 * `softmaxRows` kernel, whose `exp` gives the same bits on every architecture.
 */
export function softmaxRows(scores: Float64Array, k: number): Float64Array {
  if (scores.length === 0) return scores;
  withWorkspace((ws) => {
    const block = ws.f64Of(scores);
    ws.x.softmaxRows(block.ptr, scores.length / k, k);
    scores.set(block.view);
  });
  return scores;
}

/** Natural logarithms of `values`, by the WASM `logValues` kernel. */
export function logValues(values: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(values);
  if (out.length === 0) return out;
  withWorkspace((ws) => {
    const block = ws.f64Of(out);
    ws.x.logValues(block.ptr, out.length);
    out.set(block.view);
  });
  return out;
}

/** Two-column `[1 - σ(z), σ(z)]` probabilities of binary margins z (the positive class second), by the WASM `sigmoidPairs` kernel. */
export function sigmoidPairs(margins: Float64Array): Float64Array {
  const out = new Float64Array(margins.length * 2);
  if (margins.length === 0) return out;
  withWorkspace((ws) => {
    const z = ws.f64Of(margins);
    const o = ws.f64(out.length);
    ws.x.sigmoidPairs(z.ptr, margins.length, o.ptr);
    out.set(o.view);
  });
  return out;
}
