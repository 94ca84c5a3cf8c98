import type { Database, Statement } from 'better-sqlite3';

/** Rows per multi-row statement: one call into SQLite per 64 rows instead of one per row. */
const BATCH = 64;

/**
 * Runs an `INSERT … VALUES (…), (…) …` for many rows with one statement per `BATCH` rows (the
 * per-call cost dominated durable steps): `add` rows, then `flush` before anything that must
 * see them (the rest go one by one). `tail` follows the VALUES list (e.g. an `ON CONFLICT`).
 * A transaction that fails between `add` and `flush` must `discard` what was left.
 */
export class RowBatcher {
  readonly #one: Statement;
  readonly #many: Statement;
  readonly #columns: number;
  #values: unknown[] = [];

  constructor(db: Database, head: string, columns: number, tail = '') {
    const row = `(${Array(columns).fill('?').join(', ')})`;
    this.#one = db.prepare(`${head} VALUES ${row} ${tail}`);
    this.#many = db.prepare(`${head} VALUES ${Array(BATCH).fill(row).join(', ')} ${tail}`);
    this.#columns = columns;
  }

  add(...values: unknown[]): void {
    this.#values.push(...values);
    if (this.#values.length === this.#columns * BATCH) this.#many.run(this.#take());
  }

  flush(): void {
    const values = this.#take();
    for (let i = 0; i < values.length; i += this.#columns) this.#one.run(values.slice(i, i + this.#columns));
  }

  /** Forgets rows added since the last flush. */
  discard(): void {
    this.#values = [];
  }

  #take(): unknown[] {
    const values = this.#values;
    this.#values = [];
    return values;
  }
}
