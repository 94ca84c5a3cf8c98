/** How many decoded records wait for the pipeline at most; older ones are decoded again from their row. */
const KEPT = 10_000;

/**
 * Records the ingest decoded, by inbox row id, handed to the pipeline's inbox reader so it
 * need not decode the same payload again. Only committed rows are put here (a rolled-back id
 * may be reused); each record is taken once, and the reader decodes rows it does not find
 * (after a restart, or when it lags more than `KEPT` rows behind).
 */
export class RecentRecords {
  readonly #records = new Map<number, Record<string, unknown>>();

  /** Keeps the record of committed row `id` (ids grow in commit order). */
  put(id: number, record: Record<string, unknown>): void {
    this.#records.set(id, record);
    if (this.#records.size > KEPT) this.#records.delete(this.#records.keys().next().value!);
  }

  /** The record of row `id`, if kept; forgets it and every row before it. */
  take(id: number): Record<string, unknown> | undefined {
    const record = this.#records.get(id);
    for (const key of this.#records.keys()) {
      if (key > id) break;
      this.#records.delete(key);
    }
    return record;
  }
}
