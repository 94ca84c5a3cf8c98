/** The raw exports every kernels build has: its memory and a non-GC allocator. */
export interface ArenaExports {
  readonly memory: WebAssembly.Memory;
  alloc: (bytes: number) => number;
  free: (ptr: number) => void;
}

/** Element types a block can hold, by their typed-array constructor. */
type FloatArray = Float32Array | Float64Array;

/** A typed array living in WASM linear memory; `view` is re-created after memory grows. */
abstract class WasmBlock<V extends FloatArray> {
  #view: V;

  constructor(
    protected readonly memory: WebAssembly.Memory,
    /** Byte offset of the first element in linear memory. */
    readonly ptr: number,
    /** Number of elements. */
    readonly length: number,
  ) {
    this.#view = this.makeView();
  }

  protected abstract makeView(): V;

  /** A view over the block, valid until the next call that may grow memory. */
  get view(): V {
    if (this.#view.buffer !== this.memory.buffer) this.#view = this.makeView();
    return this.#view;
  }
}

/**
 * A `Float32Array` that lives in WASM linear memory. Kernels take its `ptr` and `length`;
 * TypeScript reads and writes through `view`, which is re-created whenever memory has grown
 * (a view over a grown memory's old buffer reads as length 0).
 */
export class F32Block extends WasmBlock<Float32Array> {
  protected makeView(): Float32Array {
    return new Float32Array(this.memory.buffer, this.ptr, this.length);
  }
}

/** A `Float64Array` in WASM linear memory: per-column statistics, fitted parameters, filter state. */
export class F64Block extends WasmBlock<Float64Array> {
  protected makeView(): Float64Array {
    return new Float64Array(this.memory.buffer, this.ptr, this.length);
  }
}

/**
 * Owns the blocks allocated in a kernels instance's memory. Allocate frames once and reuse
 * them: kernels never allocate, so steady-state processing does no allocation at all.
 */
export class KernelArena {
  readonly #exports: ArenaExports;
  readonly #live = new Set<number>();

  constructor(exports: ArenaExports) {
    this.#exports = exports;
  }

  /** Allocates a block of `length` f32 values (contents unspecified). */
  allocF32(length: number): F32Block {
    return new F32Block(this.#exports.memory, this.#allocBytes(length, 4, 'allocF32'), length);
  }

  /** Allocates an f32 block holding a copy of `values` (rounded to f32). */
  f32Of(values: ArrayLike<number>): F32Block {
    return filled(this.allocF32(values.length), values);
  }

  #allocBytes(length: number, size: number, name: string): number {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`${name}(length): length must be a non-negative integer, got ${length}`);
    }
    const ptr = this.#exports.alloc(Math.max(length, 1) * size);
    this.#live.add(ptr);
    return ptr;
  }

  /** Allocates a block of `length` f64 values (contents unspecified). */
  allocF64(length: number): F64Block {
    return new F64Block(this.#exports.memory, this.#allocBytes(length, 8, 'allocF64'), length);
  }

  /** Allocates an f64 block holding a copy of `values`. */
  f64Of(values: ArrayLike<number>): F64Block {
    return filled(this.allocF64(values.length), values);
  }

  /** Returns a block to the heap; the block must not be used afterwards. */
  free(block: F32Block | F64Block): void {
    if (!this.#live.delete(block.ptr)) {
      throw new Error(`free(): block at ${block.ptr} is not live in this arena (freed twice?)`);
    }
    this.#exports.free(block.ptr);
  }

  /** Number of blocks currently allocated. */
  get liveBlocks(): number {
    return this.#live.size;
  }

  /** Current size of the WASM linear memory in bytes. */
  get memoryBytes(): number {
    return this.#exports.memory.buffer.byteLength;
  }
}

/** `block` with `values` copied in. */
function filled<B extends F32Block | F64Block>(block: B, values: ArrayLike<number>): B {
  block.view.set(values);
  return block;
}
