import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';
import type { DeviceProfile } from '../config/device-profile.js';
import { heapFlags, sizesHeap } from '../config/heap-flags.js';

/** Set in the relaunched child (and by a user who sizes the heap another way) to stop a relaunch. */
export const HEAP_FLAGS_ENV = 'RUNNEL_HEAP_FLAGS';

/**
 * Applies a device profile's V8 heap limits to this command: V8 sizes its heap at start-up, so a
 * process started without them (from a shell, `npm start`) runs the same command again as a
 * child under `heapFlags(profile)` and resolves to the child's exit code. Resolves to undefined,
 * and the caller goes on in this process, when the limits are already in place: this is that
 * child, the heap was sized on the command line or in `NODE_OPTIONS` (the user's choice wins),
 * or `RUNNEL_HEAP_FLAGS` is set (e.g. `off`). A service started with the flags never relaunches.
 *
 * The child shares the terminal: Ctrl-C reaches it directly, so the parent forwards SIGINT only
 * when it has no terminal, and SIGTERM and SIGHUP always.
 */
export async function relaunchWithHeapFlags(profile: DeviceProfile, log: (line: string) => void): Promise<number | undefined> {
  const nodeOptions = (process.env['NODE_OPTIONS'] ?? '').split(/\s+/);
  if (process.env[HEAP_FLAGS_ENV] !== undefined || sizesHeap(process.execArgv) || sizesHeap(nodeOptions)) return undefined;
  const flags = heapFlags(profile);
  log(`applying the ${profile.name} profile's heap limits: running again as node ${flags.join(' ')} (set ${HEAP_FLAGS_ENV}=off to skip)`);
  const child = spawn(process.execPath, [...flags, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, [HEAP_FLAGS_ENV]: 'applied' },
  });
  const forwarded: NodeJS.Signals[] = process.stdin.isTTY ? ['SIGTERM', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  const ignore = (): void => undefined;
  for (const signal of forwarded) process.on(signal, forward);
  if (process.stdin.isTTY) process.on('SIGINT', ignore);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    return code ?? 128 + (signal ? constants.signals[signal] : 0);
  } finally {
    for (const signal of forwarded) process.off(signal, forward);
    process.off('SIGINT', ignore);
  }
}
