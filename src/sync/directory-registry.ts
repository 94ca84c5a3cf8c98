/**
 * A model registry in a plain directory: `<root>/<model>/<version>/model.onnx` + `manifest.json`.
 * For one device (the demo), air-gapped sites and tests; an S3-compatible remote will implement
 * the same `ModelRegistry` interface. A version appears whole or not at all: both files are
 * written and fsynced in a hidden folder that is then renamed to the version number.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest, sha256Hex, type ModelManifest } from './manifest.js';

/** What `push` needs besides the bytes; the registry adds name, version, createdAt and sha256. */
export type PushDetails = Omit<ModelManifest, 'name' | 'version' | 'createdAt' | 'sha256' | 'approved'> & { readonly approved?: boolean };

/** A version as pulled: its manifest and its verified bytes. */
export interface PulledModel {
  readonly manifest: ModelManifest;
  readonly bytes: Uint8Array;
  /** Newer versions passed over, and why (withdrawn, unreadable, SHA-256 mismatch). */
  readonly skipped: readonly { readonly version: number; readonly reason: string }[];
}

/** A store of model versions (the directory below; remotes to come), all async so a remote fits. */
export interface ModelRegistry {
  /** Stores `bytes` as the next version of `name` (approved unless said otherwise). */
  push(name: string, bytes: Uint8Array, details: PushDetails): Promise<ModelManifest>;
  /** The newest approved version whose bytes match their SHA-256, or `undefined` when there is none. */
  pull(name: string): Promise<PulledModel | undefined>;
  /** Every readable manifest of `name`, oldest version first. */
  list(name: string): Promise<ModelManifest[]>;
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

/** A `ModelRegistry` in the directory `root` (created on first push). */
export class DirectoryRegistry implements ModelRegistry {
  constructor(readonly root: string) {}

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
        writeDurably(join(staging, 'model.onnx'), bytes);
        writeDurably(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
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

  async pull(name: string): Promise<PulledModel | undefined> {
    checkName(name);
    const skipped: { version: number; reason: string }[] = [];
    for (const version of this.#versions(name).sort((a, b) => b - a)) {
      const dir = join(this.root, name, String(version));
      try {
        const manifest = this.#manifest(name, version);
        if (!manifest.approved) {
          skipped.push({ version, reason: 'not approved' });
          continue;
        }
        const bytes = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
        const actual = sha256Hex(bytes);
        if (actual !== manifest.sha256) {
          skipped.push({ version, reason: `model.onnx does not match its manifest (SHA-256 ${actual.slice(0, 12)}…, manifest says ${manifest.sha256.slice(0, 12)}…)` });
          continue;
        }
        return { manifest, bytes, skipped };
      } catch (error) {
        skipped.push({ version, reason: (error as Error).message });
      }
    }
    return undefined;
  }

  async list(name: string): Promise<ModelManifest[]> {
    checkName(name);
    const manifests: ModelManifest[] = [];
    for (const version of this.#versions(name).sort((a, b) => a - b)) {
      try {
        manifests.push(this.#manifest(name, version));
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

  #manifest(name: string, version: number): ModelManifest {
    const path = join(this.root, name, String(version), 'manifest.json');
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new Error(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : `not valid JSON (${(error as Error).message})`}`, { cause: error });
    }
    const manifest = parseManifest(data, path);
    if (manifest.name !== name || manifest.version !== version) throw new Error(`${path}: says ${manifest.name} version ${manifest.version}, but lies in ${name}/${version}`);
    return manifest;
  }
}
