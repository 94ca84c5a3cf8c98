/**
 * DirectoryRegistry with a signing key and a trust set: a signed entry is accepted (its signature
 * checked here with node:crypto directly, not the module's helper); a tampered model, a tampered
 * manifest, a signature by an unknown key, an unsigned entry, a symlinked version folder and a
 * symlinked model file are each refused with a reason naming the file and what failed, while the
 * previous good version is still returned; when every version is refused, the pull says so with
 * every reason.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DirectoryRegistry, type PullResult, type PushDetails, type RefusalCode } from '../../src/sync/directory-registry.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';
import type { ModelManifest } from '../../src/sync/manifest.js';
import { seededRandom } from '../../src/testing/random.js';
import { SEED } from '../seed.js';

const details: PushDetails = {
  inputs: [{ name: 'features', type: 'float32', shape: ['N', 2] }],
  outputs: [{ name: 'prediction', type: 'float32', shape: ['N', 1] }],
  metrics: { rmse: 0.5 },
  trainedOn: { samples: 100, from: 0, to: 999 },
};

/** A flipped bit at a random position: the smallest tampering. */
function flipOne(bytes: Uint8Array, random: () => number): Uint8Array {
  const at = Math.floor(random() * bytes.length);
  return Uint8Array.from(bytes, (b, i) => (i === at ? b ^ (1 << Math.floor(random() * 8)) : b));
}

describe(`signed DirectoryRegistry (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const blob = (): Uint8Array => Uint8Array.from({ length: 50 + Math.floor(random() * 500) }, () => Math.floor(random() * 256));
  const temp = (): string => mkdtempSync(join(tmpdir(), 'runnel-signed-'));
  const keysDir = temp();
  const publisher = generateKeyPair(keysDir, 'publisher');
  const stranger = generateKeyPair(temp(), 'stranger');
  const trust = loadTrustSet([publisher.publicKeyFile]);
  const signingKey = loadSigningKey(publisher.privateKeyFile);

  /** A registry with versions 1 and 2 of `temp`, both signed by the trusted publisher. */
  const twoGoodVersions = async () => {
    const registry = new DirectoryRegistry(join(temp(), 'registry'), { signingKey, trust });
    const blobs = [blob(), blob()];
    for (const bytes of blobs) await registry.push('temp', bytes, details);
    const file = (version: number, name: string) => join(registry.root, 'temp', String(version), name);
    return { registry, blobs, file };
  };

  it('a signed entry is accepted: manifest.sig verifies over the exact manifest bytes with the publisher key', async () => {
    const { registry, blobs, file } = await twoGoodVersions();
    expect(readdirSync(join(registry.root, 'temp', '2')).sort()).toEqual(['manifest.json', 'manifest.sig', 'model.onnx']);
    const sig = JSON.parse(readFileSync(file(2, 'manifest.sig'), 'utf8')) as { algorithm: string; keyId: string; signature: string };
    expect(sig).toMatchObject({ algorithm: 'ed25519', keyId: publisher.keyId });
    const publicKey = createPublicKey(readFileSync(publisher.publicKeyFile));
    expect(verify(null, readFileSync(file(2, 'manifest.json')), publicKey, Buffer.from(sig.signature, 'base64'))).toBe(true);
    const pulled = await registry.pull('temp');
    expect(pulled).toMatchObject({ outcome: 'pulled', manifest: { version: 2 }, bytes: blobs[1], signedBy: publisher.keyId, refused: [] });
  });

  /** Each way to spoil version 2, the refusal code, and a pattern its reason must match. */
  const attacks: { name: string; code: RefusalCode; reason: RegExp; spoil(file: (v: number, f: string) => string, registryRoot: string): Promise<void> | void }[] = [
    {
      name: 'tampered model bytes',
      code: 'hash-mismatch',
      reason: /\/temp\/2\/model\.onnx: does not match its manifest \(SHA-256/,
      spoil: (file) => writeFileSync(file(2, 'model.onnx'), flipOne(readFileSync(file(2, 'model.onnx')), random)),
    },
    {
      name: 'tampered manifest (a metric changed)',
      code: 'bad-signature',
      reason: /\/temp\/2\/manifest\.sig: signature by key [0-9a-f]{16} does not match .*\/temp\/2\/manifest\.json/,
      spoil: (file) => {
        const m = JSON.parse(readFileSync(file(2, 'manifest.json'), 'utf8')) as ModelManifest;
        writeFileSync(file(2, 'manifest.json'), `${JSON.stringify({ ...m, metrics: { rmse: 0.01 } }, null, 2)}\n`);
      },
    },
    {
      name: 'model and manifest replaced together (the SHA-256 matches, the signature does not)',
      code: 'bad-signature',
      reason: /\/temp\/2\/manifest\.sig: signature by key [0-9a-f]{16} does not match/,
      spoil: (file) => {
        const m = JSON.parse(readFileSync(file(1, 'manifest.json'), 'utf8')) as ModelManifest;
        copyFileSync(file(1, 'model.onnx'), file(2, 'model.onnx'));
        writeFileSync(file(2, 'manifest.json'), `${JSON.stringify({ ...m, version: 2 }, null, 2)}\n`);
      },
    },
    {
      name: 'signature by an unknown key',
      code: 'unknown-key',
      reason: new RegExp(`/temp/2/manifest\\.sig: signed by key ${stranger.keyId}, which is not in the trust set \\(${publisher.keyId}\\)`),
      spoil: (file) => {
        const key = createPrivateKey(readFileSync(stranger.privateKeyFile));
        const signature = sign(null, readFileSync(file(2, 'manifest.json')), key).toString('base64');
        writeFileSync(file(2, 'manifest.sig'), JSON.stringify({ algorithm: 'ed25519', keyId: stranger.keyId, signature }));
      },
    },
    {
      name: 'a forged signature under the trusted key id',
      code: 'bad-signature',
      reason: new RegExp(`/temp/2/manifest\\.sig: signature by key ${publisher.keyId} does not match`),
      spoil: (file) => {
        const signature = sign(null, readFileSync(file(2, 'manifest.json')), generateKeyPairSync('ed25519').privateKey).toString('base64');
        writeFileSync(file(2, 'manifest.sig'), JSON.stringify({ algorithm: 'ed25519', keyId: publisher.keyId, signature }));
      },
    },
    {
      name: 'unsigned entry',
      code: 'unsigned',
      reason: /\/temp\/2\/manifest\.sig: missing \(the version is unsigned\)/,
      spoil: (file) => rmSync(file(2, 'manifest.sig')),
    },
    {
      name: 'symlinked version folder (to a well-signed entry elsewhere)',
      code: 'symlink',
      reason: /\/temp\/3: is a symbolic link \(to .*\/temp\/3\); a registry version must be a real folder/,
      spoil: async (_file, registryRoot) => {
        const elsewhere = new DirectoryRegistry(join(temp(), 'registry'), { signingKey });
        for (let i = 0; i < 3; i++) await elsewhere.push('temp', blob(), details);
        rmSync(join(registryRoot, 'temp', '2'), { recursive: true });
        symlinkSync(join(elsewhere.root, 'temp', '3'), join(registryRoot, 'temp', '3'));
      },
    },
    {
      name: 'symlinked model file (to a copy of its own bytes)',
      code: 'symlink',
      reason: /\/temp\/2\/model\.onnx: is a symbolic link \(to .*\); a registry version must hold real files/,
      spoil: (file) => {
        const copy = join(temp(), 'model.onnx');
        copyFileSync(file(2, 'model.onnx'), copy);
        rmSync(file(2, 'model.onnx'));
        symlinkSync(copy, file(2, 'model.onnx'));
      },
    },
  ];

  for (const attack of attacks) {
    it(`${attack.name}: refused with its reason; version 1 is still pulled`, async () => {
      const { registry, blobs, file } = await twoGoodVersions();
      await attack.spoil(file, registry.root);
      const pulled = await registry.pull('temp');
      expect(pulled).toMatchObject({ outcome: 'pulled', manifest: { version: 1 }, bytes: blobs[0], signedBy: publisher.keyId });
      const refused = (pulled as Extract<PullResult, { outcome: 'pulled' }>).refused;
      expect(refused.map((r) => r.code)).toEqual([attack.code]);
      expect(refused[0]!.reason).toMatch(attack.reason);
    });
  }

  it('symbolic links are refused without a trust set too', async () => {
    const { registry, file } = await twoGoodVersions();
    await attacks.at(-1)!.spoil(file, registry.root);
    const unverified = new DirectoryRegistry(registry.root, { log: () => undefined });
    expect(await unverified.pull('temp')).toMatchObject({ outcome: 'pulled', manifest: { version: 1 }, signedBy: undefined, refused: [{ version: 2, code: 'symlink' }] });
  });

  it('when every version is refused, the pull says so and carries every reason', async () => {
    const { registry, file } = await twoGoodVersions();
    await registry.push('temp', blob(), details);
    writeFileSync(file(3, 'model.onnx'), flipOne(readFileSync(file(3, 'model.onnx')), random));
    rmSync(file(2, 'manifest.sig'));
    const unsigned = new DirectoryRegistry(registry.root, { log: () => undefined });
    await unsigned.push('temp', blob(), details); // version 4, pushed without a key
    const m = JSON.parse(readFileSync(file(1, 'manifest.json'), 'utf8')) as ModelManifest;
    writeFileSync(file(1, 'manifest.json'), JSON.stringify({ ...m, approved: false }));
    const pulled = await registry.pull('temp');
    if (pulled.outcome !== 'all-refused') throw new Error(`expected all versions refused, got ${JSON.stringify(pulled)}`);
    expect(pulled.refused.map((r) => [r.version, r.code])).toEqual([
      [4, 'unsigned'],
      [3, 'hash-mismatch'],
      [2, 'unsigned'],
      [1, 'bad-signature'],
    ]);
    const reasons = [
      /\/temp\/4\/manifest\.sig: missing/,
      /\/temp\/3\/model\.onnx: does not match/,
      /\/temp\/2\/manifest\.sig: missing/,
      /\/temp\/1\/manifest\.sig: signature by key/,
    ];
    for (const [i, reason] of reasons.entries()) expect(pulled.refused[i]!.reason).toMatch(reason);
  });
});
