import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';

/** How many bytes at each end of a file its fingerprint hashes. */
const HASHED_BYTES = 64 * 1024;

/**
 * What a file looked like when a source opened it: its size, its modification time, and SHA-256
 * hashes of its first and its last 64 KiB. Kept in a file source's checkpoint so that a resumed
 * run can tell that the file it continues is the one it was reading.
 */
export interface FileFingerprint {
  readonly size: number;
  readonly mtimeMs: number;
  readonly head: string;
  readonly tail: string;
}

/** The fingerprint of the file at `path` as it is now. */
export async function fingerprintFile(path: string): Promise<FileFingerprint> {
  const info = await stat(path);
  return { size: info.size, mtimeMs: info.mtimeMs, head: await hashRange(path, 0, Math.min(HASHED_BYTES, info.size)), tail: await tailHash(path, info.size) };
}

/**
 * Checks that the file at `path` is still the one `before` describes, or that it only grew (bytes
 * appended after its old end: a log being written, say). Returns what changed, in plain words,
 * or undefined when reading may go on from a checkpoint taken on it. Modification times are
 * compared to the millisecond: a time put back with a `Date` (`utimes`, `touch -d`) keeps no more.
 */
export async function fileChange(path: string, before: FileFingerprint): Promise<string | undefined> {
  const info = await stat(path);
  if (info.size < before.size) return `it shrank from ${before.size} to ${info.size} bytes`;
  if ((await hashRange(path, 0, Math.min(HASHED_BYTES, before.size))) !== before.head) return `its first ${Math.min(HASHED_BYTES, before.size)} bytes are different`;
  if ((await tailHash(path, before.size)) !== before.tail) return `the bytes before its old end (${before.size}) are different`;
  if (info.size === before.size && Math.abs(info.mtimeMs - before.mtimeMs) >= 1) {
    return `it was modified at the same size: modification time ${new Date(before.mtimeMs).toISOString()}, now ${new Date(info.mtimeMs).toISOString()}`;
  }
  return undefined;
}

/** The hash of the last 64 KiB before byte `end`. */
function tailHash(path: string, end: number): Promise<string> {
  return hashRange(path, Math.max(0, end - HASHED_BYTES), end);
}

async function hashRange(path: string, from: number, to: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(to - from);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, from + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return createHash('sha256').update(buffer.subarray(0, filled)).digest('hex');
  } finally {
    await file.close();
  }
}
