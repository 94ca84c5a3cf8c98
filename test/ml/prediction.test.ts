/**
 * splitRows: a batch's outputs cut into one plain-number array per example, for every tensor
 * element type a model may return (int64 labels as numbers), against an index-by-index reference
 * on random shapes; a wrong row count is refused.
 */
import { describe, expect, it } from 'vitest';
import { splitRows, type TensorValue } from '../../src/ml/infer/index.js';
import { seededRng } from '../../src/ml/testing/random-models.js';
import { SEED } from '../seed.js';

describe(`splitRows (seed ${SEED})`, () => {
  it('every element type, random rows × width: row r holds values r·width … (r+1)·width − 1, as numbers', () => {
    const rng = seededRng(SEED);
    for (let trial = 0; trial < 20; trial++) {
      const rows = 1 + Math.floor(rng() * 50);
      const width = 1 + Math.floor(rng() * 6);
      const n = rows * width;
      const values = Array.from({ length: n }, () => Math.round((rng() - 0.5) * 200));
      const outputs: Record<string, TensorValue> = {
        f32: { data: Float32Array.from(values, (v) => v / 8), dims: [rows, width] },
        f64: { data: Float64Array.from(values, (v) => v / 3), dims: [rows, width] },
        i64: { data: BigInt64Array.from(values, (v) => BigInt(v)), dims: [rows, width] },
        i32: { data: Int32Array.from(values), dims: [rows, width] },
        u8: { data: Uint8Array.from(values, (v) => v & 255), dims: [rows, width] },
        i8: { data: Int8Array.from(values, (v) => v % 128), dims: [rows, width] },
        str: { data: values.map(String), dims: [rows, width] },
      };
      const got = splitRows(outputs, rows, new Set(['i32']));
      expect(got).toHaveLength(rows);
      for (let r = 0; r < rows; r++) {
        expect(Object.keys(got[r]!).sort()).toEqual(['f32', 'f64', 'i64', 'i8', 'str', 'u8']);
        for (const [name, { data }] of Object.entries(outputs)) {
          if (name === 'i32') continue;
          const expected: (number | string)[] = [];
          for (let k = 0; k < width; k++) {
            const v = data[r * width + k]!;
            expected.push(typeof v === 'bigint' ? Number(v) : v);
          }
          expect(got[r]![name], `${name} row ${r}`).toEqual(expected);
          expect(Array.isArray(got[r]![name])).toBe(true);
        }
      }
    }
  });

  it('an output without one row per example is refused, naming it', () => {
    expect(() => splitRows({ y: { data: new Float32Array(6), dims: [3, 2] } }, 2)).toThrow('output "y" has dims [3, 2], not one row per example (2 examples)');
  });
});
