import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What Runnel needs to know about a board: its limits and the sizes tuned for it. */
export interface DeviceProfile {
  readonly name: string;
  readonly arch: 'arm64' | 'armv7l' | 'x64';
  /** Resident memory Runnel should stay within. */
  readonly memoryBudgetMiB: number;
  readonly threads: { readonly inference: number; readonly kernels: number };
  readonly bundle: { readonly maxElements: number; readonly maxLatencyMs: number };
  readonly inference: { readonly maxBatch: number };
  readonly sqlite: { readonly cacheMiB: number; readonly synchronous: 'NORMAL' | 'FULL' };
  /** V8 heap limits that keep the process inside `memoryBudgetMiB` (see `heapFlags`). */
  readonly v8: { readonly maxOldSpaceMiB: number; readonly maxSemiSpaceMiB: number };
  /** On-device retraining (`ModelLifecycle`'s policy): the newest samples a fit uses, and the time a fit may take. */
  readonly training?: { readonly maxSamples: number; readonly retrainBudgetMs: number };
}

/** The `devices/` folder shipped with Runnel. */
export function devicesDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'devices')) && existsSync(join(dir, 'package.json'))) return join(dir, 'devices');
  }
  throw new Error('cannot find the devices/ folder next to package.json');
}

/** Loads and validates a profile by name (`raspberry-pi-4`) or by path to a JSON file. */
export function loadDeviceProfile(nameOrPath: string): DeviceProfile {
  const path = nameOrPath.endsWith('.json') ? nameOrPath : join(devicesDirectory(), `${nameOrPath}.json`);
  if (!existsSync(path)) throw new Error(`device profile "${nameOrPath}" not found (looked for ${path})`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`device profile ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  return validateDeviceProfile(data, path);
}

/** Checks a parsed profile; the error names the field and the expected value. */
export function validateDeviceProfile(data: unknown, where: string): DeviceProfile {
  const problems: string[] = [];
  const field = (path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], data);
  const positiveInteger = (path: string): void => {
    const v = field(path);
    if (!Number.isSafeInteger(v) || (v as number) < 1) problems.push(`"${path}" must be a positive integer (got ${JSON.stringify(v)})`);
  };
  const oneOf = (path: string, allowed: readonly string[]): void => {
    if (!allowed.includes(field(path) as string)) problems.push(`"${path}" must be one of ${allowed.join(', ')} (got ${JSON.stringify(field(path))})`);
  };
  if (typeof field('name') !== 'string' || field('name') === '') problems.push('"name" must be a non-empty string');
  oneOf('arch', ['arm64', 'armv7l', 'x64']);
  oneOf('sqlite.synchronous', ['NORMAL', 'FULL']);
  for (const p of [
    'memoryBudgetMiB',
    'threads.inference',
    'threads.kernels',
    'bundle.maxElements',
    'bundle.maxLatencyMs',
    'inference.maxBatch',
    'sqlite.cacheMiB',
    'v8.maxOldSpaceMiB',
    'v8.maxSemiSpaceMiB',
  ])
    positiveInteger(p);
  if (field('training') !== undefined) for (const p of ['training.maxSamples', 'training.retrainBudgetMs']) positiveInteger(p);
  const oldSpace = field('v8.maxOldSpaceMiB');
  if (typeof oldSpace === 'number' && typeof field('memoryBudgetMiB') === 'number' && oldSpace >= (field('memoryBudgetMiB') as number))
    problems.push(`"v8.maxOldSpaceMiB" (${oldSpace}) must be below "memoryBudgetMiB" (${String(field('memoryBudgetMiB'))}): the process needs memory beside the heap`);
  if (problems.length > 0) throw new Error(`device profile ${where} is invalid:\n  - ${problems.join('\n  - ')}`);
  return data as DeviceProfile;
}
