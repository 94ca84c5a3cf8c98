import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { RunnelError } from '../common/errors.js';
import { StoreLock } from './lock.js';
import { isFolder, openFailure, readRootPages } from './open-error.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

/** `NORMAL` survives a killed process; `FULL` also survives a power cut, at an fsync per commit. */
export type Synchronous = 'NORMAL' | 'FULL';

/** Options of `Store.open`. */
export interface StoreOptions {
  /** Default `NORMAL`. */
  synchronous?: Synchronous;
  /** Page cache size in MiB (default 8; device profiles set it). */
  cacheMiB?: number;
}

/**
 * The one SQLite database of a Runnel process (WAL mode): offsets, keyed state, timers,
 * outbox and dead letters. Opening it runs pending migrations; a database written by a newer
 * Runnel is refused. While open, the process holds the database's exclusive lock (`StoreLock`,
 * `<db>-lock`): another process that opens it is refused with `STORE_LOCKED`.
 */
export class Store {
  readonly #lock: StoreLock | undefined;

  private constructor(
    /** The better-sqlite3 connection; transactions must be synchronous. */
    readonly db: Database.Database,
    readonly path: string,
    lock: StoreLock | undefined,
  ) {
    this.#lock = lock;
  }

  /**
   * Opens (creating if needed) the database at `path` and takes its lock. Throws a `RunnelError`
   * `STORE_LOCKED` naming the path (and the holder's PID) when another process has it open; stores
   * of one process share the lock. Read-only tools (`runnel inspect`) do not need it.
   */
  static open(path: string, options: StoreOptions = {}): Store {
    const synchronous = options.synchronous ?? 'NORMAL';
    if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
      throw new TypeError(`Store.open: synchronous must be "NORMAL" or "FULL", got "${String(synchronous)}"`);
    }
    const inMemory = path === ':memory:' || path === '';
    const target = { file: path, database: path };
    // A folder is refused before its lock file would be made beside it.
    if (!inMemory && isFolder(path)) throw openFailure(target, undefined);
    let lock: StoreLock | undefined;
    let db: Database.Database | undefined;
    try {
      if (!inMemory) {
        mkdirSync(dirname(path), { recursive: true });
        // Locked before the database is touched: a refused process must not even migrate it.
        lock = StoreLock.acquire(path);
      }
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${synchronous}`);
      db.pragma(`cache_size = -${Math.round((options.cacheMiB ?? 8) * 1024)}`);
      db.pragma('busy_timeout = 5000');
      migrate(db, path);
      checkOpen(db);
    } catch (error) {
      db?.close();
      lock?.release();
      throw openFailure(target, error);
    }
    return new Store(db, path, lock);
  }

  /** The schema version of the open database. */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** Closes the connection and gives back this store's share of the lock. */
  close(): void {
    if (this.db.open) this.db.close();
    this.#lock?.release();
  }
}

/**
 * Fails now rather than at the first commit: a file SQLite could open only read-only (it falls back
 * silently) cannot take a write lock, and damage to the pages every store reads first.
 */
function checkOpen(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  db.exec('BEGIN IMMEDIATE');
  try {
    db.pragma(`user_version = ${version}`); // a write, rolled back: taking the lock alone succeeds read-only
  } finally {
    db.exec('ROLLBACK');
  }
  readRootPages(db);
}

function migrate(db: Database.Database, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new RunnelError(
      'PIPELINE_INVALID',
      `${path} was written by a newer Runnel (schema version ${current}; this Runnel knows up to ${SCHEMA_VERSION}). ` + `Upgrade Runnel, or point it at another database file.`,
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
