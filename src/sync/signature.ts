/**
 * `manifest.sig`: an Ed25519 signature over the exact bytes of `manifest.json` (which carries the
 * model's SHA-256, so the signature covers the model too), with the id of the key that made it:
 * `{ "algorithm": "ed25519", "keyId": "<16 hex>", "signature": "<base64, 64 bytes>" }`.
 */
import { sign, verify } from 'node:crypto';
import type { SigningKey, TrustSet } from './keys.js';

/** Why a signature was not accepted. */
export type SignatureFailure = 'unsigned' | 'unknown-key' | 'bad-signature';

/** The text of `manifest.sig` for `manifest` (the bytes written as `manifest.json`). */
export function signManifest(manifest: Uint8Array, key: SigningKey): string {
  const signature = sign(null, manifest, key.privateKey).toString('base64');
  return `${JSON.stringify({ algorithm: 'ed25519', keyId: key.keyId, signature }, null, 2)}\n`;
}

/**
 * Checks `sig` (the bytes of `manifest.sig`, undefined when there is none) against `manifest`:
 * the key id of a trusted key, and a valid signature by it. `where` names the files in reasons.
 */
export function verifyManifest(
  manifest: Uint8Array,
  sig: Uint8Array | undefined,
  trust: TrustSet,
  where: { manifest: string; sig: string },
): { ok: true; keyId: string } | { ok: false; failure: SignatureFailure; reason: string } {
  if (sig === undefined) return { ok: false, failure: 'unsigned', reason: `${where.sig}: missing (the version is unsigned)` };
  let parsed: { algorithm?: unknown; keyId?: unknown; signature?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(sig).toString('utf8')) as typeof parsed;
  } catch {
    return { ok: false, failure: 'bad-signature', reason: `${where.sig}: not valid JSON` };
  }
  if (parsed?.algorithm !== 'ed25519' || typeof parsed.keyId !== 'string' || typeof parsed.signature !== 'string') {
    return { ok: false, failure: 'bad-signature', reason: `${where.sig}: must be { "algorithm": "ed25519", "keyId", "signature" }` };
  }
  const trusted = trust.keys.get(parsed.keyId);
  if (!trusted) {
    return { ok: false, failure: 'unknown-key', reason: `${where.sig}: signed by key ${parsed.keyId}, which is not in the trust set (${[...trust.keys.keys()].join(', ')})` };
  }
  if (!verify(null, manifest, trusted.publicKey, Buffer.from(parsed.signature, 'base64'))) {
    return {
      ok: false,
      failure: 'bad-signature',
      reason: `${where.sig}: signature by key ${parsed.keyId} does not match ${where.manifest} (the manifest was changed after signing, or the signature is damaged)`,
    };
  }
  return { ok: true, keyId: parsed.keyId };
}
