/**
 * The service unit as systemd reads it: rendered for every profile in devices/, checked by
 * `systemd-analyze verify` (Debian's systemd package), and its command line, run, reports the
 * profile's heap limit.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { devicesDirectory, loadDeviceProfile } from '../../src/config/device-profile.js';
import { memoryLimitsMiB, renderSystemdUnit } from '../../src/deploy/systemd-unit.js';

const run = promisify(execFile);
const PROFILES = readdirSync(devicesDirectory())
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.replace(/\.json$/, ''));

/** `Key=value` lines of the unit's [Service] section. */
function serviceSettings(unit: string): Map<string, string> {
  const section = unit.split(/^\[Service\]$/m)[1]!.split(/^\[/m)[0]!;
  return new Map(
    section
      .split('\n')
      .filter((line) => /^[A-Za-z]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('systemd unit', () => {
  it.each(PROFILES)('%s: systemd-analyze verify accepts it, without a warning', async (name) => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-unit-'));
    const file = join(dir, 'runnel.service');
    writeFileSync(file, renderSystemdUnit(loadDeviceProfile(name), { node: process.execPath }));
    const { stderr } = await run('systemd-analyze', ['verify', file]).catch((error: { code?: string; stderr?: string }) => {
      if (error.code === 'ENOENT') throw new Error('systemd-analyze is missing: apt-get install systemd (the unit is checked with it)');
      throw new Error(`systemd-analyze verify refused the ${name} unit:\n${error.stderr ?? ''}`);
    });
    expect(stderr).toBe('');
  });

  it.each(PROFILES)('%s: the unit limits memory from the profile and its command line runs node under the profile’s heap limit', async (name) => {
    const profile = loadDeviceProfile(name);
    const settings = serviceSettings(renderSystemdUnit(profile, { node: process.execPath }));
    expect(settings.get('MemoryHigh')).toBe(`${profile.memoryBudgetMiB}M`);
    expect(settings.get('MemoryMax')).toBe(`${memoryLimitsMiB(profile).max}M`);
    expect(settings.get('Restart')).toBe('on-failure');
    expect(settings.get('User')).toBe('runnel');
    const [node, ...args] = settings.get('ExecStart')!.split(' ');
    const flags = args.slice(
      0,
      args.findIndex((arg) => !arg.startsWith('--')),
    ); // node's own, before the script
    expect(args.slice(flags.length)).toEqual([
      '/opt/runnel/dist/src/cli/main.js',
      'run',
      '/etc/runnel/pipeline.yaml',
      '--db',
      '/var/lib/runnel/runnel.db',
      '--device',
      `/opt/runnel/devices/${name}.json`,
    ]);
    const { stdout } = await run(node!, [...flags, '-p', 'require("node:v8").getHeapStatistics().heap_size_limit / 2 ** 20']);
    const limitMiB = Number(stdout);
    // V8's limit is the old space plus the young generation (three semi-spaces' worth).
    expect(limitMiB).toBeGreaterThanOrEqual(profile.v8.maxOldSpaceMiB);
    expect(limitMiB).toBeLessThanOrEqual(profile.v8.maxOldSpaceMiB + 3 * profile.v8.maxSemiSpaceMiB + 1);
  });
});
