import type { Statement } from 'better-sqlite3';
import type { DeadLetterCode } from '../common/dead-letter-codes.js';
import { DeadLetterTable } from './dead-letters.js';
import { isDiskFull } from './disk-full.js';
import type { Store } from './store.js';

/** One row of the outbox, as a sink reads it. */
export interface OutboxRow {
  /** Row id: increases in commit order, so reading by id keeps the outputs' order. */
  readonly id: number;
  /** Stable across retries and restarts (`stage:step:n`): consumers drop duplicates by it. */
  readonly outputId: string;
  readonly stage: string;
  /** The value in Runnel's JSON (`encodeJson`). */
  readonly payload: string;
  readonly eventTime: number;
}

/** An outbox row a sink could not deliver, with why. */
export interface Undeliverable {
  readonly id: number;
  readonly stage: string;
  readonly reason: string;
  /** The dead letter's code (default `UNDELIVERABLE`). */
  readonly code?: DeadLetterCode;
}

/**
 * The outbox as a sink consumes it: rows in commit order, deleted only once delivered.
 * Undeliverable rows (a value the sink cannot encode, a topic the broker refuses) move to
 * dead letters in the same transaction that deletes them, so nothing vanishes silently.
 *
 * On a full disk (SQLITE_FULL) even a delete can fail: SQLite writes it to the WAL first. Such
 * rows are kept here, hidden from `after` and `depth` (so they are not sent again), and their
 * delete or move is retried, whole, at every later call until space returns.
 */
export class OutboxQueue {
  readonly #after: Statement;
  readonly #selectArgs: (afterId: number, limit: number) => unknown[];
  readonly #settle: (ids: readonly number[], rejected: readonly Rejected[]) => void;
  readonly #depth: Statement;
  readonly #stagesArgs: unknown[];
  /** Delivered rows not deleted yet, and undeliverable rows not moved yet: the disk was full. */
  #unsettled: { ids: number[]; rejected: Rejected[] } = { ids: [], rejected: [] };
  readonly #hidden = new Set<number>();

  /** `stages`: the outbox stages this queue serves (all when omitted). */
  constructor(store: Store, stages?: readonly string[]) {
    const db = store.db;
    if (stages !== undefined && stages.length === 0) throw new RangeError('OutboxQueue: stages must name at least one stage, or be omitted for all');
    const stageFilter = stages ? `AND stage IN (SELECT value FROM json_each(?))` : '';
    this.#after = db.prepare(`SELECT id, output_id AS outputId, stage, payload, event_time AS eventTime FROM outbox WHERE id > ? ${stageFilter} ORDER BY id LIMIT ?`);
    const stageJson = stages ? JSON.stringify(stages) : undefined;
    this.#selectArgs = (afterId, limit) => (stageJson === undefined ? [afterId, limit] : [afterId, stageJson, limit]);
    this.#depth = db.prepare(`SELECT count(*) AS n FROM outbox WHERE 1 ${stageFilter}`);
    this.#stagesArgs = stageJson === undefined ? [] : [stageJson];
    const remove = db.prepare('DELETE FROM outbox WHERE id = ?');
    // One statement per delivered group, not one per row: the ids travel as one JSON array.
    const removeMany = db.prepare<[string]>('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))');
    const deadLetters = new DeadLetterTable(store);
    this.#settle = db.transaction((ids: readonly number[], rejected: readonly Rejected[]) => {
      if (ids.length > 0) removeMany.run(JSON.stringify(ids));
      for (const row of rejected) {
        deadLetters.addFromOutbox(row.id, row.stage, row.reason, row.code ?? 'UNDELIVERABLE', row.at);
        remove.run(row.id);
      }
    });
  }

  /** Up to `limit` rows with an id above `afterId`, oldest first. */
  after(afterId: number, limit: number): OutboxRow[] {
    this.#retry();
    const rows = this.#after.all(...this.#selectArgs(afterId, limit)) as OutboxRow[];
    return this.#hidden.size === 0 ? rows : rows.filter((row) => !this.#hidden.has(row.id));
  }

  /** Rows waiting to be delivered. */
  depth(): number {
    this.#retry();
    return (this.#depth.get(...this.#stagesArgs) as { n: number }).n - this.#hidden.size;
  }

  /** Deletes delivered rows, in one statement. */
  delivered(ids: readonly number[]): void {
    if (ids.length > 0) this.#settleNow(ids, []);
  }

  /** Moves rows that can never be delivered to dead letters, in one transaction. */
  undeliverable(rows: readonly Undeliverable[], at: number): void {
    if (rows.length > 0)
      this.#settleNow(
        [],
        rows.map((row) => ({ ...row, at })),
      );
  }

  /** Settles these rows with those a full disk held back, in one transaction; holds them all while the disk is full. */
  #settleNow(ids: readonly number[], rejected: readonly Rejected[]): void {
    const all = { ids: [...this.#unsettled.ids, ...ids], rejected: [...this.#unsettled.rejected, ...rejected] };
    try {
      this.#settle(all.ids, all.rejected);
    } catch (error) {
      if (!isDiskFull(error)) throw error;
      this.#unsettled = all;
      for (const id of ids) this.#hidden.add(id);
      for (const row of rejected) this.#hidden.add(row.id);
      return;
    }
    this.#unsettled = { ids: [], rejected: [] };
    this.#hidden.clear();
  }

  #retry(): void {
    if (this.#hidden.size > 0) this.#settleNow([], []);
  }
}

/** An undeliverable row with the time it was found so. */
type Rejected = Undeliverable & { readonly at: number };

/** One committed output with everything stored with it (`committedOutputs`). */
export interface CommittedOutput {
  readonly outputId: string;
  readonly stage: string;
  /** The output value as stored (Runnel's JSON). */
  readonly payload: string;
  readonly eventTime: number;
  readonly window: string;
  readonly pane: string;
}

/** Every row of the outbox in commit order, with window and pane: what a durable run committed. */
export function committedOutputs(store: Store): CommittedOutput[] {
  return store.db.prepare('SELECT output_id AS outputId, stage, payload, event_time AS eventTime, window, pane FROM outbox ORDER BY id').all() as CommittedOutput[];
}
