import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WASM_FILE = join('build', 'kernels.wasm');

/**
 * Finds `build/kernels.wasm` by walking up from this module, so the same code works from
 * `src/` under tsx/vitest and from `dist/src/` on a device. `RUNNEL_KERNELS` overrides it.
 */
export function locateKernels(): string {
  const override = process.env['RUNNEL_KERNELS'];
  if (override) return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    const candidate = join(dir, WASM_FILE);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(
    `Cannot find ${WASM_FILE}: build the WebAssembly kernels with "npm run build:wasm" ` +
      `(or set RUNNEL_KERNELS to the .wasm file's path).`,
  );
}
