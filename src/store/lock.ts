/**
 * The exclusive lock a `Store` holds on its database while it is open, so that a second Runnel
 * process on the same file is refused at open instead of running the same input again (two demos
 * on one folder: the second died on `UNIQUE constraint failed: outbox.output_id`, the first emitted
 * duplicate windows).
 *
 * The lock is SQLite's own: a small database beside the store, `<db>-lock`, on which the holder
 * keeps a write transaction open (`BEGIN IMMEDIATE`, SQLite's RESERVED lock, an OS byte-range
 * lock). A second process cannot begin one and is told so at once (busy timeout 0). The OS drops
 * the lock when the holder's process ends in any way, SIGKILL and power loss included, so a crash
 * never blocks the next start and no stale-lock cleanup is needed; the PID the holder records in
 * the lock database is only for the message. Readers are not blocked: a reserved lock lets others
 * read, and `runnel inspect` reads the store itself, not the lock.
 *
 * The lock belongs to the process: every `Store` a process opens on one file shares it (the
 * embedded broker's `power` durability opens a second connection; tests open several stores), and
 * it is released when the last of them closes.
 */
import { existsSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { RunnelError } from '../common/errors.js';
import { openFailure } from './open-error.js';

/** The process that holds a lock, as it recorded itself. */
interface Holder {
  readonly pid: number;
  readonly host: string;
  readonly since: number;
}

/** Locks this process holds, by lock-file path, with how many open stores share each. */
const held = new Map<string, { readonly db: Database.Database; users: number }>();

/** This process's share of the lock on one database file; `release()` once when the store closes. */
export class StoreLock {
  #released = false;

  private constructor(
    /** The lock database beside the store (`<db>-lock`). */
    readonly path: string,
  ) {}

  /**
   * Takes the lock of the database at `databasePath` (whose folder exists), or a share of it when
   * this process holds it already. Throws a `STORE_LOCKED` `RunnelError` when another process does,
   * and one saying why (a read-only folder, a lock file that is not a database) when it cannot be opened.
   */
  static acquire(databasePath: string): StoreLock {
    const path = lockPathOf(databasePath);
    const mine = held.get(path);
    if (mine) {
      mine.users++;
      return new StoreLock(path);
    }
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { timeout: 0 });
      if (!begin(db)) throw lockedError(databasePath, holderOf(db));
      db.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, host TEXT NOT NULL, since INTEGER NOT NULL)');
      db.prepare('INSERT OR REPLACE INTO holder (id, pid, host, since) VALUES (1, ?, ?, ?)').run(process.pid, hostname(), Date.now());
      db.exec('COMMIT');
      // Between the commit and this begin another process may take the lock; then it is that one's
      // (the row is still this process's own: the other has not written its row yet).
      if (!begin(db)) throw lockedError(databasePath, undefined);
    } catch (error) {
      db?.close();
      throw openFailure({ file: path, database: databasePath }, error);
    }
    held.set(path, { db, users: 1 });
    return new StoreLock(path);
  }

  /** Gives this share back; the lock itself is released when the process's last share is. */
  release(): void {
    if (this.#released) return;
    this.#released = true;
    const lock = held.get(this.path);
    if (!lock || --lock.users > 0) return;
    held.delete(this.path);
    lock.db.exec('ROLLBACK');
    lock.db.close();
  }
}

/**
 * `<db>-lock` beside the real database file, so that every path to one file (relative, through a
 * symbolic link) finds the same lock. The file stays after release: deleting it while a process
 * holds it would let the next process lock a new file.
 */
function lockPathOf(databasePath: string): string {
  const real = existsSync(databasePath) ? realpathSync(databasePath) : join(realpathSync(dirname(databasePath)), basename(databasePath));
  return `${real}-lock`;
}

/** Begins the transaction that holds the lock; false when another process holds it. */
function begin(db: Database.Database): boolean {
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (error) {
    if (error instanceof Database.SqliteError && (error.code === 'SQLITE_BUSY' || error.code === 'SQLITE_LOCKED')) return false;
    throw error;
  }
}

/** Who holds the lock, when it says so and is still alive (the row may be a dead holder's). */
function holderOf(db: Database.Database): Holder | undefined {
  let holder: Holder | undefined;
  try {
    holder = db.prepare('SELECT pid, host, since FROM holder WHERE id = 1').get() as Holder | undefined;
  } catch {
    return undefined; // the holder is committing its row, or this is its first start: no row yet
  }
  if (!holder || holder.host !== hostname()) return holder;
  try {
    process.kill(holder.pid, 0);
    return holder;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? holder : undefined;
  }
}

function lockedError(databasePath: string, holder: Holder | undefined): RunnelError {
  const who =
    holder === undefined
      ? 'another Runnel process'
      : holder.pid === process.pid && holder.host === hostname()
        ? `another thread of this process (PID ${holder.pid})`
        : `another Runnel process (PID ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`}, since ${new Date(holder.since).toISOString()})`;
  return new RunnelError(
    'STORE_LOCKED',
    `${databasePath} is in use by ${who}: two processes on one database would both run the same input. ` +
      `Stop that process first (if it died, its lock is already gone: start again), or give this one its own database ` +
      `(runnel demo --dir <another folder>). Reading is fine meanwhile: runnel inspect ${databasePath}`,
  );
}
