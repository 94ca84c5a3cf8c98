import type { Statement } from 'better-sqlite3';
import type { DeadLetterCode } from '../common/dead-letter-codes.js';
import { encodeJson } from './json-codec.js';
import type { Store } from './store.js';

/** A rejected input, as the `dead_letters` table keeps it. */
export interface DeadLetterRecord {
  /** The stage (or source) that rejected it. */
  readonly stage: string;
  /** Why, in words a user understands. */
  readonly reason: string;
  /** Why, as a stable code to group by (`BAD_JSON`, `LATE`, …); rows written before schema 4 have none. */
  readonly code?: DeadLetterCode | undefined;
  /** The rejected value (encoded with Runnel's JSON; anything it cannot encode is kept as its string). */
  readonly payload: unknown;
  /** Its event time, when it had one. */
  readonly eventTime?: number | undefined;
  /** When it was rejected (ms since the epoch). */
  readonly at: number;
}

/** A dead letter as listed: id, stage, code and reason. */
export interface DeadLetterSummary {
  readonly id: number;
  readonly stage: string;
  /** Null for rows written before schema 4. */
  readonly code: string | null;
  readonly reason: string;
}

/**
 * The `dead_letters` table: the one place rejected input is written (by the inbox, a durable
 * step, an outbox sink) and listed. Writes join the caller's transaction when there is one.
 */
export class DeadLetterTable {
  readonly #insert: Statement;
  readonly #fromOutbox: Statement;
  readonly #after: Statement;
  readonly #lastId: Statement;

  constructor(store: Store) {
    const db = store.db;
    this.#insert = db.prepare('INSERT INTO dead_letters (stage, reason, code, payload, event_time, at) VALUES (?, ?, ?, ?, ?, ?)');
    this.#fromOutbox = db.prepare('INSERT INTO dead_letters (stage, reason, code, payload, event_time, at) SELECT ?, ?, ?, payload, event_time, ? FROM outbox WHERE id = ?');
    this.#after = db.prepare('SELECT id, stage, code, reason FROM dead_letters WHERE id > ? ORDER BY id LIMIT ?');
    this.#lastId = db.prepare('SELECT coalesce(max(id), 0) AS id FROM dead_letters');
  }

  /** Writes one dead letter. */
  add(letter: DeadLetterRecord): void {
    this.#insert.run(letter.stage, letter.reason, letter.code ?? null, safeJson(letter.payload), letter.eventTime ?? null, letter.at);
  }

  /** Copies outbox row `outboxId` (its payload and event time) into a dead letter; the caller deletes the row. */
  addFromOutbox(outboxId: number, stage: string, reason: string, code: DeadLetterCode, at: number): void {
    this.#fromOutbox.run(stage, reason, code, at, outboxId);
  }

  /** Up to `limit` dead letters with an id above `afterId`, oldest first. */
  after(afterId: number, limit: number): DeadLetterSummary[] {
    return this.#after.all(afterId, limit) as DeadLetterSummary[];
  }

  /** The id of the newest dead letter (0 when there is none). */
  lastId(): number {
    return (this.#lastId.get() as { id: number }).id;
  }
}

/** Runnel's JSON of `value`, or its string when it cannot be encoded (a dead letter must never fail to write). */
function safeJson(value: unknown): string {
  try {
    return encodeJson(value) ?? 'null';
  } catch {
    return JSON.stringify(String(value));
  }
}
