import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { devicesDirectory, loadDeviceProfile, validateDeviceProfile } from '../../src/config/device-profile.js';

describe('device profiles', () => {
  it('every profile in devices/ is valid and named after its file', () => {
    const files = readdirSync(devicesDirectory()).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect(loadDeviceProfile(file.replace(/\.json$/, '')).name).toBe(file.replace(/\.json$/, ''));
  });

  it('names every invalid field', () => {
    const bad = {
      name: 'x',
      arch: 'mips',
      memoryBudgetMiB: 0,
      threads: { inference: 1, kernels: 1 },
      bundle: { maxElements: 10, maxLatencyMs: 1.5 },
      inference: { maxBatch: 1 },
      sqlite: { cacheMiB: 1, synchronous: 'OFF' },
    };
    expect(() => validateDeviceProfile(bad, 'bad.json')).toThrow(
      /"arch" must be one of arm64, armv7l, x64 \(got "mips"\)[\s\S]*"sqlite.synchronous"[\s\S]*"memoryBudgetMiB" must be a positive integer \(got 0\)[\s\S]*"bundle.maxLatencyMs"/,
    );
    expect(() => loadDeviceProfile('toaster')).toThrow(/device profile "toaster" not found/);
  });

  it('refuses V8 heap limits missing or not below the memory budget', () => {
    const good = loadDeviceProfile('raspberry-pi-zero-2w');
    expect(() => validateDeviceProfile({ ...good, v8: undefined }, 'no-v8.json')).toThrow(/"v8.maxOldSpaceMiB" must be a positive integer \(got undefined\)/);
    expect(() => validateDeviceProfile({ ...good, v8: { maxOldSpaceMiB: 256, maxSemiSpaceMiB: 2 } }, 'big.json')).toThrow(
      /"v8.maxOldSpaceMiB" \(256\) must be below "memoryBudgetMiB" \(256\)/,
    );
  });

  it('takes an optional training section (retrain sample count and time budget) and checks it when present', () => {
    const good = loadDeviceProfile('raspberry-pi-4');
    expect(good.training).toEqual({ maxSamples: 10000, retrainBudgetMs: 1000 });
    expect(validateDeviceProfile({ ...good, training: undefined }, 'none.json').training).toBeUndefined();
    expect(() => validateDeviceProfile({ ...good, training: { maxSamples: 0, retrainBudgetMs: 1000 } }, 't.json')).toThrow(
      /"training.maxSamples" must be a positive integer \(got 0\)/,
    );
  });
});
