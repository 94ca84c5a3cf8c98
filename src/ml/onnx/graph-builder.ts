/**
 * `GraphBuilder`: builds an ONNX graph one operator at a time, naming intermediate values,
 * checking that every input exists when a node is added, and encoding the result.
 *
 *   const g = new GraphBuilder('linear');
 *   const x = g.input('features', 'float', ['N', 3]);
 *   const y = g.op('Add', [g.op('MatMul', [x, g.floats([3, 1], w)]), g.floats([1], [b])], { output: 'prediction' });
 *   g.output(y, 'float', ['N', 1]);
 *   const bytes = g.encode();
 */
import { encodeModel, type AttributeValue, type Dim, type ElemType, type ModelSpec, type NodeSpec, type TensorSpec, type TypeSpec, type ValueInfoSpec } from './encode.js';

/** Options for one node. */
export interface NodeOptions {
  /** Attributes, built with `int`, `float`, `str`, `ints`, `floats`, `strings`, `tensorAttr`. */
  attributes?: Readonly<Record<string, AttributeValue>>;
  /** Operator domain, e.g. `'ai.onnx.ml'`; default the ONNX domain. */
  domain?: string;
  /** Node name; default `<OpType>_<n>`. */
  name?: string;
}

/** Options for a single-output node. */
export interface OpOptions extends NodeOptions {
  /** Name of the output value; default `<node name>_out`. */
  output?: string;
}

/** Options for a multi-output node. */
export interface MultiOpOptions extends NodeOptions {
  /** Output names (an empty string skips an optional output), or a count to name them automatically. */
  outputs: readonly string[] | number;
}

/** Model-level fields added when encoding. */
export type ModelOptions = Omit<ModelSpec, 'graph'>;

/** Builds an ONNX graph with checked names; see the module comment for an example. */
export class GraphBuilder {
  private readonly nodes: NodeSpec[] = [];
  private readonly initializers: TensorSpec[] = [];
  private readonly inputs: ValueInfoSpec[] = [];
  private readonly outputs: ValueInfoSpec[] = [];
  private readonly values = new Set<string>();
  private counter = 0;

  constructor(readonly name: string) {}

  private define(name: string): string {
    if (name === '') throw new TypeError(`graph ${this.name}: value names must not be empty`);
    if (this.values.has(name)) throw new TypeError(`graph ${this.name}: value "${name}" is defined twice`);
    this.values.add(name);
    return name;
  }

  private fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.values.has(name));
    return name;
  }

  /** Declares a graph input; returns its name. */
  input(name: string, elem: ElemType, shape: readonly Dim[]): string {
    this.inputs.push({ name: this.define(name), type: { tensor: { elem, shape } } });
    return name;
  }

  /** Declares an existing value as a graph output (a tensor, or any `TypeSpec`). */
  output(name: string, elem: ElemType | TypeSpec, shape?: readonly Dim[]): string {
    if (!this.values.has(name)) throw new TypeError(`graph ${this.name}: output "${name}" is not produced by any node`);
    const type: TypeSpec = typeof elem === 'string' ? { tensor: shape === undefined ? { elem } : { elem, shape } } : elem;
    this.outputs.push({ name, type });
    return name;
  }

  /** Adds a constant tensor (an initializer); returns its name. */
  constant(tensor: TensorSpec): string {
    const name = this.define(tensor.name ?? this.fresh('const'));
    this.initializers.push({ ...tensor, name });
    return name;
  }

  /** A float32 constant of the given dims. */
  floats(dims: readonly number[], data: ArrayLike<number>, name?: string): string {
    return this.constant({ elem: 'float', dims, data: Float32Array.from(data), ...(name ? { name } : {}) });
  }

  /** An int64 constant of the given dims (shapes, axes). */
  int64s(dims: readonly number[], data: readonly number[], name?: string): string {
    return this.constant({ elem: 'int64', dims, data, ...(name ? { name } : {}) });
  }

  /** Adds a node with several outputs; returns their names. */
  node(opType: string, inputs: readonly string[], options: MultiOpOptions): string[] {
    for (const i of inputs) {
      if (i !== '' && !this.values.has(i)) {
        throw new TypeError(`graph ${this.name}: ${opType} input "${i}" is not defined (declare it with input(), a constant, or an earlier node)`);
      }
    }
    const nodeName = options.name ?? this.fresh(opType);
    const outputs =
      typeof options.outputs === 'number'
        ? Array.from({ length: options.outputs }, () => this.define(this.fresh(`${nodeName}_out`)))
        : options.outputs.map((o) => (o === '' ? '' : this.define(o)));
    const node: NodeSpec = { opType, inputs: [...inputs], outputs, name: nodeName };
    if (options.domain) node.domain = options.domain;
    if (options.attributes) node.attributes = options.attributes;
    this.nodes.push(node);
    return outputs;
  }

  /** Adds a single-output node; returns the output's name. */
  op(opType: string, inputs: readonly string[], options: OpOptions = {}): string {
    const { output, ...rest } = options;
    return this.node(opType, inputs, { ...rest, outputs: output === undefined ? 1 : [output] })[0]!;
  }

  /** The model as plain data. */
  build(options: ModelOptions = {}): ModelSpec {
    if (this.outputs.length === 0) throw new TypeError(`graph ${this.name}: declare at least one output()`);
    return {
      ...options,
      graph: {
        name: this.name,
        nodes: [...this.nodes],
        initializers: [...this.initializers],
        inputs: [...this.inputs],
        outputs: [...this.outputs],
      },
    };
  }

  /** The model as ONNX bytes. */
  encode(options: ModelOptions = {}): Uint8Array {
    return encodeModel(this.build(options));
  }
}
