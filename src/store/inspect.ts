import BetterSqlite3, { type Database } from 'better-sqlite3';
import { RunnelError } from '../common/errors.js';
import { SCHEMA_VERSION } from './migrations.js';
import { isFolder, openFailure, readRootPages } from './open-error.js';
import { reasonKind } from './reason-kind.js';

/** One source's buffered messages. */
export interface InboxReport {
  readonly source: string;
  readonly rows: number;
  readonly bytes: number;
  /** Rows deleted by a `dropOldest` cap, ever. */
  readonly dropped: number;
  /** QoS 1 redeliveries recognised by their dedupe key and stored once, ever. */
  readonly duplicates: number;
  /** Age of the oldest buffered row (ms), or null when none is buffered. */
  readonly oldestAgeMs: number | null;
}

/** Dead letters of one stage with one code (rows from before codes: one kind of reason). */
export interface DeadLetterGroup {
  readonly stage: string;
  /** The stable code; null for rows written before schema 4, grouped by `reasonKind` instead. */
  readonly code: string | null;
  /** One reason of the group, as an example: the latest. */
  readonly reason: string;
  readonly count: number;
  /** When the latest of them was rejected (ms since the epoch). */
  readonly lastAt: number;
}

/** Outputs of one stage waiting in the outbox for a sink. */
export interface OutboxReport {
  readonly stage: string;
  readonly rows: number;
  /** How long the oldest has waited (ms). */
  readonly oldestAgeMs: number;
}

/** Where a source of a durable run stands. */
export interface OffsetReport {
  readonly source: string;
  /** The checkpoint as stored (JSON text). */
  readonly checkpoint: string;
  readonly updatedAt: number;
}

/** What `inspectStore` reports. */
export interface StoreReport {
  readonly schemaVersion: number;
  /** Steps committed by durable runs. */
  readonly committedSteps: number;
  readonly inbox: readonly InboxReport[];
  readonly deadLetters: { readonly total: number; readonly groups: readonly DeadLetterGroup[] };
  readonly outbox: readonly OutboxReport[];
  readonly offsets: readonly OffsetReport[];
}

/** Options of `inspectStore`. */
export interface InspectOptions {
  /** Processing time that ages are measured against (default now). */
  readonly now?: number;
  /** Most dead-letter groups listed, largest first (default 20); `total` counts them all. */
  readonly maxReasons?: number;
}

/**
 * Opens the database at `path` read-only for `inspectStore`, without its lock. Refuses with a
 * `RunnelError` that names the file and says what to do: a folder (naming the database inside
 * it), a missing file, a file that is not a database or is damaged, a database from a newer Runnel.
 */
export function openForInspect(path: string): Database {
  const target = { file: path, database: path, readOnly: true };
  // SQLite says "disk I/O error" for a folder.
  if (isFolder(path)) throw openFailure(target, undefined);
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new RunnelError('PIPELINE_INVALID', `${path} was written by a newer Runnel (schema version ${version}; this one knows up to ${SCHEMA_VERSION}): upgrade Runnel`);
    }
    readRootPages(db);
    return db;
  } catch (error) {
    db?.close();
    throw openFailure(target, error);
  }
}

/**
 * A summary of a Runnel database for operators (`runnel inspect`): inbox depth and oldest
 * message per source, dead letters grouped by stage and code, outbox depth per stage, source
 * offsets. Only reads, so it works on a read-only connection while Runnel runs (WAL).
 */
export function inspectStore(db: Database, options: InspectOptions = {}): StoreReport {
  const now = options.now ?? Date.now();
  const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
  const step = tables.has('meta') ? (db.prepare("SELECT value FROM meta WHERE key = 'step'").get() as { value: string } | undefined) : undefined;
  const age = (at: number | null): number | null => (at === null ? null : Math.max(0, now - at));
  const inbox = tables.has('inbox_usage')
    ? (
        db
          .prepare(
            // Rows and bytes are counted (schema 3 keeps no running totals in the file).
            `SELECT u.source, coalesce(i.rows, 0) AS rows, coalesce(i.bytes, 0) AS bytes, u.dropped, u.duplicates,
                    (SELECT arrived_at FROM inbox o WHERE o.source = u.source ORDER BY id LIMIT 1) AS oldest
               FROM inbox_usage u
               LEFT JOIN (SELECT source, count(*) AS rows, sum(size) AS bytes FROM inbox GROUP BY source) i ON i.source = u.source
              ORDER BY u.source`,
          )
          .all() as { source: string; rows: number; bytes: number; dropped: number; duplicates: number; oldest: number | null }[]
      ).map(({ oldest, ...rest }) => ({ ...rest, oldestAgeMs: age(oldest) }))
    : [];
  const deadLetters = tables.has('dead_letters')
    ? {
        total: (db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n,
        groups: deadLetterGroups(db, options.maxReasons ?? 20),
      }
    : { total: 0, groups: [] };
  const outbox = tables.has('outbox')
    ? (
        db.prepare('SELECT stage, count(*) AS rows, min(created_at) AS oldest FROM outbox GROUP BY stage ORDER BY stage').all() as { stage: string; rows: number; oldest: number }[]
      ).map(({ stage, rows, oldest }) => ({ stage, rows, oldestAgeMs: age(oldest)! }))
    : [];
  const offsets = tables.has('offsets') ? (db.prepare('SELECT source, checkpoint, updated_at AS updatedAt FROM offsets ORDER BY source').all() as OffsetReport[]) : [];
  return {
    schemaVersion: db.pragma('user_version', { simple: true }) as number,
    committedSteps: step ? Number(step.value) : 0,
    inbox,
    deadLetters,
    outbox,
    offsets,
  };
}

/**
 * Dead letters by stage and code, largest groups first, each with its latest reason (SQLite gives
 * a bare column the value of the row that `max()` picked). A reason's text varies with the input,
 * so grouping by it split one cause into hundreds of groups. Rows without a code (written before
 * schema 4, or a database not migrated yet) are grouped by the kind of their reason.
 */
function deadLetterGroups(db: Database, max: number): DeadLetterGroup[] {
  const hasCode = db.prepare("SELECT 1 FROM pragma_table_info('dead_letters') WHERE name = 'code'").get() !== undefined;
  type Row = { stage: string; code: string | null; reason: string; count: number; lastAt: number };
  const coded = hasCode
    ? (db.prepare('SELECT stage, code, reason, count(*) AS count, max(at) AS lastAt FROM dead_letters WHERE code IS NOT NULL GROUP BY stage, code').all() as Row[])
    : [];
  const legacy = new Map<string, Row>();
  const uncoded = db.prepare(`SELECT stage, reason, count(*) AS count, max(at) AS lastAt FROM dead_letters ${hasCode ? 'WHERE code IS NULL' : ''} GROUP BY stage, reason`);
  for (const row of uncoded.iterate() as IterableIterator<Omit<Row, 'code'>>) {
    const key = `${row.stage}\n${reasonKind(row.reason)}`;
    const group = legacy.get(key);
    if (group === undefined) legacy.set(key, { ...row, code: null });
    else {
      group.count += row.count;
      if (row.lastAt > group.lastAt) Object.assign(group, { lastAt: row.lastAt, reason: row.reason });
    }
  }
  return [...coded, ...legacy.values()]
    .sort((a, b) => b.count - a.count || a.stage.localeCompare(b.stage) || (a.code ?? '').localeCompare(b.code ?? '') || a.reason.localeCompare(b.reason))
    .slice(0, max);
}
