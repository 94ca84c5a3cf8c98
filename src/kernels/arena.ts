/** The raw exports every kernels build has: its memory and a non-GC allocator. */
export interface ArenaExports {
  readonly memory: WebAssembly.Memory;
  alloc(bytes: number): number;
  free(ptr: number): void;
}

/**
 * A `Float32Array` that lives in WASM linear memory. Kernels take its `ptr` and `length`;
 * TypeScript reads and writes through `view`, which is re-created whenever memory has grown
 * (a view over a grown memory's old buffer reads as length 0).
 */
export class F32Block {
  #view: Float32Array;

  constructor(
    private readonly memory: WebAssembly.Memory,
    /** Byte offset of the first element in linear memory. */
    readonly ptr: number,
    /** Number of f32 elements. */
    readonly length: number,
  ) {
    this.#view = new Float32Array(memory.buffer, ptr, length);
  }

  /** A view over the block, valid until the next call that may grow memory. */
  get view(): Float32Array {
    if (this.#view.buffer !== this.memory.buffer) {
      this.#view = new Float32Array(this.memory.buffer, this.ptr, this.length);
    }
    return this.#view;
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
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`allocF32(length): length must be a non-negative integer, got ${length}`);
    }
    const ptr = this.#exports.alloc(Math.max(length, 1) * 4);
    this.#live.add(ptr);
    return new F32Block(this.#exports.memory, ptr, length);
  }

  /** Returns a block to the heap; the block must not be used afterwards. */
  free(block: F32Block): void {
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
