/**
 * `runnel keys generate`: writes <name>.key (mode 0600) and <name>.pub, prints the key id, refuses
 * to overwrite, and answers a wrong or missing subcommand or --out with a usage error.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../src/cli/command.js';
import { keysCommand } from '../../src/cli/commands/keys.js';
import { loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';

/** What the command printed to standard output. */
async function printed(args: string[]): Promise<string> {
  vi.restoreAllMocks();
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  await keysCommand.run(args);
  return log.mock.calls.map((c) => c.join(' ')).join('\n');
}

describe('runnel keys', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('generate --out <dir> --name <name> writes a 0600 private key and its .pub, and prints the key id', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'runnel-keys-cli-')), 'keys');
    const out = await printed(['generate', '--out', dir, '--name', 'builder']);
    const key = join(dir, 'builder.key');
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const { keyId } = loadSigningKey(key);
    expect([...loadTrustSet([join(dir, 'builder.pub')]).keys.keys()]).toEqual([keyId]);
    expect(out).toContain(`key id ${keyId}`);
    expect(out).toContain(key);
    await expect(printed(['generate', '--out', dir, '--name', 'builder'])).rejects.toThrow(/builder\.key already exists/);
    expect(readFileSync(key, 'utf8')).toMatch(/PRIVATE KEY/);
  });

  it('--name defaults to device; --help prints the usage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-keys-cli-'));
    await printed(['generate', '--out', dir]);
    expect(statSync(join(dir, 'device.key')).mode & 0o777).toBe(0o600);
    expect(await printed(['--help'])).toMatch(/^Usage: runnel keys generate --out <dir>/);
  });

  it('a missing --out, a wrong subcommand or a bad name is a usage error', async () => {
    await expect(printed(['generate'])).rejects.toThrow(new UsageError('--out <dir> is required: the folder to write the key pair to'));
    await expect(printed(['make', '--out', 'x'])).rejects.toThrow(/expected the subcommand "generate", got "make"/);
    await expect(printed(['generate', '--out', tmpdir(), '--name', '../x'])).rejects.toBeInstanceOf(UsageError);
  });
});
