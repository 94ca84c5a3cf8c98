/**
 * Moves training data into WASM memory for the kernels in `assembly/train.ts`: a workspace of
 * blocks freed together, frames staged whole or streamed in chunks, labels as f64.
 */
import { type F32Block, type F64Block, Frame, kernels, type KernelExports, type KernelArena } from '../../kernels/index.js';
import type { FrameLike } from '../../kernels/frame.js';

/** Rows per chunk when a frame outside WASM memory is streamed through a staging block. */
export const CHUNK_ROWS = 16_384;

/** A raw block (i32 or u8) allocated straight from the kernels' heap. */
export interface RawBlock {
  readonly ptr: number;
  readonly bytes: number;
}

/** Blocks allocated for one fit or predict call; `dispose()` frees them all. */
export class Workspace {
  readonly x: KernelExports;
  readonly arena: KernelArena;
  readonly #blocks: (F32Block | F64Block)[] = [];
  readonly #raw: number[] = [];

  constructor() {
    const k = kernels();
    this.x = k.exports;
    this.arena = k.arena;
  }

  /** n f64 values, zeroed. */
  f64(n: number): F64Block {
    const b = this.arena.allocF64(n);
    b.view.fill(0);
    this.#blocks.push(b);
    return b;
  }

  /** A copy of `values` as f64. */
  f64Of(values: ArrayLike<number>): F64Block {
    const b = this.arena.f64Of(values);
    this.#blocks.push(b);
    return b;
  }

  /** n f32 values (contents unspecified). */
  f32(n: number): F32Block {
    const b = this.arena.allocF32(n);
    this.#blocks.push(b);
    return b;
  }

  /** A raw block of `bytes` bytes (for i32 row lists and u8 bins); view it with `i32View`/`u8View`. */
  raw(bytes: number): RawBlock {
    const ptr = this.x.alloc(Math.max(bytes, 4));
    this.#raw.push(ptr);
    return { ptr, bytes };
  }

  /** An Int32Array over a raw block (re-create after anything that may grow memory). */
  i32View(b: RawBlock): Int32Array {
    return new Int32Array(this.x.memory.buffer, b.ptr, b.bytes >> 2);
  }

  /** A Uint8Array over a raw block (re-create after anything that may grow memory). */
  u8View(b: RawBlock): Uint8Array {
    return new Uint8Array(this.x.memory.buffer, b.ptr, b.bytes);
  }

  /** Frees every block of the workspace. */
  dispose(): void {
    for (const b of this.#blocks) this.arena.free(b);
    for (const p of this.#raw) this.x.free(p);
    this.#blocks.length = 0;
    this.#raw.length = 0;
  }
}

/** Runs `fn` with a fresh workspace and frees it afterwards, even on error. */
export function withWorkspace<T>(fn: (ws: Workspace) => T): T {
  const ws = new Workspace();
  try {
    return fn(ws);
  } finally {
    ws.dispose();
  }
}

/** Whether the frame already lives in this workspace's WASM memory (a kernels `Frame`). */
function inMemory(ws: Workspace, frame: FrameLike): frame is Frame {
  return frame instanceof Frame && frame.block.view.buffer === ws.x.memory.buffer;
}

/** Pointer to the whole frame in WASM memory: the frame itself, or a copy in the workspace. */
export function stageFrame(ws: Workspace, frame: FrameLike): number {
  if (inMemory(ws, frame)) return frame.ptr;
  const b = ws.f32(frame.rows * frame.cols);
  b.view.set(frame.view.subarray(0, frame.rows * frame.cols));
  return b.ptr;
}

/**
 * Calls `fn(ptr, rows, firstRow)` over the frame in chunks of at most `chunkRows` rows, copying
 * through one staging block unless the frame is already in WASM memory (then one call, no copy).
 * Memory stays O(chunk), so statistics over any number of rows need no more than that.
 */
export function forEachChunk(ws: Workspace, frame: FrameLike, fn: (ptr: number, rows: number, first: number) => void, chunkRows = CHUNK_ROWS): void {
  const { rows, cols } = frame;
  if (inMemory(ws, frame)) {
    fn(frame.ptr, rows, 0);
    return;
  }
  const stage = ws.f32(Math.min(rows, chunkRows) * cols);
  for (let first = 0; first < rows; first += chunkRows) {
    const n = Math.min(chunkRows, rows - first);
    stage.view.set(frame.view.subarray(first * cols, (first + n) * cols));
    fn(stage.ptr, n, first);
  }
}

/** Throws a RangeError unless labels has one finite entry per row. */
export function checkLabels(what: string, frame: FrameLike, labels: ArrayLike<number> | null): ArrayLike<number> {
  if (labels === null || labels === undefined) throw new TypeError(`${what}: labels are required (one per row)`);
  if (labels.length !== frame.rows) throw new RangeError(`${what}: ${labels.length} labels for ${frame.rows} rows; pass one label per row`);
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isFinite(labels[i]!)) throw new RangeError(`${what}: label ${i} is ${labels[i]}; labels must be finite numbers`);
  }
  return labels;
}

/** Throws a RangeError naming the first non-finite feature value (training needs clean rows). */
export function checkFinite(what: string, frame: FrameLike): void {
  if (frame.rows < 1) throw new RangeError(`${what}: the frame has no rows`);
  if (frame.cols < 1 || frame.names.length !== frame.cols) throw new RangeError(`${what}: the frame needs one name per column`);
  const v = frame.view;
  const end = frame.rows * frame.cols;
  for (let i = 0; i < end; i++) {
    if (!Number.isFinite(v[i]!)) {
      const row = Math.floor(i / frame.cols);
      throw new RangeError(`${what}: feature "${frame.names[i % frame.cols]}" of row ${row} is ${v[i]}; impute or drop non-finite values before training`);
    }
  }
}

/** Throws a RangeError unless the frame's columns are the model's features, in order. */
export function checkColumns(what: string, featureNames: readonly string[], frame: FrameLike): void {
  if (frame.cols !== featureNames.length || frame.names.some((n, i) => n !== featureNames[i])) {
    throw new RangeError(`${what}: frame columns [${frame.names.join(', ')}] differ from the model's features [${featureNames.join(', ')}]`);
  }
}

/** Sorted distinct integer labels and each row's class index (as f64, for the kernels). */
export function encodeClasses(what: string, labels: ArrayLike<number>, given?: readonly number[]): { classes: number[]; index: Float64Array } {
  const seen = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isSafeInteger(labels[i]!)) throw new RangeError(`${what}: label ${i} is ${labels[i]}; class labels must be integers (map strings to integers first)`);
    if (!given) seen.add(labels[i]!);
  }
  const classes = given ? [...given] : [...seen].sort((a, b) => a - b);
  const at = new Map(classes.map((c, i) => [c, i]));
  const index = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const c = at.get(labels[i]!);
    if (c === undefined) throw new RangeError(`${what}: label ${labels[i]} of row ${i} is not one of the classes [${classes.join(', ')}]`);
    index[i] = c;
  }
  return { classes, index };
}
