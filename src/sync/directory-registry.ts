/**
 * A model registry in a plain directory: `<root>/<model>/<version>/model.onnx`, `manifest.json`
 * and, when signed, `manifest.sig`. For one device (the demo), air-gapped sites and tests; an
 * S3-compatible remote will implement the same `ModelRegistry` interface. A version appears whole
 * or not at all: its files are written and fsynced in a hidden folder that is then renamed to the
 * version number. A pull checks an entry before anything in it is parsed as a model: no symbolic
 * links, the signature by a trusted key (when a trust set is given), then the model's SHA-256.
 */
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { SigningKey, TrustSet } from './keys.js';
import { parseManifest, sha256Hex, type ModelManifest } from './manifest.js';
import { signManifest, verifyManifest, type SignatureFailure } from './signature.js';

/** What `push` needs besides the bytes; the registry adds name, version, createdAt and sha256. */
export type PushDetails = Omit<ModelManifest, 'name' | 'version' | 'createdAt' | 'sha256' | 'approved'> & { readonly approved?: boolean };

/** Why a version was passed over: a failed check, or withdrawn by its publisher. */
export type RefusalCode = SignatureFailure | 'symlink' | 'hash-mismatch' | 'unreadable' | 'withdrawn';

/** A version a pull did not take, and why (the reason names the file and what failed). */
export interface Refusal {
  readonly version: number;
  readonly code: RefusalCode;
  readonly reason: string;
}

/** A version that passed every check. */
export interface PulledModel {
  readonly manifest: ModelManifest;
  /** The model's bytes, checked against the manifest's SHA-256. */
  readonly bytes: Uint8Array;
  /** Id of the trusted key whose signature was checked; undefined when the registry has no trust set. */
  readonly signedBy: string | undefined;
}

/** What a pull found: the newest acceptable version, no version at all, or versions that were all refused. */
export type PullResult =
  | (PulledModel & {
      readonly outcome: 'pulled';
      /** Newer versions passed over, newest first. */
      readonly refused: readonly Refusal[];
    })
  | { readonly outcome: 'empty' }
  | { readonly outcome: 'all-refused'; readonly refused: readonly Refusal[] };

/** A store of model versions (the directory below; remotes to come), all async so a remote fits. */
export interface ModelRegistry {
  /** Stores `bytes` as the next version of `name` (approved unless said otherwise). */
  push(name: string, bytes: Uint8Array, details: PushDetails): Promise<ModelManifest>;
  /** The newest approved version that passes every check, with the versions refused on the way. */
  pull(name: string): Promise<PullResult>;
  /** Every readable manifest of `name`, oldest version first (for display: signatures not checked). */
  list(name: string): Promise<ModelManifest[]>;
}

/** Options of `DirectoryRegistry`. */
export interface DirectoryRegistryOptions {
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

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

function checkName(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(`model registry: name must be 1-100 letters, digits, ".", "_" or "-" (and start with a letter or digit), got ${JSON.stringify(name)}`);
  }
}

function writeDurably(path: string, data: Uint8Array | string): void {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function fsyncDirectory(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads `file` unless it is a symbolic link (O_NOFOLLOW: no window between a check and the read). */
function readNoFollow(file: string): Uint8Array {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    return new Uint8Array(readFileSync(fd));
  } finally {
    closeSync(fd);
  }
}

/** Why version folder `dir` is refused when it, or any file in it, is a symbolic link or cannot be listed. */
function linkRefusal(dir: string, version: number): Refusal | undefined {
  try {
    if (lstatSync(dir).isSymbolicLink())
      return { version, code: 'symlink', reason: `${dir}: is a symbolic link (to ${readlinkSync(dir)}); a registry version must be a real folder` };
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name);
      if (entry.isSymbolicLink()) return { version, code: 'symlink', reason: `${file}: is a symbolic link (to ${readlinkSync(file)}); a registry version must hold real files` };
    }
  } catch (error) {
    return { version, code: 'unreadable', reason: `${dir}: cannot be read (${(error as Error).message})` };
  }
  return undefined;
}

/** The bytes of `file` in version folder `dir`, undefined when it is missing, or why it cannot be used. */
function readEntryFile(dir: string, version: number, file: string): Uint8Array | Refusal | undefined {
  const path = join(dir, file);
  try {
    return readNoFollow(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') return { version, code: 'symlink', reason: `${path}: is a symbolic link; a registry version must hold real files` };
    return { version, code: 'unreadable', reason: `${path}: cannot be read (${(error as Error).message})` };
  }
}

/** As `readEntryFile`, a missing file being a refusal too. */
function readRequired(dir: string, version: number, file: string): Uint8Array | Refusal {
  return readEntryFile(dir, version, file) ?? { version, code: 'unreadable', reason: `${join(dir, file)}: missing` };
}

/** A `ModelRegistry` in the directory `root` (created on first push). */
export class DirectoryRegistry implements ModelRegistry {
  readonly #options: DirectoryRegistryOptions;
  #warned = false;

  constructor(
    readonly root: string,
    options: DirectoryRegistryOptions = {},
  ) {
    this.#options = options;
  }

  async push(name: string, bytes: Uint8Array, details: PushDetails): Promise<ModelManifest> {
    checkName(name);
    if (!(bytes instanceof Uint8Array) || bytes.byteLength === 0) throw new TypeError('model registry: push needs the model as non-empty bytes (Uint8Array)');
    const dir = join(this.root, name);
    mkdirSync(dir, { recursive: true });
    const staging = mkdtempSync(join(dir, '.incoming-'));
    try {
      // Another writer may take a number first: then the rename fails and the next one is tried.
      for (let attempt = 0; attempt < 10; attempt++) {
        const version = Math.max(0, ...this.#versions(name)) + 1;
        const manifest: ModelManifest = { approved: true, ...details, name, version, createdAt: new Date().toISOString(), sha256: sha256Hex(bytes) };
        const manifestBytes = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
        writeDurably(join(staging, 'model.onnx'), bytes);
        writeDurably(join(staging, 'manifest.json'), manifestBytes);
        if (this.#options.signingKey) writeDurably(join(staging, 'manifest.sig'), signManifest(manifestBytes, this.#options.signingKey));
        fsyncDirectory(staging);
        try {
          renameSync(staging, join(dir, String(version)));
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOTEMPTY' || code === 'EEXIST') continue;
          throw error;
        }
        fsyncDirectory(dir);
        return manifest;
      }
      throw new Error(`model registry: could not claim a version number for "${name}" in ${dir} (other writers kept taking them)`);
    } finally {
      if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
    }
  }

  async pull(name: string): Promise<PullResult> {
    checkName(name);
    const { trust, log = console.warn } = this.#options;
    if (!trust && !this.#warned) {
      this.#warned = true;
      log(`model registry ${this.root}: no trust set configured, so pulled models are NOT verified (no signature check; only the SHA-256 in a manifest anyone could write)`);
    }
    const versions = this.#versions(name).sort((a, b) => b - a);
    if (versions.length === 0) return { outcome: 'empty' };
    const refused: Refusal[] = [];
    for (const version of versions) {
      const checked = this.#check(name, version, trust);
      if ('code' in checked) refused.push(checked);
      else return { outcome: 'pulled', ...checked, refused };
    }
    return { outcome: 'all-refused', refused };
  }

  async list(name: string): Promise<ModelManifest[]> {
    checkName(name);
    const manifests: ModelManifest[] = [];
    for (const version of this.#versions(name).sort((a, b) => a - b)) {
      const dir = join(this.root, name, String(version));
      const bytes = linkRefusal(dir, version) ?? readRequired(dir, version, 'manifest.json');
      if ('code' in bytes) continue; // `pull` names it with the reason
      try {
        manifests.push(this.#parse(bytes, name, version));
      } catch {
        // Unreadable versions are left out here; `pull` names them with the reason.
      }
    }
    return manifests;
  }

  /** Version numbers present as folders (hidden staging folders and other names ignored). */
  #versions(name: string): number[] {
    const dir = join(this.root, name);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((entry) => /^[1-9]\d*$/.test(entry))
      .map(Number);
  }

  /** The version checked in order (links, signature, manifest, SHA-256, approval), or why it is refused. */
  #check(name: string, version: number, trust: TrustSet | undefined): PulledModel | Refusal {
    const dir = join(this.root, name, String(version));
    const manifestBytes = linkRefusal(dir, version) ?? readRequired(dir, version, 'manifest.json');
    if ('code' in manifestBytes) return manifestBytes;
    let signedBy: string | undefined;
    if (trust) {
      const sig = readEntryFile(dir, version, 'manifest.sig');
      if (sig && 'code' in sig) return sig;
      const verdict = verifyManifest(manifestBytes, sig, trust, { manifest: join(dir, 'manifest.json'), sig: join(dir, 'manifest.sig') });
      if (!verdict.ok) return { version, code: verdict.failure, reason: verdict.reason };
      signedBy = verdict.keyId;
    }
    let manifest: ModelManifest;
    try {
      manifest = this.#parse(manifestBytes, name, version);
    } catch (error) {
      return { version, code: 'unreadable', reason: (error as Error).message };
    }
    const bytes = readRequired(dir, version, 'model.onnx');
    if ('code' in bytes) return bytes;
    const actual = sha256Hex(bytes);
    if (actual !== manifest.sha256) {
      return {
        version,
        code: 'hash-mismatch',
        reason: `${join(dir, 'model.onnx')}: does not match its manifest (SHA-256 ${actual.slice(0, 12)}…, manifest says ${manifest.sha256.slice(0, 12)}…)`,
      };
    }
    if (!manifest.approved) return { version, code: 'withdrawn', reason: `${join(dir, 'manifest.json')}: not approved (withdrawn)` };
    return { manifest, bytes, signedBy };
  }

  #parse(bytes: Uint8Array, name: string, version: number): ModelManifest {
    const path = join(this.root, name, String(version), 'manifest.json');
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
