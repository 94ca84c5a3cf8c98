/**
 * `Store.open` failures read as what happened, to which file, and what to do: a read-only file, a
 * read-only folder (WAL needs `-wal`/`-shm` beside the database, the store its `-lock`), a file
 * that is not a database, a damaged one, a folder that cannot be created, a folder given as the
 * database; and the same for the lock file. Tests run as root here, where `chmod` stops nothing:
 * as root a read-only file or folder is a read-only mount the test makes (a bind mount of the
 * file, a tmpfs remounted read-only); as another user, `chmod`. Where neither is possible the test
 * is skipped with the reason, never passed.
 */
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/common/errors.js';
import { seededRandom } from '../../src/common/random.js';
import { Inbox } from '../../src/store/inbox.js';
import { openForInspect } from '../../src/store/inspect.js';
import { Store } from '../../src/store/store.js';
import { SEED } from '../seed.js';

const isRoot = process.getuid?.() === 0;
const tempDir = (): string => mkdtempSync(join(tmpdir(), 'runnel-open-'));

function openFailure(path: string): RunnelError {
  try {
    Store.open(path).close();
  } catch (error) {
    if (error instanceof RunnelError) return error;
    throw new Error(`expected a RunnelError, got: ${String(error)}`, { cause: error });
  }
  throw new Error(`expected Store.open(${path}) to fail`);
}

/** A Runnel database with some rows, closed. */
function makeDatabase(path: string): void {
  const store = Store.open(path);
  const inbox = new Inbox(store, 'sensors');
  const rows = Array.from({ length: 500 }, (_, i) => ({
    topic: `s/${i % 9}`,
    payload: Buffer.from(JSON.stringify({ i, v: i * 0.5 })),
    qos: 1 as const,
    arrivedAt: i,
    eventTime: i,
  }));
  inbox.append(rows);
  store.close();
}

/** Runs `mount` (root only); the error text when the kernel or the container refuses. */
function mount(...args: string[]): string | undefined {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `mount ${args.join(' ')} failed: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`;
  }
}

/**
 * Makes `dir` a fresh folder that `prepare` fills and that is then read-only: a tmpfs remounted
 * read-only as root, `chmod 555` otherwise. Returns the undo, or why it cannot be done.
 */
function readOnlyFolder(dir: string, prepare: () => void): (() => void) | string {
  mkdirSync(dir, { recursive: true });
  if (!isRoot) {
    prepare();
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  const refused = mount('-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir);
  if (refused) return refused;
  prepare();
  const remount = mount('-o', 'remount,ro', dir);
  if (remount) {
    execFileSync('umount', [dir]);
    return remount;
  }
  return () => execFileSync('umount', ['-l', dir]);
}

/** Makes the file read-only in its writable folder: a read-only bind mount of it as root, `chmod 444` otherwise. */
function readOnlyFile(file: string): (() => void) | string {
  if (!isRoot) {
    chmodSync(file, 0o444);
    return () => chmodSync(file, 0o644);
  }
  const refused = mount('--bind', file, file) ?? mount('-o', 'remount,bind,ro', file);
  if (refused) return refused;
  return () => execFileSync('umount', ['-l', file]); // lazily: a connection may still have it open
}

const how = isRoot ? 'a read-only mount (running as root)' : 'chmod (not root)';

describe('Store.open says which file failed, why, and what to do', () => {
  it('a file that is not a database: STORE_NOT_A_DATABASE, move it away; the failed open holds no lock', () => {
    const dir = tempDir();
    const path = join(dir, 'runnel.db');
    writeFileSync(path, 'timestamp,temperature\n'.repeat(400));
    const error = openFailure(path);
    expect(error.code).toBe('STORE_NOT_A_DATABASE');
    expect(error.message).toBe(
      `${path} is not a Runnel database (SQLite: file is not a database): move it away, or put the database in another folder (runnel demo --dir <another folder>).`,
    );
    rmSync(path);
    Store.open(path).close(); // nothing of the failed open is left holding the lock
  });

  it(`a damaged database (a valid header, garbage pages; seed ${SEED}): STORE_CORRUPT, restore or start anew, how to salvage`, () => {
    const path = join(tempDir(), 'runnel.db');
    makeDatabase(path);
    const bytes = readFileSync(path);
    const pageSize = bytes.readUInt16BE(16);
    const random = seededRandom(SEED);
    for (let i = pageSize; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    writeFileSync(path, bytes);
    const error = openFailure(path);
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toMatch(
      new RegExp(`^${escape(path)} is damaged \\(SQLite: database disk image is malformed\\): restore it from a backup, or move it away and start with a new one\\.`),
    );
    expect(error.message).toContain(`sqlite3 ${path} .dump > salvage.sql`);
  });

  it('a folder given as the database: STORE_CANNOT_OPEN naming the database inside it; no lock file is left beside it', () => {
    const dir = tempDir();
    const folder = join(dir, 'demo');
    mkdirSync(folder);
    expect(openFailure(folder).message).toBe(
      `${folder} is a folder, not a database file: give the path of the database file (runnel demo keeps it at <dir>/runnel.db); ${folder} holds none.`,
    );
    makeDatabase(join(folder, 'runnel.db'));
    const error = openFailure(folder);
    expect(error.code).toBe('STORE_CANNOT_OPEN');
    expect(error.message).toBe(`${folder} is a folder, not a database file: the database inside it is ${join(folder, 'runnel.db')}.`);
    expect(existsSync(`${folder}-lock`)).toBe(false);
  });

  it('a folder that cannot be created (part of the path is a file): STORE_CANNOT_OPEN naming both; a missing folder that can be is made', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'data'), 'a file');
    const path = join(dir, 'data', 'demo', 'runnel.db');
    const error = openFailure(path);
    expect(error.code).toBe('STORE_CANNOT_OPEN');
    expect(error.message).toBe(
      `cannot create the folder ${join(dir, 'data', 'demo')} for ${path}: ${join(dir, 'data')} is a file, not a folder; put the database in another folder (runnel demo --dir <another folder>).`,
    );
    Store.open(join(dir, 'new', 'deeper', 'runnel.db')).close();
  });

  it('the lock file is not a database: STORE_NOT_A_DATABASE naming the lock file, delete it', () => {
    const path = join(tempDir(), 'runnel.db');
    writeFileSync(`${path}-lock`, 'not sqlite '.repeat(100));
    const error = openFailure(path);
    expect(error.code).toBe('STORE_NOT_A_DATABASE');
    expect(error.message).toBe(
      `${path}-lock, the lock file of ${path}, is not a database Runnel made (SQLite: file is not a database): delete it (no process can be holding it) and start again.`,
    );
  });

  it(`a read-only database file in a writable folder: STORE_READ_ONLY, make it writable (by ${how})`, (context) => {
    const path = join(tempDir(), 'runnel.db');
    makeDatabase(path);
    const undo = readOnlyFile(path);
    if (typeof undo === 'string') return context.skip(`cannot make a read-only file here: ${undo}`);
    try {
      const error = openFailure(path);
      expect(error.code).toBe('STORE_READ_ONLY');
      const fix = 'put the database in another folder (runnel demo --dir <another folder>).';
      expect(error.message).toMatch(
        isRoot
          ? `${path} is read-only (it is on a read-only file system): remount the disk read-write, or ${fix}`
          : new RegExp(`^${escape(path)} is read-only by this user \\(.*\\): make it writable by this user \\(chmod/chown\\), or ${escape(fix)}$`),
      );
    } finally {
      undo();
    }
    Store.open(path).close();
  });

  it(`a read-only -wal beside a writable database (another user made it): STORE_READ_ONLY naming it, not to delete it (by ${how})`, (context) => {
    const path = join(tempDir(), 'runnel.db');
    makeDatabase(path);
    const other = new Database(path); // another process's connection, which keeps the -wal and -shm files
    other.pragma('journal_mode = WAL');
    other.exec('CREATE TABLE IF NOT EXISTS kept (x)');
    const undo = readOnlyFile(`${path}-wal`);
    try {
      if (typeof undo === 'string') return context.skip(`cannot make a read-only file here: ${undo}`);
      const error = openFailure(path);
      expect(error.code).toBe('STORE_READ_ONLY');
      expect(error.message).toMatch(
        new RegExp(
          `^${escape(path)}-wal, SQLite's write-ahead log of ${escape(path)}, is read-only .*Do not delete it: it holds committed changes not yet copied into runnel.db\\.$`,
        ),
      );
    } finally {
      if (typeof undo !== 'string') undo();
      other.close();
    }
  });

  it(`a new database in a read-only folder: STORE_READ_ONLY naming the folder and the files it needs (by ${how})`, (context) => {
    const dir = join(tempDir(), 'ro');
    const undo = readOnlyFolder(dir, () => {});
    if (typeof undo === 'string') return context.skip(`cannot make a read-only folder here: ${undo}`);
    const path = join(dir, 'runnel.db');
    try {
      const error = openFailure(path);
      expect(error.code).toBe('STORE_READ_ONLY');
      expect(error.message).toMatch(
        new RegExp(
          `^the folder ${escape(dir)} is not writable (\\(it is on a read-only file system\\)|by this user \\(.*\\)), and ${escape(path)} needs files beside it: ` +
            `SQLite's runnel.db-wal and runnel.db-shm \\(WAL mode\\) and Runnel's lock runnel.db-lock\\. (Remount the disk read-write|Make the folder writable by this user \\(chmod/chown\\)), or put the database in another folder`,
        ),
      );
    } finally {
      undo();
    }
  });

  it(`a database and its lock on a read-only disk: STORE_READ_ONLY naming the lock, which is opened first (by ${how})`, (context) => {
    const dir = join(tempDir(), 'ro');
    const path = join(dir, 'runnel.db');
    const undo = readOnlyFolder(dir, () => makeDatabase(path));
    if (typeof undo === 'string') return context.skip(`cannot make a read-only folder here: ${undo}`);
    try {
      const error = openFailure(path);
      expect(error.code).toBe('STORE_READ_ONLY');
      expect(error.message).toMatch(new RegExp(`^${escape(path)}-lock \\(the lock of ${escape(path)}\\) is read-only|^the folder ${escape(dir)} is not writable`));
    } finally {
      undo();
    }
  });

  it(`a writable database in a read-only folder: STORE_READ_ONLY naming the folder (by ${how})`, (context) => {
    const dir = join(tempDir(), 'ro');
    const real = join(tempDir(), 'runnel.db');
    makeDatabase(real);
    const path = join(dir, 'runnel.db');
    const unbind: (() => void)[] = [];
    // As root the file is a writable bind mount of a database elsewhere, over a placeholder in the tmpfs.
    const undo = readOnlyFolder(dir, () => (isRoot ? writeFileSync(path, '') : makeDatabase(path)));
    if (typeof undo === 'string') return context.skip(`cannot make a read-only folder here: ${undo}`);
    try {
      if (isRoot) {
        const refused = mount('--bind', real, path);
        if (refused) return context.skip(`cannot bind a writable file into a read-only folder here: ${refused}`);
        unbind.push(() => execFileSync('umount', [path]));
      }
      const error = openFailure(path);
      expect(error.code).toBe('STORE_READ_ONLY');
      expect(error.message).toMatch(new RegExp(`^the folder ${escape(dir)} is not writable .*, and ${escape(path)} needs files beside it: SQLite's runnel.db-wal`));
    } finally {
      for (const u of unbind) u();
      undo();
    }
  });
});

describe('openForInspect (runnel inspect) on a read-only disk', () => {
  it(`says SQLite needs to create -shm beside a WAL database, and to read a copy (by ${how})`, (context) => {
    const dir = join(tempDir(), 'ro');
    const path = join(dir, 'runnel.db');
    const undo = readOnlyFolder(dir, () => makeDatabase(path));
    if (typeof undo === 'string') return context.skip(`cannot make a read-only folder here: ${undo}`);
    try {
      expect(() => openForInspect(path)).toThrow(
        expect.objectContaining({
          code: 'STORE_READ_ONLY',
          message: expect.stringMatching(
            new RegExp(`^the folder ${escape(dir)} is not writable .*, and SQLite must create runnel.db-shm beside ${escape(path)} to read it \\(WAL mode\\): copy runnel.db`),
          ) as unknown,
        }),
      );
    } finally {
      undo();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
