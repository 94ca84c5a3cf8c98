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
    out[name] = Array.isArray(t.data) ? [...t.data] : t.data instanceof BigInt64Array ? bigRow(t.data, 0, t.data.length) : numberRow(t.data, 0, t.data.length);
  }
  return out;
}

/**
 * Splits a batch's outputs into one `InferenceValues` per row (int64 read as numbers), leaving
 * out `skip`; throws if an output does not have one row per example.
 */
export function splitRows(outputs: Readonly<Record<string, Pick<Tensor, 'data' | 'dims'>>>, rows: number, skip: ReadonlySet<string> = new Set()): InferenceValues[] {
  const result: InferenceValues[] = Array.from({ length: rows }, () => ({}));
  for (const [name, { data, dims }] of Object.entries(outputs)) {
    if (skip.has(name)) continue;
    if (dims[0] !== rows || data.length % rows !== 0) {
      throw new Error(`output "${name}" has dims [${dims.join(', ')}], not one row per example (${rows} examples); RunInference needs outputs shaped [batch, …]`);
    }
    const size = data.length / rows;
    for (let r = 0; r < rows; r++) {
      const from = r * size;
      result[r]![name] = Array.isArray(data) ? data.slice(from, from + size) : data instanceof BigInt64Array ? bigRow(data, from, size) : numberRow(data, from, size);
    }
  }
  return result;
}

// Plain loops: Array.from over a typed-array view goes through the iterator protocol, which
// took 40% of a pipeline's time with a 16-feature linear model (bench/inference.bench.ts, pipeline).
function numberRow(data: ArrayLike<number>, from: number, size: number): number[] {
  const row: number[] = [];
  for (let k = 0; k < size; k++) row.push(data[from + k]!);
  return row;
}

function bigRow(data: BigInt64Array, from: number, size: number): number[] {
  const row: number[] = [];
  for (let k = 0; k < size; k++) row.push(Number(data[from + k]!));
  return row;
}
