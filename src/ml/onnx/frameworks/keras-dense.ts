/**
 * A Keras `Sequential` of `Dense` layers in the shape tf2onnx exports it: input `dense_input`
 * `[unk__N, features]`, per layer MatMul + Add (+ Relu/Sigmoid/Tanh/Softmax), output named after
 * the last layer, kernels stored `[in, out]` as Keras keeps them, producer `tf2onnx`.
 */
import { GraphBuilder } from '../graph-builder.js';

/** One Keras Dense layer: `activation(x · kernel + bias)`. */
export interface KerasDenseLayer {
  /** `[inputs][units]`, as `layer.get_weights()[0]`. */
  kernel: readonly (readonly number[])[];
  /** `[units]`. */
  bias: readonly number[];
  activation: 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
}

const ACTIVATION_OPS = { relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softmax: 'Softmax' } as const;

/** Builds a tf2onnx-shaped dense network; output `dense_<k>` (k = layers - 1) `[unk__N, units]`. */
export function kerasDenseModel(layers: readonly KerasDenseLayer[]): Uint8Array {
  if (layers.length === 0) throw new RangeError('kerasDenseModel: needs at least one layer');
  const g = new GraphBuilder('tf2onnx');
  let width = layers[0]!.kernel.length;
  let x = g.input('dense_input', 'float', ['unk__6', width]);
  layers.forEach((layer, k) => {
    const scope = `sequential/dense${k === 0 ? '' : `_${k}`}`;
    const units = layer.bias.length;
    if (layer.kernel.length !== width || layer.kernel.some((r) => r.length !== units)) {
      throw new RangeError(`kerasDenseModel: layer ${k} kernel must be [${width}][${units}]`);
    }
    const kernel = g.floats([width, units], layer.kernel.flat(), `${scope}/MatMul/ReadVariableOp:0`);
    const bias = g.floats([units], layer.bias, `${scope}/BiasAdd/ReadVariableOp:0`);
    const last = k === layers.length - 1;
    const matmul = g.op('MatMul', [x, kernel], { name: `${scope}/MatMul`, output: `${scope}/MatMul:0` });
    const linearName = `dense${k === 0 ? '' : `_${k}`}`;
    const activation = layer.activation === 'linear' ? undefined : ACTIVATION_OPS[layer.activation];
    x = g.op('Add', [matmul, bias], { name: `${scope}/BiasAdd`, output: last && !activation ? linearName : `${scope}/BiasAdd:0` });
    if (activation) {
      x = g.op(activation, [x], {
        name: `${scope}/${activation}`,
        output: last ? linearName : `${scope}/${activation}:0`,
        ...(activation === 'Softmax' ? { attributes: { axis: { kind: 'int', value: -1 } } } : {}),
      });
    }
    width = units;
  });
  g.output(x, 'float', ['unk__7', width]);
  return g.encode({ producerName: 'tf2onnx', producerVersion: '1.16.1 15c810', opsets: [{ domain: '', version: 13 }] });
}
