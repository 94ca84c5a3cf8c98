/**
 * Where a model carries its batch: for each input and output, the axis examples are stacked
 * along (split along, for outputs), read from the model's own shapes, and the largest batch the
 * model takes. A symbolic dim (`'batch'`, `'unk__6'`, or -1 when unnamed) can batch; a dim fixed
 * at 1 in the batch position means one example per run ("Got: 2 Expected: 1" otherwise).
 */
import type { TensorDescription } from './types.js';

/** The batch axes of a model; see the module comment. */
export interface BatchAxes {
  /** Batch axis of each input fed per example; undefined when the input has none (fed whole, one example per run). */
  readonly inputs: ReadonlyMap<string, number | undefined>;
  /** Batch axis of each output; undefined: the output is not split (one example per run). */
  readonly outputs: ReadonlyMap<string, number | undefined>;
  /** Largest batch: 1 when a batch dim is fixed at 1 or an input has none, else Infinity. */
  readonly maxBatch: number;
}

const isFixed = (d: number | string): d is number => typeof d === 'number' && d >= 0;

/**
 * Works out the batch axes of `inputs` fed per example (constants left out) and of `outputs`;
 * `state` maps a state input to the output that feeds it, which shares its axis (a state output
 * is often declared `[?, ?, ?]`).
 */
export function batchAxes(
  model: { readonly inputs: readonly TensorDescription[]; readonly outputs: readonly TensorDescription[] },
  perExample: readonly string[],
  state: Readonly<Record<string, string>> = {},
): BatchAxes {
  const described = perExample.map((name) => model.inputs.find((i) => i.name === name)).filter((i) => i !== undefined);
  const firstDim = described[0]?.shape?.[0];
  const batchName = typeof firstDim === 'string' ? firstDim : undefined;
  const inputs = new Map<string, number | undefined>();
  let maxBatch = Infinity;
  for (const input of described) {
    const shape = input.shape ?? [];
    const axis = axisOf(shape, batchName);
    inputs.set(input.name, axis);
    if (axis === undefined || isFixed(shape[axis]!)) maxBatch = 1;
  }
  const stateOf = new Map(Object.entries(state).map(([i, o]) => [o, i]));
  const outputs = new Map<string, number | undefined>();
  for (const output of model.outputs) {
    const fromState = stateOf.get(output.name);
    const shape = output.shape ?? [];
    const named = batchName === undefined ? -1 : shape.indexOf(batchName);
    outputs.set(output.name, fromState !== undefined ? inputs.get(fromState) : named >= 0 ? named : shape.length > 0 || output.shape === undefined ? 0 : undefined);
  }
  return { inputs, outputs, maxBatch };
}

/** The batch axis of one input: the dim named like the model's batch, the first free dim, or a leading 1. */
function axisOf(shape: readonly (number | string)[], batchName: string | undefined): number | undefined {
  if (batchName !== undefined && shape.includes(batchName)) return shape.indexOf(batchName);
  const free = shape.flatMap((d, k) => (isFixed(d) ? [] : [k]));
  if (free.length > 0) return free[0];
  return shape[0] === 1 ? 0 : undefined;
}
