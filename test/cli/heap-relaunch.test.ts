/**
 * A device profile's heap limits reach V8: a command started without them runs itself again
 * under them (compiled JS, a real child process), and a heap sized by the user is left alone.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadDeviceProfile } from '../../src/config/device-profile.js';
import { heapFlags, sizesHeap } from '../../src/config/heap-flags.js';

const CHILD = join(import.meta.dirname, '..', '..', 'dist', 'test', 'cli', 'fixtures', 'heap-child.js');

/** Runs the fixture; it always exits 7 (through the parent too), printing its heap limit last. */
async function heapOf(profile: string, env: Record<string, string> = {}): Promise<{ heapLimitMiB: number; execArgv: string[]; lines: string[] }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('RUNNEL_HEAP_FLAGS' in env)) delete childEnv['RUNNEL_HEAP_FLAGS'];
  if (!('NODE_OPTIONS' in env)) delete childEnv['NODE_OPTIONS'];
  const failed = await promisify(execFile)('node', [CHILD, profile], { env: childEnv }).then(
    () => undefined,
    (error: unknown) => error as { code: number; stdout: string },
  );
  expect(failed?.code).toBe(7);
  const lines = failed!.stdout.trim().split('\n');
  return { ...(JSON.parse(lines.at(-1)!) as { heapLimitMiB: number; execArgv: string[] }), lines };
}

describe('heap flags from a device profile', () => {
  it('a process started without them runs again under the profile’s old- and semi-space limits, and passes the exit code on', async () => {
    const zero = loadDeviceProfile('raspberry-pi-zero-2w');
    const { heapLimitMiB, execArgv, lines } = await heapOf('raspberry-pi-zero-2w');
    expect(lines[0]).toMatch(/applying the raspberry-pi-zero-2w profile's heap limits: running again as node --max-old-space-size=160 --max-semi-space-size=2/);
    expect(execArgv).toEqual(expect.arrayContaining(heapFlags(zero)));
    // V8's limit is the old space plus the young generation (three semi-spaces' worth).
    expect(heapLimitMiB).toBeGreaterThanOrEqual(zero.v8.maxOldSpaceMiB);
    expect(heapLimitMiB).toBeLessThanOrEqual(zero.v8.maxOldSpaceMiB + 3 * zero.v8.maxSemiSpaceMiB + 1);
  });

  it('is left alone when NODE_OPTIONS sizes the heap or RUNNEL_HEAP_FLAGS is set', async () => {
    const chosen = await heapOf('raspberry-pi-zero-2w', { NODE_OPTIONS: '--max-old-space-size=300' });
    expect(chosen.lines).toHaveLength(1);
    expect(chosen.heapLimitMiB).toBeGreaterThan(300);
    const off = await heapOf('raspberry-pi-zero-2w', { RUNNEL_HEAP_FLAGS: 'off' });
    expect(off.lines).toHaveLength(1);
    expect(off.heapLimitMiB).toBeGreaterThan(1000); // V8's default on this machine
  });

  it('recognises heap flags in either spelling', () => {
    expect(sizesHeap(['--max-old-space-size=100'])).toBe(true);
    expect(sizesHeap(['--max_semi_space_size=4'])).toBe(true);
    expect(sizesHeap(['--max-old-space-sizes', '--expose-gc'])).toBe(false);
  });
});
