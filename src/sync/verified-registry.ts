/**
 * What every registry does the same way, whatever holds its files: numbering versions, writing a
 * signed manifest beside the model, finding a retried push's version, and checking a version
 * before anything in it is parsed as a model (signature by a trusted key, manifest, SHA-256,
 * approval). A `VersionStorage` (a folder, a bucket) only reads and writes the files.
 */
import type { SigningKey, TrustSet } from './keys.js';
import { parseManifest, sha256Hex, type ModelManifest } from './manifest.js';
import type { ModelRegistry, PulledModel, PullResult, PushDetails, PushOptions, Refusal } from './registry.js';
import { signManifest, verifyManifest } from './signature.js';

/** The files of a version. */
export type EntryFile = 'model.onnx' | 'manifest.json' | 'manifest.sig';

/** The bytes of a version as `VersionStorage.write` stores them. */
export interface VersionFiles {
  readonly model: Uint8Array;
  readonly manifest: Uint8Array;
  /** Absent when the registry has no signing key. */
  readonly sig: string | undefined;
}

/** Where a registry keeps its versions: the part that differs between a folder and a bucket. */
export interface VersionStorage {
  /** The folder, or `s3://bucket/prefix`: for logs. */
  readonly location: string;
  /** Version numbers of `name` that were written whole (any order). */
  versions(name: string): Promise<number[]>;
  /** Where `file` of a version lives, as reasons name it. */
  where(name: string, version: number, file: EntryFile): string;
  /** A refusal of the whole version before any of its files is read (a symbolic link), if any. */
  inspect(name: string, version: number): Promise<Refusal | undefined>;
  /** The bytes of `file`, undefined when it is missing, or a refusal; a storage that cannot be reached throws. */
  read(name: string, version: number, file: EntryFile): Promise<Uint8Array | Refusal | undefined>;
  /** Writes a version whole; false when another writer holds that number already (then the next is tried). */
  write(name: string, version: number, files: VersionFiles): Promise<boolean>;
}

/** Options of every registry. */
export interface RegistryOptions {
  /** Signs every pushed version (`manifest.sig`); default: versions are pushed unsigned. */
  readonly signingKey?: SigningKey;
  /**
   * Publisher keys a pulled version must be signed by. Default: none, and then models are NOT
   * verified (only their SHA-256 against a manifest anyone could have written), said once via `log`.
   */
  readonly trust?: TrustSet;
  /** Where the unverified-mode warning goes (default `console.warn`). */
  readonly log?: (line: string) => void;
}

/** Whether `name` is safe as one folder, key or topic segment. */
export function isName(name: string): boolean {
  return typeof name === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name);
}

/** Throws a `TypeError` unless `name` is safe as one folder or key segment. */
export function checkName(name: string, what = 'name'): void {
  if (!isName(name)) {
    throw new TypeError(`model registry: ${what} must be 1-100 letters, digits, ".", "_" or "-" (and start with a letter or digit), got ${JSON.stringify(name)}`);
  }
}

const isRefusal = (value: object): value is Refusal => 'code' in value;

/** A `ModelRegistry` over a `VersionStorage`. */
export class VerifiedRegistry implements ModelRegistry {
  readonly #storage: VersionStorage;
  readonly #options: RegistryOptions;
  #warned = false;

  constructor(storage: VersionStorage, options: RegistryOptions = {}) {
    this.#storage = storage;
    this.#options = options;
  }

  /** The folder, or `s3://bucket/prefix`. */
  get location(): string {
    return this.#storage.location;
  }

  async push(name: string, bytes: Uint8Array, details: PushDetails, options: PushOptions = {}): Promise<ModelManifest> {
    checkName(name);
    if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) throw new TypeError('model registry: push needs the model as non-empty bytes (Uint8Array)');
    if (details.pushId !== undefined && !options.neverSent) {
      const earlier = (await this.list(name)).find((m) => m.pushId === details.pushId);
      if (earlier) return earlier;
    }
    // Another writer may take a number first: then the write says so and the next one is tried.
    let tried = 0;
    for (let attempt = 0; attempt < 10; attempt++) {
      const version = Math.max(tried, ...(await this.#storage.versions(name))) + 1;
      tried = version;
      const manifest: ModelManifest = { approved: true, ...details, name, version, createdAt: new Date().toISOString(), sha256: sha256Hex(bytes) };
      const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
      const sig = this.#options.signingKey ? signManifest(manifestBytes, this.#options.signingKey) : undefined;
      if (await this.#storage.write(name, version, { model: bytes, manifest: manifestBytes, sig })) return manifest;
    }
    throw new Error(`model registry: could not claim a version number for "${name}" in ${this.#storage.location} (other writers kept taking them)`);
  }

  async pull(name: string): Promise<PullResult> {
    checkName(name);
    const { trust, log = console.warn } = this.#options;
    if (!trust && !this.#warned) {
      this.#warned = true;
      log(
        `model registry ${this.#storage.location}: no trust set configured, so pulled models are NOT verified (no signature check; only the SHA-256 in a manifest anyone could write)`,
      );
    }
    const versions = (await this.#storage.versions(name)).sort((a, b) => b - a);
    if (versions.length === 0) return { outcome: 'empty' };
    const refused: Refusal[] = [];
    for (const version of versions) {
      const checked = await this.#check(name, version, trust);
      if (isRefusal(checked)) refused.push(checked);
      else return { outcome: 'pulled', ...checked, refused };
    }
    return { outcome: 'all-refused', refused };
  }

  async list(name: string): Promise<ModelManifest[]> {
    checkName(name);
    const manifests: ModelManifest[] = [];
    for (const version of (await this.#storage.versions(name)).sort((a, b) => a - b)) {
      const bytes = await this.#required(name, version, 'manifest.json');
      if (isRefusal(bytes)) continue; // `pull` names it with the reason
      try {
        manifests.push(this.#parse(bytes, name, version));
      } catch {
        // Unreadable versions are left out here; `pull` names them with the reason.
      }
    }
    return manifests;
  }

  /** The file's bytes after the storage's own checks of the version; a missing file is a refusal too. */
  async #required(name: string, version: number, file: EntryFile): Promise<Uint8Array | Refusal> {
    const refusal = await this.#storage.inspect(name, version);
    if (refusal) return refusal;
    return (await this.#storage.read(name, version, file)) ?? { version, code: 'unreadable', reason: `${this.#storage.where(name, version, file)}: missing` };
  }

  /** The version checked in order (storage, signature, manifest, SHA-256, approval), or why it is refused. */
  async #check(name: string, version: number, trust: TrustSet | undefined): Promise<PulledModel | Refusal> {
    const where = (file: EntryFile): string => this.#storage.where(name, version, file);
    const manifestBytes = await this.#required(name, version, 'manifest.json');
    if (isRefusal(manifestBytes)) return manifestBytes;
    let signedBy: string | undefined;
    if (trust) {
      const sig = await this.#storage.read(name, version, 'manifest.sig');
      if (sig && isRefusal(sig)) return sig;
      const verdict = verifyManifest(manifestBytes, sig, trust, { manifest: where('manifest.json'), sig: where('manifest.sig') });
      if (!verdict.ok) return { version, code: verdict.failure, reason: verdict.reason };
      signedBy = verdict.keyId;
    }
    let manifest: ModelManifest;
    try {
      manifest = this.#parse(manifestBytes, name, version);
    } catch (error) {
      return { version, code: 'unreadable', reason: (error as Error).message };
    }
    const bytes = await this.#required(name, version, 'model.onnx');
    if (isRefusal(bytes)) return bytes;
    const actual = sha256Hex(bytes);
    if (actual !== manifest.sha256) {
      return {
        version,
        code: 'hash-mismatch',
        reason: `${where('model.onnx')}: does not match its manifest (SHA-256 ${actual.slice(0, 12)}…, manifest says ${manifest.sha256.slice(0, 12)}…)`,
      };
    }
    if (!manifest.approved) return { version, code: 'withdrawn', reason: `${where('manifest.json')}: not approved (withdrawn)` };
    return { manifest, bytes, signedBy };
  }

  #parse(bytes: Uint8Array, name: string, version: number): ModelManifest {
    const path = this.#storage.where(name, version, 'manifest.json');
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch (error) {
      throw new Error(`${path}: not valid JSON (${(error as Error).message})`, { cause: error });
    }
    const manifest = parseManifest(data, path);
    if (manifest.name !== name || manifest.version !== version) throw new Error(`${path}: says ${manifest.name} version ${manifest.version}, but lies in ${name}/${version}`);
    return manifest;
  }
}
