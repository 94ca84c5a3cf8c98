/**
 * The `ModelRegistry` contract, one suite for every registry (a folder, an S3 bucket): versions
 * numbered in order and read back whole; a retried push (same push id) makes no second version;
 * each attack on a signed version (tampered model, tampered manifest, both replaced, a key not
 * trusted, a forged signature, no signature) refused with a reason naming the file while the
 * previous good version is still returned; corrupt, broken and withdrawn versions passed over;
 * "all refused" reported with every reason; bad names and empty models refused. Signatures are
 * checked here with node:crypto directly, not with the module's helper.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';
import type { ModelManifest } from '../../src/sync/manifest.js';
import type { ModelRegistry, PullResult, PushDetails, RefusalCode } from '../../src/sync/registry.js';
import type { EntryFile, RegistryOptions } from '../../src/sync/verified-registry.js';
import { seededRandom } from '../../src/testing/random.js';
import { SEED } from '../seed.js';

/** One empty registry store, with a back door to its files for the attacks. */
export interface RegistryStore {
  /** A registry on this store with these options (several may share the store). */
  open(options: RegistryOptions): ModelRegistry;
  /** How refusal reasons name the file. */
  where(name: string, version: number, file: EntryFile): string;
  read(name: string, version: number, file: EntryFile): Promise<Uint8Array>;
  write(name: string, version: number, file: EntryFile, bytes: Uint8Array | string): Promise<void>;
  remove(name: string, version: number, file: EntryFile): Promise<void>;
}

/** The pulled version; fails the test when the pull took none. */
export function pulledOf(result: PullResult): Extract<PullResult, { outcome: 'pulled' }> {
  if (result.outcome !== 'pulled') throw new Error(`expected a pulled version, got ${JSON.stringify(result)}`);
  return result;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Push details of the i-th test version. */
export const details = (i: number): PushDetails => ({
  inputs: [{ name: 'features', type: 'float32', shape: ['N', 2], features: ['a', 'b'] }],
  outputs: [{ name: 'prediction', type: 'float32', shape: ['N', 1] }],
  metrics: { rmse: 1 / (i + 1) },
  trainedOn: { samples: 100 * i, from: 1000 * i, to: 1000 * i + 999 },
});

/** Runs the contract against registries on stores made by `fresh`. */
export function registryContract(kind: string, fresh: () => Promise<RegistryStore>): void {
  describe(`ModelRegistry contract: ${kind} (seed ${SEED})`, () => {
    const random = seededRandom(SEED);
    const blob = (): Uint8Array => Uint8Array.from({ length: 50 + Math.floor(random() * 500) }, () => Math.floor(random() * 256));
    const temp = (): string => mkdtempSync(join(tmpdir(), 'runnel-contract-'));
    const publisher = generateKeyPair(temp(), 'publisher');
    const stranger = generateKeyPair(temp(), 'stranger');
    const trust = loadTrustSet([publisher.publicKeyFile]);
    const signingKey = loadSigningKey(publisher.privateKeyFile);
    const quiet = { log: () => undefined };
    const text = async (store: RegistryStore, v: number, file: EntryFile): Promise<string> => Buffer.from(await store.read('temp', v, file)).toString('utf8');

    /** A store with versions 1 and 2 of `temp`, both signed by the trusted publisher. */
    const twoGoodVersions = async () => {
      const store = await fresh();
      const registry = store.open({ signingKey, trust });
      const blobs = [blob(), blob()];
      for (const [i, bytes] of blobs.entries()) await registry.push('temp', bytes, details(i));
      return { store, registry, blobs };
    };

    it('push numbers versions 1, 2, 3; list and pull read them back whole; an unknown name is empty', async () => {
      const store = await fresh();
      const warnings: string[] = [];
      const registry = store.open({ log: (line) => warnings.push(line) });
      expect(await registry.pull('temp')).toEqual({ outcome: 'empty' });
      expect(warnings).toEqual([expect.stringMatching(/no trust set configured, so pulled models are NOT verified/)]);
      expect(await registry.list('temp')).toEqual([]);
      const blobs = [blob(), blob(), blob()];
      const pushed: ModelManifest[] = [];
      for (const [i, bytes] of blobs.entries()) pushed.push(await registry.push('temp', bytes, details(i)));
      expect(pushed.map((m) => m.version)).toEqual([1, 2, 3]);
      for (const [i, manifest] of pushed.entries()) {
        expect(manifest).toMatchObject({ name: 'temp', version: i + 1, approved: true, ...details(i) });
        expect(JSON.parse(await text(store, i + 1, 'manifest.json'))).toEqual(manifest);
        expect(await store.read('temp', i + 1, 'model.onnx')).toEqual(blobs[i]);
      }
      expect(await registry.list('temp')).toEqual(pushed);
      const pulled = pulledOf(await registry.pull('temp'));
      expect(pulled).toMatchObject({ manifest: pushed[2], bytes: blobs[2], signedBy: undefined, refused: [] });
      expect(await registry.pull('other')).toEqual({ outcome: 'empty' });
      expect(warnings.length).toBe(1); // said once per registry
    });

    it('a signed version verifies over the exact manifest bytes with the publisher key, and is pulled with its key id', async () => {
      const { store, registry, blobs } = await twoGoodVersions();
      const sig = JSON.parse(await text(store, 2, 'manifest.sig')) as { algorithm: string; keyId: string; signature: string };
      expect(sig).toMatchObject({ algorithm: 'ed25519', keyId: publisher.keyId });
      const publicKey = createPublicKey(readFileSync(publisher.publicKeyFile));
      expect(verify(null, await store.read('temp', 2, 'manifest.json'), publicKey, Buffer.from(sig.signature, 'base64'))).toBe(true);
      expect(await registry.pull('temp')).toMatchObject({ outcome: 'pulled', manifest: { version: 2 }, bytes: blobs[1], signedBy: publisher.keyId, refused: [] });
    });

    it('a push retried with the same push id returns the version it made, and makes no second one', async () => {
      const store = await fresh();
      const registry = store.open({ signingKey, trust });
      const bytes = blob();
      const first = await registry.push('temp', bytes, { ...details(0), pushId: 'push-1' });
      const again = await registry.push('temp', bytes, { ...details(0), pushId: 'push-1' });
      expect(again).toEqual(first);
      expect((await registry.list('temp')).map((m) => [m.version, m.pushId])).toEqual([[1, 'push-1']]);
      expect((await registry.push('temp', blob(), { ...details(1), pushId: 'push-2' })).version).toBe(2);
      expect((await registry.push('temp', blob(), details(2))).version).toBe(3); // no id: always a new version
    });

    /** Each way to spoil version 2, its refusal code, and what the reason must say after the file's name. */
    const attacks: { name: string; code: RefusalCode; file: EntryFile; reason: RegExp; spoil(store: RegistryStore): Promise<void> }[] = [
      {
        name: 'tampered model bytes',
        code: 'hash-mismatch',
        file: 'model.onnx',
        reason: /: does not match its manifest \(SHA-256 [0-9a-f]{12}…, manifest says [0-9a-f]{12}…\)$/,
        spoil: async (store) => store.write('temp', 2, 'model.onnx', flipOne(await store.read('temp', 2, 'model.onnx'), random)),
      },
      {
        name: 'tampered manifest (a metric changed)',
        code: 'bad-signature',
        file: 'manifest.sig',
        reason: new RegExp(`: signature by key ${publisher.keyId} does not match .*/temp/2/manifest\\.json`),
        spoil: async (store) => {
          const m = JSON.parse(await text(store, 2, 'manifest.json')) as ModelManifest;
          await store.write('temp', 2, 'manifest.json', `${JSON.stringify({ ...m, metrics: { rmse: 0.01 } }, null, 2)}\n`);
        },
      },
      {
        name: 'model and manifest replaced together (the SHA-256 matches, the signature does not)',
        code: 'bad-signature',
        file: 'manifest.sig',
        reason: /: signature by key [0-9a-f]{16} does not match/,
        spoil: async (store) => {
          const m = JSON.parse(await text(store, 1, 'manifest.json')) as ModelManifest;
          await store.write('temp', 2, 'model.onnx', await store.read('temp', 1, 'model.onnx'));
          await store.write('temp', 2, 'manifest.json', `${JSON.stringify({ ...m, version: 2 }, null, 2)}\n`);
        },
      },
      {
        name: 'signature by an unknown key',
        code: 'unknown-key',
        file: 'manifest.sig',
        reason: new RegExp(`: signed by key ${stranger.keyId}, which is not in the trust set \\(${publisher.keyId}\\)$`),
        spoil: async (store) => {
          const key = createPrivateKey(readFileSync(stranger.privateKeyFile));
          const signature = sign(null, await store.read('temp', 2, 'manifest.json'), key).toString('base64');
          await store.write('temp', 2, 'manifest.sig', JSON.stringify({ algorithm: 'ed25519', keyId: stranger.keyId, signature }));
        },
      },
      {
        name: 'a forged signature under the trusted key id',
        code: 'bad-signature',
        file: 'manifest.sig',
        reason: new RegExp(`: signature by key ${publisher.keyId} does not match`),
        spoil: async (store) => {
          const signature = sign(null, await store.read('temp', 2, 'manifest.json'), generateKeyPairSync('ed25519').privateKey).toString('base64');
          await store.write('temp', 2, 'manifest.sig', JSON.stringify({ algorithm: 'ed25519', keyId: publisher.keyId, signature }));
        },
      },
      {
        name: 'unsigned version',
        code: 'unsigned',
        file: 'manifest.sig',
        reason: /: missing \(the version is unsigned\)$/,
        spoil: (store) => store.remove('temp', 2, 'manifest.sig'),
      },
    ];

    for (const attack of attacks) {
      it(`${attack.name}: refused with its reason; version 1 is still pulled`, async () => {
        const { store, registry, blobs } = await twoGoodVersions();
        await attack.spoil(store);
        const pulled = pulledOf(await registry.pull('temp'));
        expect(pulled).toMatchObject({ manifest: { version: 1 }, bytes: blobs[0], signedBy: publisher.keyId });
        expect(pulled.refused.map((r) => [r.version, r.code])).toEqual([[2, attack.code]]);
        expect(pulled.refused[0]!.reason).toMatch(new RegExp(`^${escape(store.where('temp', 2, attack.file))}${attack.reason.source}`));
      });
    }

    it('without a trust set, a corrupt model, a broken manifest and a withdrawn version are passed over, saying why', async () => {
      const store = await fresh();
      const registry = store.open(quiet);
      const blobs = [blob(), blob(), blob(), blob()];
      for (const [i, bytes] of blobs.entries()) await registry.push('temp', bytes, details(i));
      await store.write('temp', 4, 'model.onnx', flipOne(blobs[3]!, random));
      await store.write('temp', 3, 'manifest.json', '{"name": "temp", "vers');
      const withdrawn = { ...(JSON.parse(await text(store, 2, 'manifest.json')) as ModelManifest), approved: false };
      await store.write('temp', 2, 'manifest.json', JSON.stringify(withdrawn));
      const pulled = pulledOf(await registry.pull('temp'));
      expect(pulled).toMatchObject({ manifest: { version: 1 }, bytes: blobs[0] });
      expect(pulled.refused.map((s) => [s.version, s.code])).toEqual([
        [4, 'hash-mismatch'],
        [3, 'unreadable'],
        [2, 'withdrawn'],
      ]);
      expect(pulled.refused[1]!.reason).toMatch(new RegExp(`^${escape(store.where('temp', 3, 'manifest.json'))}: not valid JSON`));
      expect(pulled.refused[2]!.reason).toBe(`${store.where('temp', 2, 'manifest.json')}: not approved (withdrawn)`);
      expect((await registry.list('temp')).map((m) => m.version)).toEqual([1, 2, 4]);
    });

    it('when every version is refused, the pull says so and carries every reason', async () => {
      const { store, registry } = await twoGoodVersions();
      await registry.push('temp', blob(), details(2));
      await store.write('temp', 3, 'model.onnx', flipOne(await store.read('temp', 3, 'model.onnx'), random));
      await store.remove('temp', 2, 'manifest.sig');
      await store.open(quiet).push('temp', blob(), details(3)); // version 4, pushed without a key
      const m = JSON.parse(await text(store, 1, 'manifest.json')) as ModelManifest;
      await store.write('temp', 1, 'manifest.json', JSON.stringify({ ...m, approved: false }));
      const pulled = await registry.pull('temp');
      if (pulled.outcome !== 'all-refused') throw new Error(`expected all versions refused, got ${JSON.stringify(pulled)}`);
      expect(pulled.refused.map((r) => [r.version, r.code])).toEqual([
        [4, 'unsigned'],
        [3, 'hash-mismatch'],
        [2, 'unsigned'],
        [1, 'bad-signature'],
      ]);
      const files: [number, EntryFile][] = [
        [4, 'manifest.sig'],
        [3, 'model.onnx'],
        [2, 'manifest.sig'],
        [1, 'manifest.sig'],
      ];
      for (const [i, [version, file]] of files.entries()) expect(pulled.refused[i]!.reason.startsWith(`${store.where('temp', version, file)}: `)).toBe(true);
    });

    it('refuses names that would leave the registry, and empty bytes', async () => {
      const registry = (await fresh()).open(quiet);
      await expect(registry.push('../escape', blob(), details(0))).rejects.toThrow(/name must be 1-100 letters/);
      await expect(registry.pull('a/b')).rejects.toThrow(/name must be/);
      await expect(registry.push('temp', new Uint8Array(0), details(0))).rejects.toThrow(/non-empty bytes/);
    });
  });
}

/** A flipped bit at a random position: the smallest tampering. */
export function flipOne(bytes: Uint8Array, random: () => number): Uint8Array {
  const at = Math.floor(random() * bytes.length);
  return Uint8Array.from(bytes, (b, i) => (i === at ? b ^ (1 << Math.floor(random() * 8)) : b));
}
