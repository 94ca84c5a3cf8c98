import type { DeviceProfile } from './device-profile.js';

/**
 * The Node flags that size V8's heap for a device profile. V8 sizes its heap when the process
 * starts (`v8.setFlagsFromString` later changes nothing), so these go on the `node` command line,
 * in `NODE_OPTIONS`, or in the service unit:
 * - `--max-old-space-size`: the old generation's limit. Near it V8 collects harder; past it the
 *   process dies of out-of-memory instead of taking the board's memory. Peak RSS follows this
 *   limit more than live data (the old space fills with promoted garbage before a full collection).
 * - `--max-semi-space-size`: each of the young generation's two halves. Smaller keeps RSS down at
 *   the price of more scavenges; larger lets more short-lived objects die young.
 */
export function heapFlags(profile: DeviceProfile): string[] {
  return [`--max-old-space-size=${profile.v8.maxOldSpaceMiB}`, `--max-semi-space-size=${profile.v8.maxSemiSpaceMiB}`];
}

/** True when `args` (`process.execArgv`, or `NODE_OPTIONS` split) already size the heap. */
export function sizesHeap(args: readonly string[]): boolean {
  return args.some((arg) => /^--max-(old|semi)-space-size(=|$)/.test(arg.replace(/_/g, '-')));
}
