/**
 * A model registry in a plain directory: `<root>/<model>/<version>/model.onnx`, `manifest.json`
 * and, when signed, `manifest.sig`. For one device (the demo), air-gapped sites and tests; an
 * S3-compatible remote (s3-registry.ts) implements the same `ModelRegistry` interface, and both
 * check versions the same way (verified-registry.ts). A version appears whole
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
import type { Refusal } from './registry.js';
import { VerifiedRegistry, type EntryFile, type RegistryOptions, type VersionFiles, type VersionStorage } from './verified-registry.js';

export type { ModelRegistry, PulledModel, PullResult, PushDetails, Refusal, RefusalCode } from './registry.js';

/** Options of `DirectoryRegistry`: those of every registry. */
export type DirectoryRegistryOptions = RegistryOptions;

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

/** A `VersionStorage` in folders: `<root>/<model>/<version>/<file>`. */
class DirectoryStorage implements VersionStorage {
  constructor(readonly location: string) {}

  async versions(name: string): Promise<number[]> {
    const dir = join(this.location, name);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((entry) => /^[1-9]\d*$/.test(entry))
      .map(Number);
  }

  where(name: string, version: number, file: EntryFile): string {
    return join(this.location, name, String(version), file);
  }

  async inspect(name: string, version: number): Promise<Refusal | undefined> {
    return linkRefusal(join(this.location, name, String(version)), version);
  }

  async read(name: string, version: number, file: EntryFile): Promise<Uint8Array | Refusal | undefined> {
    const path = this.where(name, version, file);
    try {
      return readNoFollow(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') return { version, code: 'symlink', reason: `${path}: is a symbolic link; a registry version must hold real files` };
      return { version, code: 'unreadable', reason: `${path}: cannot be read (${(error as Error).message})` };
    }
  }

  /** Writes and fsyncs the files in a hidden staging folder, then renames it to the version number. */
  async write(name: string, version: number, files: VersionFiles): Promise<boolean> {
    const dir = join(this.location, name);
    mkdirSync(dir, { recursive: true });
    const staging = mkdtempSync(join(dir, '.incoming-'));
    try {
      writeDurably(join(staging, 'model.onnx'), files.model);
      writeDurably(join(staging, 'manifest.json'), files.manifest);
      if (files.sig !== undefined) writeDurably(join(staging, 'manifest.sig'), files.sig);
      fsyncDirectory(staging);
      try {
        renameSync(staging, join(dir, String(version)));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
        throw error;
      }
      fsyncDirectory(dir);
      return true;
    } finally {
      if (existsSync(staging)) rmSync(staging, { recursive: true, force: true });
    }
  }
}

/** A `ModelRegistry` in the directory `root` (created on first push). */
export class DirectoryRegistry extends VerifiedRegistry {
  constructor(
    readonly root: string,
    options: DirectoryRegistryOptions = {},
  ) {
    super(new DirectoryStorage(root), options);
  }
}
