import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/** True for SQLite's "database or disk is full" (a full disk, or the database's `max_page_count`). */
export function isDiskFull(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_FULL';
}

/** The code of a file write or fsync that failed for lack of space (`ENOSPC`) or quota (`EDQUOT`), else undefined. */
export function fileFullCode(error: unknown): 'ENOSPC' | 'EDQUOT' | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? code : undefined;
}

/** The free space of the folder holding `path` (the database, a sink's file), in words, for log lines. */
export function freeSpace(path: string): string {
  const folder = dirname(path);
  try {
    const { bavail, blocks, bsize } = statfsSync(folder);
    return `${mib(bavail * bsize)} free of ${mib(blocks * bsize)} in ${folder}`;
  } catch {
    return `free space of ${folder} unknown`;
  }
}

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
