/**
 * Fleet documents: what each device publishes for fleet learning, one signed JSON file per model
 * and device at `fleet/<model>/<device>.json` (with `<device>.json.sig` beside it), replaced by
 * the device's next publication. The merge step reads every document of a model, checks each
 * signature against the trust set before parsing it, and names each one it leaves out.
 * What the document carries (`body`) is the caller's: the registry only moves and checks it.
 */
import { constants, mkdirSync, openSync, readdirSync, readFileSync, renameSync, closeSync, fsyncSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SigningKey, TrustSet } from './keys.js';
import { signManifest, verifyManifest } from './signature.js';
import { checkName } from './verified-registry.js';

/** Where fleet documents are kept: a folder or a bucket. Paths are `/`-separated, relative to its root. */
export interface DocumentStorage {
  /** The folder, or `s3://bucket/prefix`: for messages. */
  readonly location: string;
  /** Replaces the object at `path` with `bytes`. */
  put(path: string, bytes: Uint8Array): Promise<void>;
  /** The bytes at `path`, undefined when there is none. */
  get(path: string): Promise<Uint8Array | undefined>;
  /** The names of the objects directly in folder `path` (no sub-folders). */
  list(path: string): Promise<string[]>;
}

/** One device's published document. */
export interface FleetDocument {
  readonly model: string;
  readonly device: string;
  /** ISO 8601. */
  readonly publishedAt: string;
  /** Key id of the trusted key whose signature was checked; undefined without a trust set. */
  readonly signedBy?: string;
  readonly body: unknown;
}

/** A document the merge left out, and why (naming the file). */
export interface LeftOut {
  readonly device: string;
  readonly reason: string;
}

const folderOf = (model: string): string => `fleet/${model}`;

/** Signs and stores `body` as `device`'s document for `model`, replacing its previous one; returns where it went. */
export async function publishDocument(storage: DocumentStorage, model: string, device: string, body: unknown, key: SigningKey | undefined): Promise<string> {
  checkName(model, 'model name');
  checkName(device, 'device id');
  const document = { model, device, publishedAt: new Date().toISOString(), body };
  const bytes = Buffer.from(`${JSON.stringify(document)}\n`);
  const path = `${folderOf(model)}/${device}.json`;
  // The signature first: a reader that finds the new document finds its signature (an old one
  // beside a new document fails the check and is named, never trusted).
  if (key) await storage.put(`${path}.sig`, Buffer.from(signManifest(bytes, key)));
  await storage.put(path, bytes);
  return `${storage.location}/${path}`;
}

/**
 * Every device's document for `model` that passes the checks (signed by a trusted key when
 * `trust` is given, well-formed JSON for this model and device), and the ones left out with why.
 */
export async function collectDocuments(storage: DocumentStorage, model: string, trust: TrustSet | undefined): Promise<{ accepted: FleetDocument[]; leftOut: LeftOut[] }> {
  checkName(model, 'model name');
  const accepted: FleetDocument[] = [];
  const leftOut: LeftOut[] = [];
  const names = (await storage.list(folderOf(model))).filter((n) => n.endsWith('.json')).sort();
  for (const name of names) {
    const device = name.slice(0, -'.json'.length);
    const path = `${folderOf(model)}/${name}`;
    const where = `${storage.location}/${path}`;
    const bytes = await storage.get(path);
    if (bytes === undefined) continue; // replaced or removed since the listing
    let signedBy: string | undefined;
    if (trust) {
      const checked = verifyManifest(bytes, await storage.get(`${path}.sig`), trust, { manifest: where, sig: `${where}.sig` });
      if (!checked.ok) {
        leftOut.push({ device, reason: checked.reason });
        continue;
      }
      signedBy = checked.keyId;
    }
    let parsed: { model?: unknown; device?: unknown; publishedAt?: unknown; body?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as typeof parsed;
    } catch {
      leftOut.push({ device, reason: `${where}: not valid JSON` });
      continue;
    }
    if (parsed?.model !== model || parsed.device !== device || typeof parsed.publishedAt !== 'string' || parsed.body === undefined) {
      leftOut.push({ device, reason: `${where}: must be { "model": "${model}", "device": "${device}", "publishedAt", "body" }` });
      continue;
    }
    accepted.push({ model, device, publishedAt: parsed.publishedAt, body: parsed.body, ...(signedBy ? { signedBy } : {}) });
  }
  return { accepted, leftOut };
}

/** Fleet documents in a folder (the directory registry's root): written whole by rename, links not followed. */
export class DirectoryDocuments implements DocumentStorage {
  constructor(readonly location: string) {}

  async put(path: string, bytes: Uint8Array): Promise<void> {
    const file = join(this.location, path);
    mkdirSync(join(file, '..'), { recursive: true });
    const temporary = `${file}.incoming`;
    const fd = openSync(temporary, 'w', 0o644);
    try {
      writeFileSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  }

  async get(path: string): Promise<Uint8Array | undefined> {
    try {
      const fd = openSync(join(this.location, path), constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        return new Uint8Array(readFileSync(fd));
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if ((error as NodeJS.ErrnoException).code === 'ELOOP')
        throw new Error(`${join(this.location, path)}: is a symbolic link; fleet documents must be real files`, { cause: error });
      throw error;
    }
  }

  async list(path: string): Promise<string[]> {
    try {
      return readdirSync(join(this.location, path), { withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => entry.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }
}
