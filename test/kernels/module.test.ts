import { describe, expect, it } from 'vitest';
import { instantiateKernels } from '../../src/kernels/index.js';
import { SEED, rand } from './helpers.js';

function referenceSum(values: Float32Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum;
}

describe(`kernels module (seed ${SEED})`, () => {
  it('sums a Float32Array written in place into WASM memory', () => {
    const { exports, arena } = instantiateKernels();
    for (const length of [0, 1, 3, 4, 5, 1023, 1024, 1025]) {
      const block = arena.allocF32(length);
      for (let i = 0; i < length; i++) block.view[i] = rand() * 200 - 100;
      const expected = referenceSum(block.view);
      const got = exports.sumF32(block.ptr, length);
      // f64 accumulation in both: only summation order differs.
      expect(Math.abs(got - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)) * length);
      if (length === 0) expect(exports.meanF32(block.ptr, 0)).toBeNaN();
      else expect(exports.meanF32(block.ptr, length)).toBeCloseTo(expected / length, 9);
      arena.free(block);
    }
    expect(arena.liveBlocks).toBe(0);
  });

  it('re-creates views after memory grows', () => {
    const { exports, arena } = instantiateKernels();
    const small = arena.allocF32(4);
    small.view.set([1, 2, 3, 4]);
    const before = arena.memoryBytes;
    const big = arena.allocF32(4 << 20); // 16 MiB forces memory.grow
    expect(arena.memoryBytes).toBeGreaterThan(before);
    expect(small.view.length).toBe(4);
    expect(Array.from(small.view)).toEqual([1, 2, 3, 4]);
    expect(exports.sumF32(small.ptr, 4)).toBe(10);
    arena.free(big);
    arena.free(small);
    expect(() => arena.free(small)).toThrow(/not live/);
  });
});
