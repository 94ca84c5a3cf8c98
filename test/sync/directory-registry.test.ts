/**
 * DirectoryRegistry: the registry contract (registry-contract.ts) on a folder, then what only a
 * folder has: the files on disk (SHA-256 checked with node:crypto here), no manifest.sig without a
 * key, leftovers of an interrupted push ignored, and symbolic links (a version folder, a model
 * file) refused with their reason, with a trust set or without, while version 1 is still pulled.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryRegistry } from '../../src/sync/directory-registry.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';
import type { ModelManifest } from '../../src/sync/manifest.js';
import { seededRandom } from '../../src/testing/random.js';
import { SEED } from '../seed.js';
import { details, pulledOf, registryContract } from './registry-contract.js';

const temp = (): string => mkdtempSync(join(tmpdir(), 'runnel-registry-'));

registryContract('DirectoryRegistry', async () => {
  const root = join(temp(), 'registry');
  const path = (name: string, version: number, file: string): string => join(root, name, String(version), file);
  return {
    open: (options) => new DirectoryRegistry(root, options),
    where: path,
    read: async (...at) => new Uint8Array(readFileSync(path(...at))),
    write: async (name, version, file, bytes) => writeFileSync(path(name, version, file), bytes),
    remove: async (...at) => rmSync(path(...at)),
  };
});

describe(`DirectoryRegistry on disk (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const blob = (): Uint8Array => Uint8Array.from({ length: 50 + Math.floor(random() * 500) }, () => Math.floor(random() * 256));
  const quiet = { log: () => undefined };
  const publisher = generateKeyPair(temp(), 'publisher');
  const signingKey = loadSigningKey(publisher.privateKeyFile);
  const trust = loadTrustSet([publisher.publicKeyFile]);

  it('writes <root>/<model>/<version>/ with model.onnx and manifest.json (manifest.sig only with a key), no staging folder left', async () => {
    const registry = new DirectoryRegistry(join(temp(), 'registry'), quiet);
    const bytes = blob();
    await registry.push('temp', bytes, details(0));
    await new DirectoryRegistry(registry.root, { signingKey }).push('temp', blob(), details(1));
    expect(readdirSync(join(registry.root, 'temp')).sort()).toEqual(['1', '2']);
    expect(readdirSync(join(registry.root, 'temp', '1')).sort()).toEqual(['manifest.json', 'model.onnx']);
    expect(readdirSync(join(registry.root, 'temp', '2')).sort()).toEqual(['manifest.json', 'manifest.sig', 'model.onnx']);
    const manifest = JSON.parse(readFileSync(join(registry.root, 'temp', '1', 'manifest.json'), 'utf8')) as ModelManifest;
    expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(Date.now() - Date.parse(manifest.createdAt)).toBeLessThan(60_000);
  });

  it('an interrupted push (a staging folder left by a crash) is invisible, and the next push goes on', async () => {
    const registry = new DirectoryRegistry(join(temp(), 'registry'), quiet);
    await registry.push('temp', blob(), details(0));
    const leftover = join(registry.root, 'temp', '.incoming-crashed');
    mkdirSync(leftover);
    writeFileSync(join(leftover, 'model.onnx'), blob());
    expect((await registry.list('temp')).map((m) => m.version)).toEqual([1]);
    expect(pulledOf(await registry.pull('temp')).manifest.version).toBe(1);
    expect((await registry.push('temp', blob(), details(1))).version).toBe(2);
  });

  /** A registry with signed versions 1 and 2 of `temp`. */
  const twoGoodVersions = async () => {
    const registry = new DirectoryRegistry(join(temp(), 'registry'), { signingKey, trust });
    for (let i = 0; i < 2; i++) await registry.push('temp', blob(), details(i));
    return registry;
  };
  const links: { name: string; reason: RegExp; spoil(root: string): Promise<void> | void }[] = [
    {
      name: 'symlinked version folder (to a well-signed version elsewhere)',
      reason: /\/temp\/3: is a symbolic link \(to .*\/temp\/3\); a registry version must be a real folder/,
      spoil: async (root) => {
        const elsewhere = new DirectoryRegistry(join(temp(), 'registry'), { signingKey });
        for (let i = 0; i < 3; i++) await elsewhere.push('temp', blob(), details(i));
        rmSync(join(root, 'temp', '2'), { recursive: true });
        symlinkSync(join(elsewhere.root, 'temp', '3'), join(root, 'temp', '3'));
      },
    },
    {
      name: 'symlinked model file (to a copy of its own bytes)',
      reason: /\/temp\/2\/model\.onnx: is a symbolic link \(to .*\); a registry version must hold real files/,
      spoil: (root) => {
        const copy = join(temp(), 'model.onnx');
        copyFileSync(join(root, 'temp', '2', 'model.onnx'), copy);
        rmSync(join(root, 'temp', '2', 'model.onnx'));
        symlinkSync(copy, join(root, 'temp', '2', 'model.onnx'));
      },
    },
  ];
  for (const link of links) {
    it(`${link.name}: refused as symlink, with a trust set and without; version 1 is still pulled`, async () => {
      const registry = await twoGoodVersions();
      await link.spoil(registry.root);
      for (const reader of [registry, new DirectoryRegistry(registry.root, quiet)]) {
        const pulled = pulledOf(await reader.pull('temp'));
        expect(pulled.manifest.version).toBe(1);
        expect(pulled.refused.map((r) => r.code)).toEqual(['symlink']);
        expect(pulled.refused[0]!.reason).toMatch(link.reason);
      }
    });
  }
});
