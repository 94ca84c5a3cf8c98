/**
 * Ed25519 key files for signing model versions (`node:crypto`, PEM). A publisher (a device, a
 * build machine) holds a private key `<name>.key` (PKCS#8, mode 0600) and hands out `<name>.pub`
 * (SPKI); a device trusts a set of `.pub` files. A key's id is the start of the SHA-256 of its
 * public key's DER bytes, so `manifest.sig` can say which key signed without carrying the key.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A private key ready to sign, with the id of its public half. */
export interface SigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

/** Trusted publisher keys by key id, and the files they came from. */
export interface TrustSet {
  readonly keys: ReadonlyMap<string, { readonly publicKey: KeyObject; readonly file: string }>;
}

/** Where `generateKeyPair` wrote the two files. */
export interface KeyPairFiles {
  readonly keyId: string;
  readonly privateKeyFile: string;
  readonly publicKeyFile: string;
}

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** 16 hex digits of the SHA-256 of the public key's DER (SPKI) bytes. */
export function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** Writes a new Ed25519 pair as `<dir>/<name>.key` (mode 0600) and `<dir>/<name>.pub`; never overwrites. */
export function generateKeyPair(dir: string, name: string): KeyPairFiles {
  if (!KEY_NAME.test(name)) throw new TypeError(`key name must be 1-100 letters, digits, ".", "_" or "-" (and start with a letter or digit), got ${JSON.stringify(name)}`);
  const privateKeyFile = resolve(dir, `${name}.key`);
  const publicKeyFile = resolve(dir, `${name}.pub`);
  for (const file of [privateKeyFile, publicKeyFile]) {
    if (existsSync(file)) throw new Error(`${file} already exists; keys are never overwritten (choose another name or folder, or delete the old pair on purpose)`);
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // 'wx': created here, with its mode from the start, never a file someone else put in the way.
  writeFileSync(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  writeFileSync(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o644, flag: 'wx' });
  return { keyId: keyIdOf(publicKey), privateKeyFile, publicKeyFile };
}

/** Reads a private key file; refuses one that the group or others may read or write. */
export function loadSigningKey(file: string): SigningKey {
  const path = resolve(file);
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new Error(`${path}: private key is accessible to group or others (mode 0${mode.toString(8)}); run chmod 600 ${path}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (error) {
    throw new Error(`${path}: not a PEM private key (${(error as Error).message}); make one with runnel keys generate`, { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${path}: an ${privateKey.asymmetricKeyType} key; model signatures need Ed25519 (runnel keys generate)`);
  return { keyId: keyIdOf(privateKey), privateKey };
}

/** The `.pub` files named, a folder standing for every `.pub` file in it; throws when none is found. */
export function loadTrustSet(paths: readonly string[]): TrustSet {
  const keys = new Map<string, { publicKey: KeyObject; file: string }>();
  for (const path of paths.map((p) => resolve(p))) {
    const files = lstatSync(path).isDirectory()
      ? readdirSync(path)
          .filter((f) => f.endsWith('.pub'))
          .sort()
          .map((f) => join(path, f))
      : [path];
    for (const file of files) {
      let publicKey: KeyObject;
      try {
        publicKey = createPublicKey(readFileSync(file));
      } catch (error) {
        throw new Error(`${file}: not a PEM public key (${(error as Error).message})`, { cause: error });
      }
      if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: an ${publicKey.asymmetricKeyType} key; trusted publisher keys must be Ed25519`);
      keys.set(keyIdOf(publicKey), { publicKey, file });
    }
  }
  if (keys.size === 0) throw new Error(`no trusted publisher key (.pub) in ${paths.join(', ')}; copy the publishers' .pub files there`);
  return { keys };
}

/** This device's signing key and trust set, kept in one folder. */
export interface DeviceKeys {
  readonly signingKey: SigningKey;
  readonly trust: TrustSet;
  /** Set when this call made the key pair (first start). */
  readonly generated?: KeyPairFiles;
}

/**
 * The key `<dir>/<name>.key` (generated with its `.pub` on first use) and, as the trust set, every
 * `.pub` in `dir`: the device trusts itself and any publisher whose public key is copied there.
 */
export function deviceKeys(dir: string, name = 'device'): DeviceKeys {
  const generated = existsSync(join(dir, `${name}.key`)) ? undefined : generateKeyPair(dir, name);
  return { signingKey: loadSigningKey(join(dir, `${name}.key`)), trust: loadTrustSet([dir]), ...(generated && { generated }) };
}
