import type { Database } from 'better-sqlite3';

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

/** Dead letters of one stage with one reason. */
export interface DeadLetterGroup {
  readonly stage: string;
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
 * A summary of a Runnel database for operators (`runnel inspect`): inbox depth and oldest
 * message per source, dead letters grouped by stage and reason, outbox depth per stage, source
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
        groups: db
          .prepare('SELECT stage, reason, count(*) AS count, max(at) AS lastAt FROM dead_letters GROUP BY stage, reason ORDER BY count DESC, stage, reason LIMIT ?')
          .all(options.maxReasons ?? 20) as DeadLetterGroup[],
      }
    : { total: 0, groups: [] };
  const outbox = tables.has('outbox')
    ? (db.prepare('SELECT stage, count(*) AS rows, min(created_at) AS oldest FROM outbox GROUP BY stage ORDER BY stage').all() as { stage: string; rows: number; oldest: number }[]).map(
        ({ stage, rows, oldest }) => ({ stage, rows, oldestAgeMs: age(oldest)! }),
      )
    : [];
  const offsets = tables.has('offsets')
    ? (db.prepare('SELECT source, checkpoint, updated_at AS updatedAt FROM offsets ORDER BY source').all() as OffsetReport[])
    : [];
  return {
    schemaVersion: db.pragma('user_version', { simple: true }) as number,
    committedSteps: step ? Number(step.value) : 0,
    inbox,
    deadLetters,
    outbox,
    offsets,
  };
}
