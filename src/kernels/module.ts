import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { messageOf, RunnelError } from '../common/errors.js';
import { KernelArena } from './arena.js';
import { KERNEL_EXPORT_KINDS, type KernelExports } from './exports.js';
import { KERNELS_VARIABLE, locateKernels } from './locate.js';

export type { KernelExports } from './exports.js';

/** A loaded kernels instance with the arena that owns its memory. */
export interface Kernels {
  readonly exports: KernelExports;
  readonly arena: KernelArena;
}

let shared: { readonly path: string; readonly kernels: Kernels } | undefined;

/**
 * Instantiates a fresh kernels module (own memory) from `wasmPath` (default `locateKernels()`);
 * most callers want `kernels()`. A file that is missing or unreadable is a `RunnelError` with code
 * `KERNELS_MISSING`; one that is not a kernels module of this Runnel (corrupt, truncated, another
 * build) is `KERNELS_INVALID`. Both name the path and the fix.
 */
export function instantiateKernels(wasmPath: string = locateKernels()): Kernels {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = readFileSync(wasmPath);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : messageOf(error);
    throw new RunnelError('KERNELS_MISSING', `cannot load the WebAssembly kernels: ${wasmPath}: ${why}. ${fix()}`, { cause: error });
  }
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      env: {
        abort(messagePtr: number, filePtr: number, line: number, column: number): never {
          throw new Error(`WASM kernel aborted at ${filePtr}:${line}:${column} (message at ${messagePtr})`);
        },
      },
    });
  } catch (error) {
    throw new RunnelError('KERNELS_INVALID', `${wasmPath} is not a valid kernels module (${messageOf(error)}). ${fix()}`, { cause: error });
  }
  const missing = Object.entries(KERNEL_EXPORT_KINDS)
    .filter(([name, kind]) => !(kind === 'memory' ? instance.exports[name] instanceof WebAssembly.Memory : typeof instance.exports[name] === 'function'))
    .map(([name]) => name);
  if (missing.length > 0) {
    const listed = missing.length > 5 ? `${missing.slice(0, 5).join(', ')} and ${missing.length - 5} more` : missing.join(', ');
    throw new RunnelError('KERNELS_INVALID', `${wasmPath} lacks the kernels ${listed}: it is from another build of Runnel. ${fix()}`);
  }
  const exports = instance.exports as unknown as KernelExports;
  return { exports, arena: new KernelArena(exports) };
}

/** What to do about a bad kernels file, depending on where its path came from. */
function fix(): string {
  const build = 'run "npm run build:wasm" in the Runnel package (or reinstall Runnel: its package ships build/kernels.wasm)';
  return process.env[KERNELS_VARIABLE]
    ? `${KERNELS_VARIABLE} names this file: point it at the build/kernels.wasm of this Runnel, or unset it and ${build}.`
    : `To build them, ${build}; to use a kernels file elsewhere, set ${KERNELS_VARIABLE} to its path.`;
}

/**
 * Loads the process-wide kernels now, from `wasmPath` when given (else `locateKernels()`), and
 * returns them. Call it at start so that a missing or bad file stops the program before it reads
 * any input; the feature stages also load them when a pipeline sets up. Asking for a different file
 * once the kernels are loaded is refused (frames and fitted blocks live in the loaded memory).
 */
export function loadKernels(wasmPath?: string): Kernels {
  const path = wasmPath === undefined ? (shared?.path ?? locateKernels()) : resolve(wasmPath);
  if (shared) {
    if (shared.path !== path) throw new TypeError(`loadKernels: the kernels are already loaded from ${shared.path}; load ${path} before anything uses the kernels, or not at all`);
    return shared.kernels;
  }
  shared = { path, kernels: instantiateKernels(path) };
  return shared.kernels;
}

/** The process-wide kernels instance, loaded on first use (see `loadKernels`). */
export function kernels(): Kernels {
  return shared?.kernels ?? loadKernels();
}
