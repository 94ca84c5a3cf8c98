import { readFileSync } from 'node:fs';
import { KernelArena } from './arena.js';
import type { KernelExports } from './exports.js';
import { locateKernels } from './locate.js';

export type { KernelExports } from './exports.js';

/** A loaded kernels instance with the arena that owns its memory. */
export interface Kernels {
  readonly exports: KernelExports;
  readonly arena: KernelArena;
}

let shared: Kernels | undefined;

/** Instantiates a fresh kernels module (own memory); most callers want `kernels()`. */
export function instantiateKernels(wasmPath: string = locateKernels()): Kernels {
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(messagePtr: number, filePtr: number, line: number, column: number): never {
        throw new Error(`WASM kernel aborted at ${filePtr}:${line}:${column} (message at ${messagePtr})`);
      },
    },
  });
  const exports = instance.exports as unknown as KernelExports;
  return { exports, arena: new KernelArena(exports) };
}

/** The process-wide kernels instance, loaded on first use. */
export function kernels(): Kernels {
  shared ??= instantiateKernels();
  return shared;
}
