/**
 * Why SQLite could not open (or first write) a database file, in words: SQLite itself says "unable
 * to open database file", "attempt to write a readonly database" or "disk I/O error" for a dozen
 * different causes, so the cause is found by looking at the file and its folder, and the message
 * names the file and says what to do.
 */
import Database from 'better-sqlite3';
import { accessSync, constants, existsSync, readdirSync, statSync, type Stats } from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { RunnelError, messageOf } from '../common/errors.js';

/** Which file failed, and how it was being opened. */
export interface OpenTarget {
  /** The file SQLite opened: the database, or its lock (`<db>-lock`). */
  readonly file: string;
  /** The store's database file (the same as `file` unless `file` is its lock). */
  readonly database: string;
  /** Opened read-only (`runnel inspect`): writability does not matter, except for the folder. */
  readonly readOnly?: boolean;
}

/** The name `runnel demo` gives its database inside `--dir`: the file to suggest for a folder. */
const DATABASE_NAME = 'runnel.db';
const ELSEWHERE = 'put the database in another folder (runnel demo --dir <another folder>)';

/**
 * A `RunnelError` for a failure to open or set up `target.file`: `STORE_NOT_A_DATABASE`,
 * `STORE_CORRUPT`, `STORE_READ_ONLY` or `STORE_CANNOT_OPEN`. A `RunnelError` is returned as is.
 */
export function openFailure(target: OpenTarget, error: unknown): RunnelError {
  if (error instanceof RunnelError) return error;
  const { file, database } = target;
  const isLock = file !== database;
  const code = error instanceof Database.SqliteError ? error.code : undefined;
  const said = `SQLite: ${messageOf(error)}`;
  const fail = (errorCode: ConstructorParameters<typeof RunnelError>[0], message: string): RunnelError => new RunnelError(errorCode, message, { cause: error });
  if (code?.startsWith('SQLITE_NOTADB')) {
    return isLock
      ? fail('STORE_NOT_A_DATABASE', `${file}, the lock file of ${database}, is not a database Runnel made (${said}): delete it (no process can be holding it) and start again.`)
      : fail('STORE_NOT_A_DATABASE', `${file} is not a Runnel database (${said}): move it away, or ${ELSEWHERE}.`);
  }
  if (code?.startsWith('SQLITE_CORRUPT')) {
    return isLock
      ? fail('STORE_CORRUPT', `${file}, the lock file of ${database}, is damaged (${said}): delete it (no process can be holding it) and start again.`)
      : fail(
          'STORE_CORRUPT',
          `${file} is damaged (${said}): restore it from a backup, or move it away and start with a new one. ` +
            `To salvage the rows that can still be read first: sqlite3 ${file} .dump > salvage.sql (or .recover, where your sqlite3 has it).`,
        );
  }
  const cause = fileSystemCause(target, error);
  if (cause) return fail(cause.code, cause.message);
  return fail('STORE_CANNOT_OPEN', `cannot open ${file} (${said}).`);
}

/**
 * Reads the schema and the root page of every table, so that a file that is not a database, or is
 * damaged there, fails at open. Damage deeper in a table shows only when it is read: `PRAGMA
 * quick_check` reads every page (~0.1 s per 100 MB from the page cache here, seconds from an SD
 * card), too slow for every start.
 */
export function readRootPages(db: Database.Database): void {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck().all() as string[];
  for (const table of tables) db.prepare(`SELECT 1 FROM "${table.replaceAll('"', '""')}" LIMIT 1`).get();
}

/** The cause found on disk (a folder, a missing folder, permissions, a read-only mount), if any. */
function fileSystemCause(target: OpenTarget, error: unknown): { code: 'STORE_READ_ONLY' | 'STORE_CANNOT_OPEN'; message: string } | undefined {
  const { file, database, readOnly = false } = target;
  const folder = dirname(file);
  const named = file === database ? file : `${file} (the lock of ${database})`;
  const stat = statOf(file);
  if (stat?.isDirectory()) return { code: 'STORE_CANNOT_OPEN', message: `${file} is a folder, not a database file: ${databaseInside(file)}` };
  if (stat === undefined) {
    if (readOnly) return { code: 'STORE_CANNOT_OPEN', message: `no database at ${file}${existsSync(folder) ? '' : ` (the folder ${folder} does not exist)`}.` };
    if (!isFolder(folder)) return { code: 'STORE_CANNOT_OPEN', message: `cannot create the folder ${folder} for ${database}: ${whyNoFolder(folder, error)}; ${ELSEWHERE}.` };
  } else {
    const unreadable = denied(file, constants.R_OK);
    if (unreadable) return { code: 'STORE_CANNOT_OPEN', message: `${named} cannot be read ${unreadable.why}: ${unreadable.fix('make it readable')}.` };
    const unwritable = readOnly ? undefined : denied(file, constants.W_OK);
    if (unwritable) return { code: 'STORE_READ_ONLY', message: `${named} is read-only ${unwritable.why}: ${unwritable.fix('make it writable')}.` };
    const companion = readOnly ? undefined : unwritableCompanion(file);
    if (companion) return { code: 'STORE_READ_ONLY', message: companion };
  }
  const folderUnwritable = denied(folder, constants.W_OK);
  if (folderUnwritable) {
    const name = basename(database);
    if (readOnly) {
      return {
        code: 'STORE_READ_ONLY',
        message:
          `the folder ${folder} is not writable ${folderUnwritable.why}, and SQLite must create ${name}-shm beside ${file} to read it (WAL mode): ` +
          `copy ${name} (with ${name}-wal, if there is one) to a writable folder and read the copy, or make the folder writable.`,
      };
    }
    return {
      code: 'STORE_READ_ONLY',
      message:
        `the folder ${folder} is not writable ${folderUnwritable.why}, and ${database} needs files beside it: SQLite's ${name}-wal and ${name}-shm (WAL mode) and Runnel's lock ${name}-lock. ` +
        `${capitalise(folderUnwritable.fix('make the folder writable'))}.`,
    };
  }
  return undefined;
}

/**
 * SQLite's `-wal` or `-shm` beside `file` when it exists and cannot be written: typically made by
 * another user (`sudo runnel inspect` while the job was down leaves them owned by root).
 */
function unwritableCompanion(file: string): string | undefined {
  for (const suffix of ['-wal', '-shm']) {
    const companion = `${file}${suffix}`;
    const unwritable = existsSync(companion) ? denied(companion, constants.W_OK) : undefined;
    if (unwritable === undefined) continue;
    const keep = suffix === '-wal' ? ` Do not delete it: it holds committed changes not yet copied into ${basename(file)}.` : '';
    return `${companion}, SQLite's ${suffix === '-wal' ? 'write-ahead log' : 'shared-memory index'} of ${file}, is read-only ${unwritable.why} (another user, e.g. root, may have made it): ${unwritable.fix('make it writable')}.${keep}`;
  }
  return undefined;
}

/** Why access is denied (a read-only mount, or this user's permissions) and the fix; undefined when it is not. */
function denied(path: string, mode: number): { why: string; fix: (make: string) => string } | undefined {
  try {
    accessSync(path, mode);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS') return { why: '(it is on a read-only file system)', fix: () => `remount the disk read-write, or ${ELSEWHERE}` };
    if (code !== 'EACCES' && code !== 'EPERM') return undefined;
    return { why: `by this user (${whoAmI()})`, fix: (make) => `${make} by this user (chmod/chown), or ${ELSEWHERE}` };
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function whoAmI(): string {
  const uid = process.getuid?.();
  let name: string | undefined;
  try {
    name = userInfo().username;
  } catch {
    name = undefined; // a uid without a passwd entry (containers)
  }
  return [name, uid === undefined ? undefined : `uid ${uid}`].filter((s) => s !== undefined).join(', ');
}

/** Whether `path` is a folder (false when it is missing or a part of it is a file). */
export function isFolder(path: string): boolean {
  return statOf(path)?.isDirectory() === true;
}

/** The file's status, or undefined when it is missing (or a part of its path is a file). */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Why `folder` could not be made: the part of the path that is a file, or the ancestor that is not writable. */
function whyNoFolder(folder: string, error: unknown): string {
  let ancestor = folder;
  while (!existsSync(ancestor) && dirname(ancestor) !== ancestor) ancestor = dirname(ancestor);
  if (!isFolder(ancestor)) return `${ancestor} is a file, not a folder`;
  return `${ancestor} is not writable ${denied(ancestor, constants.W_OK)?.why ?? `(${messageOf(error)})`}`;
}

/** What to open instead of a folder: its `runnel.db`, or the `.db` files it holds. */
function databaseInside(folder: string): string {
  const usual = join(folder, DATABASE_NAME);
  if (existsSync(usual)) return `the database inside it is ${usual}.`;
  let found: string[] = [];
  try {
    found = readdirSync(folder).filter((name) => name.endsWith('.db'));
  } catch {
    // an unreadable folder: nothing to suggest from inside it
  }
  if (found.length > 0) return `give one of the database files inside it: ${found.map((name) => join(folder, name)).join(', ')}.`;
  return `give the path of the database file (runnel demo keeps it at <dir>/${DATABASE_NAME}); ${folder} holds none.`;
}
