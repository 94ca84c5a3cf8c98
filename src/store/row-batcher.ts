import type { Database, Statement } from 'better-sqlite3';

/** Rows per statement, largest first: one call into SQLite per up to 64 rows instead of one per row. */
const TIERS = [64, 16, 4, 1] as const;

/**
 * Runs an `INSERT … VALUES (…), (…) …` for many rows with one statement per `64` rows (the
 * per-call cost dominated durable steps): `add` rows, then `flush` before anything that must
 * see them (the rest go 16, 4, then 1 at a time: a QoS 1 group commit holds ~20 rows). `tail`
 * follows the VALUES list (e.g. an `ON CONFLICT`). A transaction that fails between `add` and
 * `flush` must `discard` what was left.
 */
export class RowBatcher {
  /** One prepared statement per tier, in the order of `TIERS`. */
  readonly #statements: readonly Statement[];
  readonly #columns: number;
  #values: unknown[] = [];

  constructor(db: Database, head: string, columns: number, tail = '') {
    const row = `(${Array(columns).fill('?').join(', ')})`;
    this.#statements = TIERS.map((rows) => db.prepare(`${head} VALUES ${Array(rows).fill(row).join(', ')} ${tail}`));
    this.#columns = columns;
  }

  add(...values: unknown[]): void {
    this.#values.push(...values);
    if (this.#values.length === this.#columns * TIERS[0]) this.#statements[0]!.run(this.#take());
  }

  flush(): void {
    const values = this.#take();
    let at = 0;
    for (let t = 0; t < TIERS.length; t++) {
      const size = TIERS[t]! * this.#columns;
      for (; values.length - at >= size; at += size) this.#statements[t]!.run(values.slice(at, at + size));
    }
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
