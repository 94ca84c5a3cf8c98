import type { F32Block, KernelArena } from './arena.js';

/**
 * A batch of rows: row-major values `[rows × cols]` and one name per column. What feature
 * transforms produce, trainers fit and models run on; a `Frame` in WASM memory is one, and so is
 * a plain `Float32Array` wrapped with `frameOf`.
 */
export interface FrameLike {
  /** Row-major values; at least `rows × cols` long (extra values are ignored). */
  readonly view: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly names: readonly string[];
}

/** Wraps a plain `Float32Array` as a frame. */
export function frameOf(view: Float32Array, names: readonly string[]): FrameLike {
  const cols = names.length;
  if (cols === 0) throw new RangeError('frameOf: needs at least one column name');
  if (view.length % cols !== 0) throw new RangeError(`frameOf: ${view.length} values do not fill rows of ${cols} columns`);
  return { view, rows: view.length / cols, cols, names };
}

/**
 * A row-major f32 frame [rows × cols] in WASM memory with named columns: the unit numeric
 * stages pass to kernels (`frame.ptr`, `frame.rows`, `frame.cols`). Names travel with the data
 * so a model knows its inputs.
 */
export class Frame implements FrameLike {
  readonly #index: ReadonlyMap<string, number>;

  constructor(
    /** The storage, rows·cols f32. */
    readonly block: F32Block,
    /** Number of rows (time steps or samples). */
    readonly rows: number,
    /** Number of columns (features or channels). */
    readonly cols: number,
    /** One name per column. */
    readonly names: readonly string[],
  ) {
    if (block.length < rows * cols) {
      throw new RangeError(`Frame: block holds ${block.length} values, rows × cols needs ${rows * cols}`);
    }
    if (names.length !== cols) {
      throw new RangeError(`Frame: got ${names.length} column names for ${cols} columns; pass one name per column`);
    }
    this.#index = new Map(names.map((name, i) => [name, i]));
    if (this.#index.size !== names.length) throw new RangeError(`Frame: column names must be unique, got ${names.join(', ')}`);
  }

  /** Byte offset of row 0, column 0 (the `ptr` kernels take). */
  get ptr(): number {
    return this.block.ptr;
  }

  /** Byte offset of row `row`, for kernels run on a window of rows. */
  rowPtr(row: number): number {
    return this.block.ptr + row * this.cols * 4;
  }

  /** The values, row-major (re-created after memory growth). */
  get view(): Float32Array {
    return this.block.view.subarray(0, this.rows * this.cols);
  }

  /** Column index of `name`; throws naming the known columns if absent. */
  column(name: string): number {
    const i = this.#index.get(name);
    if (i === undefined) throw new RangeError(`Frame has no column "${name}"; columns: ${this.names.join(', ')}`);
    return i;
  }

  /** The value at (row, col). */
  get(row: number, col: number): number {
    return this.block.view[row * this.cols + col] ?? NaN;
  }
}

/** Allocates a frame once in the arena; free it with `arena.free(frame.block)`. */
export function allocFrame(arena: KernelArena, rows: number, names: readonly string[]): Frame {
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`allocFrame(rows): rows must be a non-negative integer, got ${rows}`);
  return new Frame(arena.allocF32(rows * names.length), rows, names.length, names);
}
