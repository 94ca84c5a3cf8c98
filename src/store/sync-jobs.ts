/**
 * The model sync queue's tables (migrations 6 and 7): `sync_queue`, one row per push, pull,
 * report, announcement or fleet document until it is done, and `sync_known`, the version of each
 * model this device last had from (or gave to) the remote. The retry policy and the calls to the remote live in
 * `sync/sync-queue.ts`; this file holds its SQL.
 */
import type { Statement } from 'better-sqlite3';
import type { Store } from './store.js';

/** What a job does. */
export type SyncJobKind = 'push' | 'pull' | 'report' | 'announce' | 'document';

/** A job to queue. */
export interface NewSyncJob {
  readonly kind: SyncJobKind;
  /** The model name (a device id for a report, `fleet/<model>/<device>` for a document). */
  readonly name: string;
  /** The model's bytes (push), the report (report), the document's body as JSON (document). */
  readonly body?: Uint8Array;
  /** JSON the job needs besides its body (a push's details and push id). */
  readonly details?: string;
}

/** A queued job as read back. */
export interface SyncJob extends NewSyncJob {
  readonly id: number;
  /** Attempts started so far (one that a crash interrupted counts too). */
  readonly attempts: number;
  /** Not run before this time, ms since the epoch. */
  readonly dueAt: number;
  readonly lastError: string | undefined;
  readonly createdAt: number;
  /** Bumped when a newer job replaced this one's body: `done` then keeps the row for another run. */
  readonly revision: number;
}

/** The version of a model this device last pulled or pushed. */
export interface KnownVersion {
  readonly version: number;
  readonly sha256: string;
}

/** A model's version as `sync_known` stores it. */
type Known = { readonly model: string; readonly version: KnownVersion; readonly at: number };

interface Row {
  id: number;
  kind: SyncJobKind;
  name: string;
  body: Buffer | null;
  details: string | null;
  attempts: number;
  dueAt: number;
  lastError: string | null;
  createdAt: number;
  revision: number;
}

const toJob = (r: Row): SyncJob => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  ...(r.body === null ? {} : { body: new Uint8Array(r.body) }),
  ...(r.details === null ? {} : { details: r.details }),
  attempts: r.attempts,
  dueAt: r.dueAt,
  lastError: r.lastError ?? undefined,
  createdAt: r.createdAt,
  revision: r.revision,
});

/** The sync tables of one store. */
export class SyncJobs {
  readonly #insert: Statement;
  readonly #due: Statement;
  readonly #all: Statement;
  readonly #delete: Statement;
  readonly #started: Statement;
  readonly #failed: Statement;
  readonly #known: Statement;
  readonly #setKnown: Statement;
  readonly #finish: (job: SyncJob, known: Known | undefined, next: NewSyncJob | undefined, at: number) => void;

  constructor(store: Store) {
    const db = store.db;
    // A waiting pull, report, announcement or document is replaced by a newer one, which is due at once.
    this.#insert = db.prepare(
      `INSERT INTO sync_queue (kind, name, body, details, due_at, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, name) WHERE kind <> 'push' DO UPDATE
         SET body = excluded.body, details = excluded.details, due_at = min(due_at, excluded.due_at), revision = revision + 1
       RETURNING id`,
    );
    const columns = 'id, kind, name, body, details, attempts, due_at AS dueAt, last_error AS lastError, created_at AS createdAt, revision';
    this.#due = db.prepare(`SELECT ${columns} FROM sync_queue WHERE due_at <= ? ORDER BY id LIMIT ?`);
    this.#all = db.prepare(`SELECT ${columns} FROM sync_queue ORDER BY id`);
    this.#delete = db.prepare('DELETE FROM sync_queue WHERE id = ? AND revision = ?');
    this.#started = db.prepare('UPDATE sync_queue SET attempts = attempts + 1, due_at = ? WHERE id = ?');
    this.#failed = db.prepare('UPDATE sync_queue SET last_error = ? WHERE id = ?');
    this.#known = db.prepare('SELECT version, sha256 FROM sync_known WHERE model = ?');
    this.#setKnown = db.prepare(
      'INSERT INTO sync_known (model, version, sha256, at) VALUES (?, ?, ?, ?) ON CONFLICT (model) DO UPDATE SET version = excluded.version, sha256 = excluded.sha256, at = excluded.at',
    );
    this.#finish = db.transaction((job: SyncJob, known: Known | undefined, next: NewSyncJob | undefined, at: number) => {
      this.#delete.run(job.id, job.revision);
      if (known) this.#setKnown.run(known.model, known.version.version, known.version.sha256, known.at);
      if (next) this.#add(next, at);
    });
  }

  /** Queues `job`, due at `at`; returns its row id (the waiting row's, when one was replaced). */
  add(job: NewSyncJob, at: number): number {
    return this.#add(job, at);
  }

  #add(job: NewSyncJob, at: number): number {
    return (this.#insert.get(job.kind, job.name, job.body ?? null, job.details ?? null, at, at) as { id: number }).id;
  }

  /** Up to `limit` jobs due at `now`, oldest first. */
  due(now: number, limit: number): SyncJob[] {
    return (this.#due.all(now, limit) as Row[]).map(toJob);
  }

  /** Every waiting job, oldest first. */
  all(): SyncJob[] {
    return (this.#all.all() as Row[]).map(toJob);
  }

  /**
   * Deletes a done job, in one transaction with what it settled: the version this device now has
   * of a model (`known`) and the job that follows it (`next`, e.g. the announcement of a push).
   */
  done(job: SyncJob, at: number, settled: { known?: { model: string; version: KnownVersion }; next?: NewSyncJob } = {}): void {
    this.#finish(job, settled.known && { ...settled.known, at }, settled.next, at);
  }

  /**
   * Counts an attempt as it starts and sets when to try again should it fail, so an attempt that
   * a crash interrupts is counted and retried after its backoff like one that failed.
   */
  started(id: number, retryAt: number): void {
    this.#started.run(retryAt, id);
  }

  /** Keeps why the attempt failed (it stays due at the time `started` set). */
  failed(id: number, error: string): void {
    this.#failed.run(error, id);
  }

  /** Records `version` as the one of `model` this device has. */
  know(model: string, version: KnownVersion, at: number): void {
    this.#setKnown.run(model, version.version, version.sha256, at);
  }

  /** The version of `model` this device last pulled or pushed, if any. */
  known(model: string): KnownVersion | undefined {
    return this.#known.get(model) as KnownVersion | undefined;
  }
}
