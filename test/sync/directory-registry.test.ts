/**
 * DirectoryRegistry without a trust set (unsigned mode): versions numbered in order, manifests
 * whose SHA-256 matches the bytes (checked with node:crypto here, not the module's helper), pull of
 * the newest approved version that matches, corrupt and withdrawn versions passed over with the
 * reason, leftovers of an interrupted push ignored, and a warning that nothing is verified.
 * Signatures and symbolic links: signed-registry.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryRegistry, type PullResult, type PushDetails } from '../../src/sync/directory-registry.js';
import type { ModelManifest } from '../../src/sync/manifest.js';
import { seededRandom } from '../../src/testing/random.js';
import { SEED } from '../seed.js';

/** The pulled version; fails the test when the pull took none. */
function pulledOf(result: PullResult): Extract<PullResult, { outcome: 'pulled' }> {
  if (result.outcome !== 'pulled') throw new Error(`expected a pulled version, got ${JSON.stringify(result)}`);
  return result;
}

const details = (i: number): PushDetails => ({
  inputs: [{ name: 'features', type: 'float32', shape: ['N', 2], features: ['a', 'b'] }],
  outputs: [{ name: 'prediction', type: 'float32', shape: ['N', 1] }],
  metrics: { rmse: 1 / (i + 1) },
  trainedOn: { samples: 100 * i, from: 1000 * i, to: 1000 * i + 999 },
});

describe(`DirectoryRegistry (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const blob = (): Uint8Array => Uint8Array.from({ length: 50 + Math.floor(random() * 500) }, () => Math.floor(random() * 256));
  const warnings: string[] = [];
  const fresh = () => new DirectoryRegistry(join(mkdtempSync(join(tmpdir(), 'runnel-registry-')), 'registry'), { log: (line) => warnings.push(line) });

  it('push numbers versions 1, 2, 3; files and manifests on disk match; list and pull read them back', async () => {
    const registry = fresh();
    warnings.length = 0;
    expect(await registry.pull('temp')).toEqual({ outcome: 'empty' });
    expect(warnings).toEqual([expect.stringMatching(/no trust set configured, so pulled models are NOT verified/)]);
    expect(await registry.list('temp')).toEqual([]);
    const blobs = [blob(), blob(), blob()];
    const pushed = [];
    for (const [i, bytes] of blobs.entries()) pushed.push(await registry.push('temp', bytes, details(i)));
    expect(pushed.map((m) => m.version)).toEqual([1, 2, 3]);
    expect(readdirSync(join(registry.root, 'temp')).sort()).toEqual(['1', '2', '3']); // no staging folder left
    for (const [i, bytes] of blobs.entries()) {
      const dir = join(registry.root, 'temp', String(i + 1));
      expect(new Uint8Array(readFileSync(join(dir, 'model.onnx')))).toEqual(bytes);
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
      expect(manifest).toMatchObject({ name: 'temp', version: i + 1, approved: true, ...details(i) });
      expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(Date.now() - Date.parse(manifest.createdAt)).toBeLessThan(60_000);
    }
    expect(await registry.list('temp')).toEqual(pushed);
    expect(readdirSync(join(registry.root, 'temp', '3')).sort()).toEqual(['manifest.json', 'model.onnx']); // no signing key: no manifest.sig
    const pulled = pulledOf(await registry.pull('temp'));
    expect(pulled.manifest).toEqual(pushed[2]);
    expect(pulled.bytes).toEqual(blobs[2]);
    expect(pulled.signedBy).toBeUndefined();
    expect(pulled.refused).toEqual([]);
    expect(await registry.pull('other')).toEqual({ outcome: 'empty' });
    expect(warnings.length).toBe(1); // said once per registry
  });

  it('pull passes over a corrupt version, a withdrawn one and a broken manifest, saying why', async () => {
    const registry = fresh();
    const blobs = [blob(), blob(), blob(), blob()];
    for (const [i, bytes] of blobs.entries()) await registry.push('temp', bytes, details(i));
    const dir = (v: number) => join(registry.root, 'temp', String(v));
    writeFileSync(
      join(dir(4), 'model.onnx'),
      Uint8Array.from(blobs[3]!, (b, i) => (i === 7 ? b ^ 1 : b)),
    ); // one bit flipped
    writeFileSync(join(dir(3), 'manifest.json'), '{"name": "temp", "vers');
    const withdrawn = { ...(JSON.parse(readFileSync(join(dir(2), 'manifest.json'), 'utf8')) as ModelManifest), approved: false };
    writeFileSync(join(dir(2), 'manifest.json'), JSON.stringify(withdrawn));
    const pulled = pulledOf(await registry.pull('temp'));
    expect(pulled.manifest.version).toBe(1);
    expect(pulled.bytes).toEqual(blobs[0]);
    expect(pulled.refused.map((s) => [s.version, s.code])).toEqual([
      [4, 'hash-mismatch'],
      [3, 'unreadable'],
      [2, 'withdrawn'],
    ]);
    expect(pulled.refused[0]!.reason).toMatch(/\/4\/model\.onnx: does not match its manifest \(SHA-256/);
    expect(pulled.refused[1]!.reason).toMatch(/\/3\/manifest\.json: not valid JSON/);
    expect(pulled.refused[2]!.reason).toMatch(/\/2\/manifest\.json: not approved/);
    expect((await registry.list('temp')).map((m) => m.version)).toEqual([1, 2, 4]);
  });

  it('an interrupted push (a staging folder left by a crash) is invisible, and the next push goes on', async () => {
    const registry = fresh();
    await registry.push('temp', blob(), details(0));
    const leftover = join(registry.root, 'temp', '.incoming-crashed');
    mkdirSync(leftover);
    writeFileSync(join(leftover, 'model.onnx'), blob());
    expect((await registry.list('temp')).map((m) => m.version)).toEqual([1]);
    expect(pulledOf(await registry.pull('temp')).manifest.version).toBe(1);
    expect((await registry.push('temp', blob(), details(1))).version).toBe(2);
  });

  it('refuses names that would leave the registry folder, and empty bytes', async () => {
    const registry = fresh();
    await expect(registry.push('../escape', blob(), details(0))).rejects.toThrow(/name must be 1-100 letters/);
    await expect(registry.pull('a/b')).rejects.toThrow(/name must be/);
    await expect(registry.push('temp', new Uint8Array(0), details(0))).rejects.toThrow(/non-empty bytes/);
  });
});
