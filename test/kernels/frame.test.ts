import { describe, expect, it } from 'vitest';
import { allocFrame, Frame, instantiateKernels } from '../../src/kernels/index.js';

describe('Frame and f64 blocks', () => {
  it('allocates a named frame once and runs a per-window kernel through rowPtr', () => {
    const { exports, arena } = instantiateKernels();
    const frame = allocFrame(arena, 6, ['ax', 'ay']);
    frame.view.set([1, 10, 2, 20, 3, 30, 4, 40, 5, 50, 6, 60]);
    expect(frame.column('ay')).toBe(1);
    expect(frame.get(2, 1)).toBe(30);
    expect(() => frame.column('az')).toThrow(/columns: ax, ay/);
    const out = arena.allocF64(2);
    exports.colMean(frame.rowPtr(3), 3, frame.cols, out.ptr); // window = rows 3..5
    expect(Array.from(out.view)).toEqual([5, 50]);
    const grow = arena.allocF32(4 << 20); // memory.grow: views are re-created
    expect(Array.from(out.view)).toEqual([5, 50]);
    expect(frame.get(5, 0)).toBe(6);
    for (const b of [out, grow, frame.block]) arena.free(b);
    expect(arena.liveBlocks).toBe(0);
  });

  it('rejects mismatched names and sizes with a message that says what to pass', () => {
    const { arena } = instantiateKernels();
    const block = arena.allocF32(4);
    expect(() => new Frame(block, 2, 2, ['a'])).toThrow(/one name per column/);
    expect(() => new Frame(block, 3, 2, ['a', 'b'])).toThrow(/rows × cols/);
    expect(() => new Frame(block, 2, 2, ['a', 'a'])).toThrow(/unique/);
    expect(() => arena.allocF64(-1)).toThrow(/allocF64/);
  });
});
