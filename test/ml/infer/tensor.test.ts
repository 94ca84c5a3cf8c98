/**
 * Runnel's tensor: `stack` and `take` against an index-by-index reference on random shapes and
 * axes, for every type; the JSON form round-trips; bad input is refused with a reason. And the
 * batch axes read from real exporters' shapes.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/common/random.js';
import { TENSOR_TYPES, int64, reviveTensor, stack, take, tensor, zeros, type Tensor, type TensorType } from '../../../src/ml/infer/index.js';
import { batchAxes } from '../../../src/ml/infer/batch-axes.js';
import { SEED } from '../../seed.js';

/** Flat index of `idx` in row-major `dims`. */
const flat = (idx: number[], dims: readonly number[]): number => idx.reduce((a, i, k) => a * dims[k]! + i, 0);

function indices(dims: readonly number[]): number[][] {
  let all: number[][] = [[]];
  for (const d of dims) all = all.flatMap((p) => Array.from({ length: d }, (_, i) => [...p, i]));
  return all;
}

function randomTensor(rng: () => number, type: TensorType, dims: number[]): Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, () => Math.floor(rng() * 100));
  return type === 'string'
    ? tensor('string', values.map(String), dims)
    : type === 'bool'
      ? tensor(
          'bool',
          values.map((v) => v % 2),
          dims,
        )
      : tensor(type, values, dims);
}

describe(`tensors (seed ${SEED})`, () => {
  it('stack inserts the axis and take removes it, equal to an index-by-index reference, for every type', () => {
    const rng = seededRandom(SEED);
    for (let trial = 0; trial < 60; trial++) {
      const type = TENSOR_TYPES[trial % TENSOR_TYPES.length]!;
      const dims = Array.from({ length: Math.floor(rng() * 4) }, () => 1 + Math.floor(rng() * 4));
      const n = 1 + Math.floor(rng() * 4);
      const axis = Math.floor(rng() * (dims.length + 1));
      const parts = Array.from({ length: n }, () => randomTensor(rng, type, dims));
      const stacked = stack(parts, axis);
      expect(stacked.dims).toEqual([...dims.slice(0, axis), n, ...dims.slice(axis)]);
      for (const idx of indices(stacked.dims)) {
        const k = idx[axis]!;
        const inner = [...idx.slice(0, axis), ...idx.slice(axis + 1)];
        expect(stacked.data[flat(idx, stacked.dims)], `${type} [${dims.join(', ')}] axis ${axis}`).toEqual(parts[k]!.data[flat(inner, dims)]);
      }
      for (let k = 0; k < n; k++) {
        const back = take(stacked, axis, k);
        expect(back.type).toBe(type);
        expect(back.dims).toEqual(dims);
        expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(Array.from(parts[k]!.data as ArrayLike<unknown>));
      }
    }
  });

  it('writes itself to JSON (int64 as numbers) and revives from it; refuses data that does not fill its dims', () => {
    const t = tensor('float32', [1.5, -2, 3, 4], [2, 2]);
    const json = JSON.parse(JSON.stringify({ t, sr: int64(16000) })) as { t: unknown; sr: unknown };
    expect(json).toEqual({ t: { type: 'float32', dims: [2, 2], data: [1.5, -2, 3, 4] }, sr: { type: 'int64', dims: [], data: [16000] } });
    const back = reviveTensor(json.sr);
    expect(back.data).toEqual(BigInt64Array.from([16000n]));
    expect(reviveTensor(json.t).data).toEqual(Float32Array.from([1.5, -2, 3, 4]));
    expect(() => tensor('float32', [1, 2, 3], [2, 2])).toThrow('3 values do not fill dims [2, 2] (4 values)');
    expect(() => tensor('complex' as TensorType, [1])).toThrow('unknown type "complex"');
    expect(() => stack([zeros('float32', [2]), zeros('float32', [3])], 0)).toThrow('stack: tensors differ: float32 [2] and float32 [3]');
    expect(() => take(zeros('int8', [2, 3]), 1, 3)).toThrow('index 3 is outside 0..2 along axis 1');
  });

  it('finds the batch axis the way exporters write it: named, middle-axis state, unnamed, a state output declared [?, ?, ?], fixed at 1', () => {
    const f = (name: string, shape: (number | string)[]) => ({ name, isTensor: true, type: 'float32', shape });
    const legacy = batchAxes(
      { inputs: [f('input', ['batch', 'sequence']), f('h', [2, 'batch', 64])], outputs: [f('output', ['batch', 1]), f('hn', [2, 'batch', 64])] },
      ['input', 'h'],
      { h: 'hn' },
    );
    expect([...legacy.inputs]).toEqual([
      ['input', 0],
      ['h', 1],
    ]);
    expect([...legacy.outputs]).toEqual([
      ['output', 0],
      ['hn', 1],
    ]);
    expect(legacy.maxBatch).toBe(Infinity);
    const v5 = batchAxes({ inputs: [f('input', [-1, -1]), f('state', [2, -1, 128])], outputs: [f('output', [-1, 1]), f('stateN', [-1, -1, -1])] }, ['input', 'state'], {
      state: 'stateN',
    });
    expect([...v5.inputs]).toEqual([
      ['input', 0],
      ['state', 1],
    ]);
    expect(v5.outputs.get('stateN')).toBe(1);
    const head = batchAxes({ inputs: [f('x.1', [1, 16, 96])], outputs: [f('53', [1, 1])] }, ['x.1']);
    expect(head.inputs.get('x.1')).toBe(0);
    expect(head.maxBatch).toBe(1);
    const whole = batchAxes({ inputs: [f('x', [16000])], outputs: [f('y', [])] }, ['x']);
    expect(whole.inputs.get('x')).toBeUndefined();
    expect(whole.outputs.get('y')).toBeUndefined();
    expect(whole.maxBatch).toBe(1);
  });
});
