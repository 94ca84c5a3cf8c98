/**
 * Turns one example into tensors by input name, with the batch axis left out, for models a
 * number row cannot feed (N-D, typed, several inputs): an example that is itself a tensor feeds
 * the model's one per-example input; with the `inputs` option each input's function reads its
 * value from the example. Then examples of equal shapes are stacked along each input's batch
 * axis into one run. A value that does not fit is a reason string (a dead letter), not a throw.
 */
import type { BatchAxes } from './batch-axes.js';
import { isTensor, sizeOf, stack, take, tensor, type Tensor, type TensorType } from './tensor.js';
import type { TensorDescription } from './types.js';

/** What an input function may return: a tensor, numbers (shaped by the input's fixed dims) or one number. */
export type InputValue = Tensor | Float32Array | Float64Array | Int32Array | BigInt64Array | readonly number[] | number | bigint;

/** Input functions by input name: `{ input: (r) => r.samples }`. */
export type InputFns<T = never> = Readonly<Record<string, (example: T) => InputValue>>;

/** Per-example tensors by input name (batch axis left out). */
export type Feeds = Record<string, Tensor>;

/** The per-example tensors of `example`, or why it does not fit. */
export function exampleFeeds(modelId: string, inputs: readonly TensorDescription[], axes: BatchAxes, example: unknown, fns: InputFns<unknown> | undefined): Feeds | string {
  const feeds: Feeds = {};
  if (fns) {
    for (const [name, fn] of Object.entries(fns)) {
      let value: InputValue;
      try {
        value = fn(example);
      } catch (error) {
        return `input function "${name}" failed: ${error instanceof Error ? error.message : String(error)}`;
      }
      const t = inputTensor(
        modelId,
        inputs.find((i) => i.name === name)!,
        axes.inputs.get(name),
        value,
      );
      if (typeof t === 'string') return t;
      feeds[name] = t;
    }
    return feeds;
  }
  const names = [...axes.inputs.keys()];
  if (names.length !== 1) {
    return `model "${modelId}" takes ${names.length} inputs per example (${names.map((n) => `"${n}"`).join(', ')}); give runInference the option inputs: { name: (example) => value, … }`;
  }
  const name = names[0]!;
  const t = inputTensor(
    modelId,
    inputs.find((i) => i.name === name)!,
    axes.inputs.get(name),
    example as InputValue,
  );
  if (typeof t === 'string') return t;
  feeds[name] = t;
  return feeds;
}

/** One input's value as a tensor without the batch axis; a tensor with the batch axis of size 1 is accepted too. */
function inputTensor(modelId: string, input: TensorDescription, axis: number | undefined, value: InputValue): Tensor | string {
  const shape = input.shape ?? [];
  const each = axis === undefined ? shape : shape.filter((_, k) => k !== axis);
  const where = `model "${modelId}" input "${input.name}" (${input.type} [${shape.join(', ')}])`;
  let t: Tensor;
  if (isTensor(value)) {
    t = axis !== undefined && value.dims.length === shape.length && value.dims[axis] === 1 ? take(value, axis, 0) : value;
    if (t.type !== input.type) return `${where} got a ${t.type} tensor; make it with tensor('${input.type}', data, dims)`;
  } else if (typeof value === 'number' || typeof value === 'bigint') {
    t = tensor(input.type as TensorType, [value], []);
  } else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    const values = value as ArrayLike<number>;
    const fixed = each.every((d) => typeof d === 'number' && d >= 0);
    const dims = fixed && sizeOf(each as number[]) === values.length ? (each as number[]) : each.length === 1 ? [values.length] : undefined;
    if (!dims) return `${where} takes [${each.join(', ')}] per example; give a tensor with its dims, not ${values.length} bare values`;
    try {
      t = tensor(input.type as TensorType, values, dims);
    } catch (error) {
      return `${where}: ${error instanceof Error ? error.message : String(error)}`;
    }
  } else {
    return `${where} got ${value === null ? 'null' : typeof value}; give a tensor, an array of numbers or a number`;
  }
  const fits = t.dims.length === each.length && each.every((d, k) => typeof d !== 'number' || d < 0 || d === t.dims[k]);
  return fits ? t : `${where} takes [${each.join(', ')}] per example (the batch axis left out); got [${t.dims.join(', ')}]`;
}

/** Splits examples (in order) into runs: consecutive examples whose tensors have equal dims, at most `max` per run. */
export function runsOf(feeds: readonly Feeds[], max: number): number[][] {
  const runs: number[][] = [];
  let current: number[] = [];
  feeds.forEach((f, i) => {
    const last = current[current.length - 1];
    if (last !== undefined && (current.length >= max || !sameShapes(feeds[last]!, f))) {
      runs.push(current);
      current = [];
    }
    current.push(i);
  });
  if (current.length > 0) runs.push(current);
  return runs;
}

function sameShapes(a: Feeds, b: Feeds): boolean {
  return Object.entries(a).every(([name, t]) => {
    const u = b[name];
    return u !== undefined && u.dims.length === t.dims.length && u.dims.every((d, k) => d === t.dims[k]);
  });
}

/** Stacks one run's per-example tensors along each input's batch axis (an input without one is fed as is: a run of one). */
export function stackFeeds(feeds: readonly Feeds[], axes: BatchAxes): Feeds {
  const out: Feeds = {};
  for (const name of Object.keys(feeds[0] ?? {})) {
    const axis = axes.inputs.get(name);
    out[name] =
      axis === undefined
        ? feeds[0]![name]!
        : stack(
            feeds.map((f) => f[name]!),
            axis,
          );
  }
  return out;
}

/** Splits a run's outputs into one record per example along each output's batch axis; throws when an output is not one slice per example. */
export function splitOutputs(outputs: Readonly<Record<string, Tensor>>, n: number, axes: BatchAxes): Feeds[] {
  const result: Feeds[] = Array.from({ length: n }, () => ({}));
  for (const [name, t] of Object.entries(outputs)) {
    // An output the model does not describe (one a wrapper's `after` added) is split on axis 0.
    const axis = axes.outputs.has(name) ? axes.outputs.get(name) : 0;
    if (axis === undefined || (n === 1 && t.dims[axis] !== 1)) {
      if (n !== 1) throw new Error(`output "${name}" has dims [${t.dims.join(', ')}] and no batch axis; it cannot be split among ${n} examples`);
      result[0]![name] = t;
      continue;
    }
    if (t.dims[axis] !== n) throw new Error(`output "${name}" has dims [${t.dims.join(', ')}], not ${n} examples along axis ${axis}`);
    for (let i = 0; i < n; i++) result[i]![name] = take(t, axis, i);
  }
  return result;
}
