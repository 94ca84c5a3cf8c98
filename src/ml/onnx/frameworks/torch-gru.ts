/**
 * A PyTorch `nn.GRU` (one layer, one direction) followed by `nn.Linear`, in the shape
 * `torch.onnx.export` emits for `forward(input [batch, F], h0 [1, batch, H]) -> (output [batch, O], hn [1, batch, H])`
 * where forward runs one time step (`input.unsqueeze(0)`): Unsqueeze → GRU (gates reordered from
 * PyTorch's r,z,n to ONNX's z,r,h; `linear_before_reset=1`, as PyTorch computes) → Squeeze → Gemm.
 * The state is explicit: feed `hn` back as the next call's `h0`.
 */
import { GraphBuilder } from '../graph-builder.js';

/** Parameters as PyTorch names them (`gru.weight_ih_l0`, …; gate blocks in r, z, n order). */
export interface TorchGruParams {
  /** `weight_ih_l0`: `[3H][F]`. */
  weightIh: readonly (readonly number[])[];
  /** `weight_hh_l0`: `[3H][H]`. */
  weightHh: readonly (readonly number[])[];
  /** `bias_ih_l0`: `[3H]`. */
  biasIh: readonly number[];
  /** `bias_hh_l0`: `[3H]`. */
  biasHh: readonly number[];
  /** `fc.weight`: `[O][H]`. */
  fcWeight: readonly (readonly number[])[];
  /** `fc.bias`: `[O]`. */
  fcBias: readonly number[];
}

/** Reorders PyTorch's gate blocks (r, z, n) into ONNX's (z, r, h). */
function rznToZrh<T>(blocks: readonly T[], hidden: number): T[] {
  const r = blocks.slice(0, hidden),
    z = blocks.slice(hidden, 2 * hidden),
    n = blocks.slice(2 * hidden, 3 * hidden);
  return [...z, ...r, ...n];
}

/** Builds the GRU + Linear step model; see the module comment for its inputs and outputs. */
export function torchGruModel(p: TorchGruParams): Uint8Array {
  const hidden = p.weightHh[0]?.length ?? 0;
  const features = p.weightIh[0]?.length ?? 0;
  const out = p.fcBias.length;
  const ok =
    hidden > 0 &&
    features > 0 &&
    p.weightIh.length === 3 * hidden &&
    p.weightHh.length === 3 * hidden &&
    p.weightIh.every((r) => r.length === features) &&
    p.weightHh.every((r) => r.length === hidden) &&
    p.biasIh.length === 3 * hidden &&
    p.biasHh.length === 3 * hidden &&
    p.fcWeight.length === out &&
    p.fcWeight.every((r) => r.length === hidden);
  if (!ok) throw new RangeError('torchGruModel: weights must be weightIh [3H][F], weightHh [3H][H], biases [3H], fcWeight [O][H], fcBias [O]');
  const g = new GraphBuilder('main_graph');
  const input = g.input('input', 'float', ['batch_size', features]);
  const h0 = g.input('h0', 'float', [1, 'batch_size', hidden]);
  const W = g.floats([1, 3 * hidden, features], rznToZrh(p.weightIh, hidden).flat(), 'onnx::GRU_151');
  const R = g.floats([1, 3 * hidden, hidden], rznToZrh(p.weightHh, hidden).flat(), 'onnx::GRU_152');
  const B = g.floats([1, 6 * hidden], [...rznToZrh(p.biasIh, hidden), ...rznToZrh(p.biasHh, hidden)], 'onnx::GRU_153');
  const x = g.op('Unsqueeze', [input, g.int64s([1], [0], 'onnx::Unsqueeze_7')], { name: '/Unsqueeze', output: '/Unsqueeze_output_0' });
  const [y, hn] = g.node('GRU', [x, W, R, B, '', h0], {
    name: '/gru/GRU',
    outputs: ['/gru/GRU_output_0', 'hn'],
    attributes: { hidden_size: { kind: 'int', value: hidden }, linear_before_reset: { kind: 'int', value: 1 } },
  });
  const last = g.op('Squeeze', [y!, g.int64s([2], [0, 1], 'onnx::Squeeze_12')], { name: '/Squeeze', output: '/Squeeze_output_0' });
  const output = g.op('Gemm', [last, g.floats([out, hidden], p.fcWeight.flat(), 'fc.weight'), g.floats([out], p.fcBias, 'fc.bias')], {
    name: '/fc/Gemm',
    output: 'output',
    attributes: { alpha: { kind: 'float', value: 1 }, beta: { kind: 'float', value: 1 }, transB: { kind: 'int', value: 1 } },
  });
  g.output(output, 'float', ['batch_size', out]);
  g.output(hn!, 'float', [1, 'batch_size', hidden]);
  return g.encode({ producerName: 'pytorch', producerVersion: '2.5.1', opsets: [{ domain: '', version: 13 }] });
}
