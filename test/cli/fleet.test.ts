/**
 * `runnel fleet merge`: two devices' signed statistics in a registry folder become one pushed,
 * signed version whose weights are the pooled fit's; the output names the devices and rows; a
 * missing trust set or subcommand is a usage error.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/command.js';
import { fleetCommand } from '../../src/cli/commands/fleet.js';
import { publishStatistics } from '../../src/ml/fleet/merge.js';
import { NormalEquations, linearStatistics } from '../../src/ml/train/index.js';
import { DirectoryRegistry } from '../../src/sync/directory-registry.js';
import { DirectoryDocuments } from '../../src/sync/fleet-documents.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';
import { frameFromRows } from '../ml/train/data.js';

describe('runnel fleet merge', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('merges the devices of a registry folder and pushes a signed version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-fleet-cli-'));
    const registry = join(dir, 'registry');
    const devices = ['north', 'south'].map((name) => generateKeyPair(join(dir, 'devices'), name));
    const publisher = generateKeyPair(join(dir, 'publisher'), 'publisher');
    // y = 2x + 1 exactly, split over two devices: the merge recovers it.
    const halves = [
      [0, 1, 2],
      [3, 4, 5, 6],
    ];
    for (const [i, xs] of halves.entries()) {
      const statistics = linearStatistics(
        new NormalEquations(['x']).update(
          frameFromRows(
            xs.map((x) => [x]),
            ['x'],
          ),
          xs.map((x) => 2 * x + 1),
        ),
      );
      await publishStatistics(new DirectoryDocuments(registry), 'line', ['north', 'south'][i]!, { statistics, from: 0, to: 10 }, loadSigningKey(devices[i]!.privateKeyFile));
    }
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await fleetCommand.run(['merge', '--registry', registry, '--model', 'line', '--key', publisher.privateKeyFile, '--trust', join(dir, 'devices')]);
    expect(log.mock.calls.map((c) => c.join(' ')).join('\n')).toBe('pushed line v1: fitted on 7 rows from 2 devices (north 3, south 4)');
    const pulled = await new DirectoryRegistry(registry, { trust: loadTrustSet([publisher.publicKeyFile]) }).pull('line');
    expect(pulled.outcome).toBe('pulled');
    if (pulled.outcome === 'pulled') expect(pulled.signedBy).toBe(publisher.keyId);
  });

  it('answers a missing subcommand or trust set with a usage error', async () => {
    await expect(fleetCommand.run(['--registry', 'r', '--model', 'm', '--key', 'k', '--trust', 't'])).rejects.toThrow(UsageError);
    await expect(fleetCommand.run(['merge', '--registry', 'r', '--model', 'm', '--key', 'k'])).rejects.toThrow(/--trust is required/);
    await expect(fleetCommand.run(['merge', '--registry', 'r', '--model', 'm', '--key', 'k', '--trust', 't', '--l2=-1'])).rejects.toThrow(/--l2 must be a number ≥ 0/);
  });
});
