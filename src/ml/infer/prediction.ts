/** What RunInference emits per example (Beam's PredictionResult), and flat views of its outputs. */
import type { Tensor } from './tensor.js';

/** One example's model outputs by name, as plain arrays (JSON-safe, so a durable run can store them). */
export type InferenceValues = Record<string, number[] | string[]>;

/**
 * An example with the outputs the model computed for it, by output name, each a tensor with the
 * batch axis taken out (a regression's `[batch, 1]` output gives `[1]`; an embedding's
 * `[batch, 1, 1, 96]` gives `[1, 1, 96]`), and the id of the model version that computed them.
 */
export interface PredictionResult<T> {
  readonly example: T;
  readonly inference: Readonly<Record<string, Tensor>>;
  readonly modelId: string;
}

/** A result's outputs as flat plain arrays (int64 read as numbers): `inferenceValues(r.inference).prediction[0]`. */
export function inferenceValues(inference: Readonly<Record<string, Tensor>>): InferenceValues {
  const out: InferenceValues = {};
  for (const [name, t] of Object.entries(inference)) {
    out[name] = Array.isArray(t.data) ? [...t.data] : t.data instanceof BigInt64Array ? bigNumbers(t.data) : numbers(t.data);
  }
  return out;
}

// Plain loops: Array.from over a typed-array view goes through the iterator protocol, which
// took 40% of a pipeline's time with a 16-feature linear model (bench/inference.bench.ts, pipeline).
function numbers(data: ArrayLike<number>): number[] {
  const row: number[] = [];
  for (let k = 0; k < data.length; k++) row.push(data[k]!);
  return row;
}

function bigNumbers(data: BigInt64Array): number[] {
  const row: number[] = [];
  for (let k = 0; k < data.length; k++) row.push(Number(data[k]!));
  return row;
}
