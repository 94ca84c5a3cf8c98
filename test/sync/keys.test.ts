/**
 * Key files: a generated pair is Ed25519 PEM with the private key at mode 0600, never overwritten;
 * a private key the group or others can read is refused with the chmod that fixes it; key ids
 * are the SHA-256 of the public key's DER; a trust set reads a folder's .pub files and refuses an
 * empty one; deviceKeys makes its pair once and trusts it.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deviceKeys, generateKeyPair, loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';

const temp = (): string => mkdtempSync(join(tmpdir(), 'runnel-keys-'));

describe('model signing keys', () => {
  it('generates an Ed25519 pair: private key mode 0600, id = SHA-256 of the public DER, never overwritten', () => {
    const dir = temp();
    const pair = generateKeyPair(dir, 'edge-7');
    expect(pair.privateKeyFile).toBe(join(dir, 'edge-7.key'));
    expect(statSync(pair.privateKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(pair.privateKeyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const publicKey = createPublicKey(readFileSync(pair.publicKeyFile));
    expect(publicKey.asymmetricKeyType).toBe('ed25519');
    expect(pair.keyId).toBe(
      createHash('sha256')
        .update(publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex')
        .slice(0, 16),
    );
    expect(loadSigningKey(pair.privateKeyFile).keyId).toBe(pair.keyId);
    expect(() => generateKeyPair(dir, 'edge-7')).toThrow(/edge-7\.key already exists; keys are never overwritten/);
    expect(() => generateKeyPair(dir, '../up')).toThrow(/key name must be/);
  });

  it('refuses a private key that the group or others can read, saying chmod 600 <file>', () => {
    const { privateKeyFile } = generateKeyPair(temp(), 'device');
    for (const mode of [0o640, 0o604, 0o660]) {
      chmodSync(privateKeyFile, mode);
      expect(() => loadSigningKey(privateKeyFile)).toThrow(
        `${privateKeyFile}: private key is accessible to group or others (mode 0${mode.toString(8)}); run chmod 600 ${privateKeyFile}`,
      );
    }
    chmodSync(privateKeyFile, 0o600);
    expect(loadSigningKey(privateKeyFile).keyId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('a trust set reads every .pub of a folder, and refuses a folder without one or a file that is no key', () => {
    const dir = temp();
    const a = generateKeyPair(dir, 'a');
    const b = generateKeyPair(dir, 'b');
    expect([...loadTrustSet([dir]).keys.keys()].sort()).toEqual([a.keyId, b.keyId].sort());
    expect([...loadTrustSet([a.publicKeyFile]).keys.keys()]).toEqual([a.keyId]);
    const empty = temp();
    expect(() => loadTrustSet([empty])).toThrow(`no trusted publisher key (.pub) in ${empty}`);
    writeFileSync(join(empty, 'junk.pub'), 'not a key');
    expect(() => loadTrustSet([empty])).toThrow(/junk\.pub: not a PEM public key/);
  });

  it('deviceKeys makes the pair on first use only, and trusts it', () => {
    const dir = join(temp(), 'keys');
    const first = deviceKeys(dir);
    expect(first.generated?.privateKeyFile).toBe(join(dir, 'device.key'));
    const second = deviceKeys(dir);
    expect(second.generated).toBeUndefined();
    expect(second.signingKey.keyId).toBe(first.signingKey.keyId);
    expect([...second.trust.keys.keys()]).toEqual([first.signingKey.keyId]);
  });
});
