// Raw, non-GC allocation for frames the TypeScript side owns (see src/kernels/arena.ts).
// Blocks come from the runtime's TLSF heap, so freeing one makes it reusable.

/** Allocates `bytes` bytes aligned to 16 (for v128 loads); returns the pointer. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Returns a block from `alloc` to the heap. */
export function free(ptr: usize): void {
  heap.free(ptr);
}
