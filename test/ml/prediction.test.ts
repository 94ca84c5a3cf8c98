/**
 * A batch's outputs cut into one result per example (`splitOutputs` along the batch axis), then
 * read flat with `inferenceValues`, for every tensor element type a model may return (int64
 * labels as numbers), against an index-by-index reference on random shapes; an output without one
 * slice per example is refused.
 */
import { describe, expect, it } from 'vitest';
import { inferenceValues, tensor, type Tensor } from '../../src/ml/infer/index.js';
import { batchAxes } from '../../src/ml/infer/batch-axes.js';
import { splitOutputs } from '../../src/ml/infer/example-feeds.js';
import { seededRng } from '../../src/ml/testing/random-models.js';
import { SEED } from '../seed.js';

const described = (names: string[]) => batchAxes({ inputs: [], outputs: names.map((name) => ({ name, isTensor: true, shape: ['N', -1] })) }, []);

describe(`splitting a batch's outputs per example (seed ${SEED})`, () => {
  it('every element type, random rows × width: example r holds values r·width … (r+1)·width − 1; inferenceValues reads them as plain numbers', () => {
    const rng = seededRng(SEED);
    for (let trial = 0; trial < 20; trial++) {
      const rows = 1 + Math.floor(rng() * 50);
      const width = 1 + Math.floor(rng() * 6);
      const n = rows * width;
      const values = Array.from({ length: n }, () => Math.round((rng() - 0.5) * 200));
      const dims = [rows, width];
      const outputs: Record<string, Tensor> = {
        f32: tensor(
          'float32',
          Float32Array.from(values, (v) => v / 8),
          dims,
        ),
        f64: tensor(
          'float64',
          Float64Array.from(values, (v) => v / 3),
          dims,
        ),
        i64: tensor(
          'int64',
          BigInt64Array.from(values, (v) => BigInt(v)),
          dims,
        ),
        i32: tensor('int32', Int32Array.from(values), dims),
        u8: tensor(
          'uint8',
          Uint8Array.from(values, (v) => v & 255),
          dims,
        ),
        i8: tensor(
          'int8',
          Int8Array.from(values, (v) => v % 128),
          dims,
        ),
        str: tensor('string', values.map(String), dims),
      };
      const got = splitOutputs(outputs, rows, described(Object.keys(outputs)));
      expect(got).toHaveLength(rows);
      for (let r = 0; r < rows; r++) {
        const flat = inferenceValues(got[r]!);
        expect(Object.keys(flat).sort()).toEqual(['f32', 'f64', 'i32', 'i64', 'i8', 'str', 'u8']);
        for (const [name, { type, data }] of Object.entries(outputs)) {
          expect(got[r]![name]!.type).toBe(type);
          expect(got[r]![name]!.dims).toEqual([width]);
          const expected: (number | string)[] = [];
          for (let k = 0; k < width; k++) {
            const v = data[r * width + k]!;
            expected.push(typeof v === 'bigint' ? Number(v) : v);
          }
          expect(flat[name], `${name} row ${r}`).toEqual(expected);
          expect(Array.isArray(flat[name])).toBe(true);
        }
      }
    }
  });

  it('an output without one slice per example is refused, naming it', () => {
    expect(() => splitOutputs({ y: tensor('float32', new Float32Array(6), [3, 2]) }, 2, described(['y']))).toThrow('output "y" has dims [3, 2], not 2 examples along axis 0');
  });
});
