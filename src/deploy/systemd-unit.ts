import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { devicesDirectory, type DeviceProfile } from '../config/device-profile.js';
import { heapFlags } from '../config/heap-flags.js';

/** Where the rendered unit runs Runnel from. */
export interface UnitPaths {
  /** The `node` binary (default `/usr/bin/node`, Debian's and NodeSource's). */
  readonly node?: string;
  /** Where the bundle is installed (default `/opt/runnel`). */
  readonly installDir?: string;
}

/** The systemd unit limits for a profile: `MemoryHigh` at the budget, `MemoryMax` a quarter above. */
export function memoryLimitsMiB(profile: DeviceProfile): { readonly high: number; readonly max: number } {
  return { high: profile.memoryBudgetMiB, max: Math.ceil(profile.memoryBudgetMiB * 1.25) };
}

/** Renders `devices/systemd/runnel.service` for a device profile: its heap flags on node's command line, its memory limits. */
export function renderSystemdUnit(profile: DeviceProfile, paths: UnitPaths = {}): string {
  const limits = memoryLimitsMiB(profile);
  const fields: Record<string, string> = {
    PROFILE: profile.name,
    NODE: paths.node ?? '/usr/bin/node',
    NODE_FLAGS: heapFlags(profile).join(' '),
    INSTALL_DIR: paths.installDir ?? '/opt/runnel',
    MEMORY_HIGH: `${limits.high}M`,
    MEMORY_MAX: `${limits.max}M`,
  };
  const template = readFileSync(join(devicesDirectory(), 'systemd', 'runnel.service'), 'utf8');
  return template.replace(/@([A-Z_]+)@/g, (field, name: string) => {
    const value = fields[name];
    if (value === undefined) throw new Error(`devices/systemd/runnel.service: unknown field ${field}`);
    return value;
  });
}
