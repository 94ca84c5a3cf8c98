import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The environment variable that names the kernels file explicitly. */
export const KERNELS_VARIABLE = 'RUNNEL_KERNELS';

/**
 * Where the kernels are loaded from: the file `RUNNEL_KERNELS` names (relative to the working
 * directory), else the package's own `build/kernels.wasm`. The package's file is found from this
 * module's own location, never by searching: `src/kernels/locate.ts` (tsx, vitest) is two folders
 * below the package root and `dist/src/kernels/locate.js` (compiled) three, so a stray copy in
 * some parent folder is never loaded by accident.
 */
export function locateKernels(): string {
  const override = process.env[KERNELS_VARIABLE];
  if (override) return resolve(override);
  const up = import.meta.url.endsWith('.ts') ? '../../' : '../../../';
  return fileURLToPath(new URL(`${up}build/kernels.wasm`, import.meta.url));
}
