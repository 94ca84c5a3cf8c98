/**
 * Recognises the linear models the WASM fast path evaluates: exactly the graphs
 * `linearRegressionModel` and `logisticRegressionModel` build. A `[N, F]` float input → optional
 * scaler (Sub, Div by `[F]` constants) → MatMul by a `[F, T]` constant → Add of a `[T]` constant;
 * then either nothing (regression: one `[N, T]` output), or class probabilities (binary: Sigmoid,
 * `1 − p`, Concat; multinomial: Softmax) and a label (ArgMax, optionally Gather of class labels).
 * Anything else is described by a reason, and the caller uses onnxruntime-web.
 */
import type { AttributeValue, GraphSpec, NodeSpec, TensorSpec } from '../onnx/encode.js';

/** What follows the linear part. */
export type LinearHead =
  | { kind: 'regression'; output: string }
  | {
      kind: 'sigmoid' | 'softmax';
      /** Output of class probabilities `[N, classes]`. */
      probabilities: string;
      /** Output of labels, int64 `[N]`. */
      label: string;
      /** Label of each class, when the graph maps indices to labels. */
      classLabels?: BigInt64Array;
    };

/** What a recognised model computes: `z = ((x - offset) / divisor) · W + b`, in float32, then `head`. */
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
  head: LinearHead;
  /** The graph's output names, in graph order. */
  outputs: readonly string[];
}

/** A recognised plan, or why the graph is not one. */
export type LinearMatch = { plan: LinearPlan } | { reason: string };

const sameDims = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** Whether the node's attributes are exactly `required` plus any of `optional`, as ints of those values. */
function attributesAre(node: NodeSpec, required: Record<string, number>, optional: Record<string, number> = {}): boolean {
  const attrs: Readonly<Record<string, AttributeValue>> = node.attributes ?? {};
  const isInt = (a: AttributeValue | undefined, v: number): boolean => a?.kind === 'int' && Number(a.value) === v;
  return (
    Object.entries(required).every(([k, v]) => isInt(attrs[k], v)) && Object.entries(attrs).every(([k, a]) => (k in required ? true : k in optional && isInt(a, optional[k]!)))
  );
}

/** Matches `graph` against the shapes above. */
export function matchLinear(graph: GraphSpec): LinearMatch {
  const fail = (reason: string): LinearMatch => ({ reason });
  if (graph.inputs.length !== 1) return fail(`${graph.inputs.length} graph inputs (the fast path takes one)`);
  const input = graph.inputs[0]!;
  if (!('tensor' in input.type) || input.type.tensor.elem !== 'float') return fail(`input "${input.name}" is not a float tensor`);
  const shape = input.type.tensor.shape;
  const features = shape?.[1];
  if (shape?.length !== 2 || typeof features !== 'number' || features < 1) return fail(`input "${input.name}" is not [N, features] with a fixed feature count`);
  const constants = new Map(graph.initializers.map((t) => [t.name ?? '', t]));
  if (constants.has(input.name)) return fail(`input "${input.name}" is also an initializer`);
  const constant = (name: string | undefined, elem: TensorSpec['elem'], dims: readonly number[]): TensorSpec | undefined => {
    const t = constants.get(name ?? '');
    return t && t.elem === elem && sameDims(t.dims, dims) ? t : undefined;
  };
  const floatConst = (name: string | undefined, dims: readonly number[]): Float32Array | undefined => {
    const t = constant(name, 'float', dims);
    return t ? Float32Array.from(t.data as ArrayLike<number>) : undefined;
  };
  const ops = graph.nodes.map((n) => n.opType).join(', ');
  const odd = graph.nodes.find((n) => (n.domain ?? '') !== '' || n.outputs.length !== 1);
  if (odd) return fail(`node ${odd.name ?? odd.opType} (${odd.opType}) is in another domain or has several outputs`);
  const nodes = [...graph.nodes];
  /** The next node if it is `opType` reading `first` as its first input, with the given attributes. */
  const take = (opType: string, first: string | undefined, required: Record<string, number> = {}, optional: Record<string, number> = {}): NodeSpec | undefined => {
    const n = nodes[0];
    if (!n || n.opType !== opType || n.inputs[0] !== first || !attributesAre(n, required, optional)) return undefined;
    return nodes.shift();
  };
  let x = input.name;
  let scaler: LinearPlan['scaler'];
  if (nodes[0]?.opType === 'Sub') {
    const sub = take('Sub', x);
    const div = take('Div', sub?.outputs[0]);
    const offset = floatConst(sub?.inputs[1], [features]);
    const divisor = floatConst(div?.inputs[1], [features]);
    if (!sub || !div || sub.inputs.length !== 2 || div.inputs.length !== 2 || !offset || !divisor) {
      return fail(`nodes [${ops}] do not start with a scaler: Sub(input, [${features}] constant), Div(that, [${features}] constant)`);
    }
    scaler = { offset, divisor };
    x = div.outputs[0]!;
  }
  const matmul = take('MatMul', x);
  const add = nodes[0]?.opType === 'Add' ? nodes.shift() : undefined;
  if (!matmul || !add || matmul.inputs.length !== 2 || (add.attributes && Object.keys(add.attributes).length > 0)) {
    return fail(`nodes [${ops}] are not [Sub, Div,] MatMul(input, weights), Add[, classifier head]`);
  }
  const w = constants.get(matmul.inputs[1]!);
  const targets = w?.dims[1];
  if (!w || w.elem !== 'float' || w.dims.length !== 2 || w.dims[0] !== features || !targets) return fail(`MatMul's weights are not a [${features}, targets] float constant`);
  const [left, right] = add.inputs;
  const biasName = left === matmul.outputs[0] ? right : right === matmul.outputs[0] ? left : undefined;
  const bias = floatConst(biasName, [targets]);
  if (add.inputs.length !== 2 || !bias) return fail(`Add does not add a [${targets}] float constant to MatMul's output`);
  const logits = add.outputs[0]!;
  const head = nodes.length === 0 ? regressionHead(graph, logits) : classifierHead(graph, nodes, take, constant, logits, targets);
  if ('reason' in head) return head;
  return {
    plan: {
      input: input.name,
      batchDim: shape[0] ?? null,
      features,
      targets,
      weights: Float32Array.from(w.data as ArrayLike<number>),
      bias,
      ...(scaler ? { scaler } : {}),
      head,
      outputs: graph.outputs.map((o) => o.name),
    },
  };
}

function regressionHead(graph: GraphSpec, logits: string): LinearHead | { reason: string } {
  if (graph.outputs.length !== 1) return { reason: `${graph.outputs.length} graph outputs (a regression has one)` };
  const output = graph.outputs[0]!;
  if (output.name !== logits || !('tensor' in output.type) || output.type.tensor.elem !== 'float') return { reason: `output "${output.name}" is not Add's float output` };
  return { kind: 'regression', output: output.name };
}

function classifierHead(
  graph: GraphSpec,
  nodes: NodeSpec[],
  take: (opType: string, first: string | undefined, required?: Record<string, number>, optional?: Record<string, number>) => NodeSpec | undefined,
  constant: (name: string | undefined, elem: TensorSpec['elem'], dims: readonly number[]) => TensorSpec | undefined,
  logits: string,
  targets: number,
): LinearHead | { reason: string } {
  const fail = (reason: string): { reason: string } => ({ reason });
  let kind: 'sigmoid' | 'softmax';
  let probabilities: string;
  if (targets === 1) {
    const sigmoid = take('Sigmoid', logits);
    const one = nodes[0]?.opType === 'Sub' ? constant(nodes[0].inputs[0], 'float', [1]) : undefined;
    const sub = one && Number(one.data[0]) === 1 && nodes[0]!.inputs[1] === sigmoid?.outputs[0] && nodes[0]!.inputs.length === 2 ? nodes.shift() : undefined;
    const concat = take('Concat', sub?.outputs[0], { axis: 1 });
    if (!sigmoid || !sub || !concat || concat.inputs.length !== 2 || concat.inputs[1] !== sigmoid.outputs[0]) {
      return fail('one logit without Sigmoid, Sub(1, p), Concat(1 − p, p; axis 1) after it');
    }
    kind = 'sigmoid';
    probabilities = concat.outputs[0]!;
  } else {
    const softmax = take('Softmax', logits, { axis: 1 }) ?? take('Softmax', logits, { axis: -1 });
    if (!softmax || softmax.inputs.length !== 1) return fail(`${targets} logits without Softmax(axis 1) after them`);
    kind = 'softmax';
    probabilities = softmax.outputs[0]!;
  }
  const classes = Math.max(2, targets);
  const argmax = take('ArgMax', probabilities, { axis: 1, keepdims: 0 }, { select_last_index: 0 });
  if (!argmax) return fail('the probabilities are not followed by ArgMax(axis 1, keepdims 0)');
  let label = argmax.outputs[0]!;
  let classLabels: BigInt64Array | undefined;
  if (nodes[0]?.opType === 'Gather') {
    const gather = nodes.shift()!;
    const labels = constant(gather.inputs[0], 'int64', [classes]);
    if (!labels || gather.inputs[1] !== label || gather.inputs.length !== 2 || !attributesAre(gather, {}, { axis: 0 })) {
      return fail(`Gather does not map ArgMax's index through a [${classes}] int64 constant`);
    }
    classLabels = BigInt64Array.from(labels.data as ArrayLike<number | bigint>, (v) => BigInt(v));
    label = gather.outputs[0]!;
  }
  if (nodes.length > 0) return fail(`nodes after the label: ${nodes.map((n) => n.opType).join(', ')}`);
  const outputs = new Map(graph.outputs.map((o) => [o.name, o]));
  const [p, l] = [outputs.get(probabilities), outputs.get(label)];
  const isTensor = (o: typeof p, elem: string): boolean => !!o && 'tensor' in o.type && o.type.tensor.elem === elem;
  if (graph.outputs.length !== 2 || !isTensor(p, 'float') || !isTensor(l, 'int64')) {
    return fail(`outputs [${[...outputs.keys()].join(', ')}] are not the float probabilities "${probabilities}" and the int64 label "${label}"`);
  }
  return { kind, probabilities, label, ...(classLabels ? { classLabels } : {}) };
}
