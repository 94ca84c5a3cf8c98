/**
 * Recognises the linear models the WASM fast path evaluates: exactly the graph
 * `linearRegressionModel` builds, `[N, F]` float input → optional scaler (Sub, Div by `[F]`
 * constants) → MatMul by a `[F, T]` constant → Add of a `[T]` constant → one `[N, T]` float output.
 * Anything else is described by a reason, and the caller uses onnxruntime-web.
 */
import type { GraphSpec, NodeSpec, TensorSpec } from '../onnx/encode.js';

/** What a recognised linear model computes: `y = ((x - offset) / divisor) · W + b`, in float32. */
export interface LinearPlan {
  /** The graph input the frame feeds. */
  input: string;
  /** Its batch dimension, as declared (a name such as `'N'`, a size, or null). */
  batchDim: number | string | null;
  features: number;
  targets: number;
  /** Weights `[features × targets]`, row-major (MatMul's right operand as stored). */
  weights: Float32Array;
  bias: Float32Array;
  /** The folded-in scaler, when the graph has one. */
  scaler?: { offset: Float32Array; divisor: Float32Array };
  /** The graph output. */
  output: string;
}

/** A recognised plan, or why the graph is not one. */
export type LinearMatch = { plan: LinearPlan } | { reason: string };

const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Matches `graph` against the linear shape above. */
export function matchLinear(graph: GraphSpec): LinearMatch {
  const fail = (reason: string): LinearMatch => ({ reason });
  if (graph.inputs.length !== 1) return fail(`${graph.inputs.length} graph inputs (the fast path takes one)`);
  if (graph.outputs.length !== 1) return fail(`${graph.outputs.length} graph outputs (a linear model has one)`);
  const [input, output] = [graph.inputs[0]!, graph.outputs[0]!];
  if (!('tensor' in input.type) || input.type.tensor.elem !== 'float') return fail(`input "${input.name}" is not a float tensor`);
  const shape = input.type.tensor.shape;
  const features = shape?.[1];
  if (shape?.length !== 2 || typeof features !== 'number' || features < 1) return fail(`input "${input.name}" is not [N, features] with a fixed feature count`);
  const constants = new Map(graph.initializers.map((t) => [t.name ?? '', t]));
  const floatConst = (name: string | undefined, dims: readonly number[]): Float32Array | undefined => {
    const t: TensorSpec | undefined = constants.get(name ?? '');
    return t && t.elem === 'float' && sameDims(t.dims, dims) ? Float32Array.from(t.data as ArrayLike<number>) : undefined;
  };
  const ops = graph.nodes.map((n) => n.opType).join(', ');
  const nodes = [...graph.nodes];
  const odd = nodes.find((n) => (n.domain ?? '') !== '' || (n.attributes && Object.keys(n.attributes).length > 0) || n.outputs.length !== 1);
  if (odd) return fail(`node ${odd.name ?? odd.opType} has a domain, attributes or several outputs`);
  if (!(nodes.length === 2 || nodes.length === 4)) return fail(`nodes [${ops}] are not [Sub, Div,] MatMul, Add`);
  let x = input.name;
  let scaler: LinearPlan['scaler'];
  const take = (opType: string): NodeSpec | undefined => (nodes[0]?.opType === opType ? nodes.shift() : undefined);
  if (nodes.length === 4) {
    const sub = take('Sub');
    const div = take('Div');
    const offset = floatConst(sub?.inputs[1], [features]);
    const divisor = floatConst(div?.inputs[1], [features]);
    if (!sub || !div || sub.inputs[0] !== x || div.inputs[0] !== sub.outputs[0] || !offset || !divisor) {
      return fail(`nodes [${ops}] do not start with a scaler: Sub(input, [${features}] constant), Div(that, [${features}] constant)`);
    }
    scaler = { offset, divisor };
    x = div.outputs[0]!;
  }
  const matmul = take('MatMul');
  const add = take('Add');
  if (!matmul || !add || matmul.inputs[0] !== x || matmul.inputs.length !== 2) return fail(`nodes [${ops}] are not [Sub, Div,] MatMul(input, weights), Add`);
  const w = constants.get(matmul.inputs[1]!);
  const targets = w?.dims[1];
  if (!w || w.elem !== 'float' || w.dims.length !== 2 || w.dims[0] !== features || !targets) return fail(`MatMul's weights are not a [${features}, targets] float constant`);
  const [left, right] = add.inputs;
  const biasName = left === matmul.outputs[0] ? right : right === matmul.outputs[0] ? left : undefined;
  const bias = floatConst(biasName, [targets]);
  if (add.inputs.length !== 2 || !bias) return fail(`Add does not add a [${targets}] float constant to MatMul's output`);
  if (add.outputs[0] !== output.name) return fail(`output "${output.name}" is not Add's output`);
  if (!('tensor' in output.type) || output.type.tensor.elem !== 'float') return fail(`output "${output.name}" is not a float tensor`);
  if (constants.has(input.name)) return fail(`input "${input.name}" is also an initializer`);
  return { plan: { input: input.name, batchDim: shape[0] ?? null, features, targets, weights: Float32Array.from(w.data as ArrayLike<number>), bias, ...(scaler ? { scaler } : {}), output: output.name } };
}
