/**
 * Dead letters since a starting point, counted by stage and code. With a store it reads the rows
 * written there incrementally (each `update` reads only the rows added since the last), so the
 * ingest's rejections count too; without one, the caller `add`s what the run rejects. Each group
 * keeps its latest reason as an example. A row without a code falls back to the kind of its
 * reason (`reasonKind`).
 */
import { DeadLetterTable } from '../store/dead-letters.js';
import { reasonKind } from '../store/reason-kind.js';
import type { Store } from '../store/store.js';

/** One stage-and-code group. */
export interface DeadLetterCount {
  readonly stage: string;
  /** The stable code (`BAD_JSON`, `LATE`, …); null for a row written without one. */
  readonly code: string | null;
  /** The latest reason of the group, as an example. */
  readonly reason: string;
  readonly count: number;
}

export class DeadLetterTally {
  #lastId = 0;
  readonly #counts = new Map<string, { stage: string; code: string | null; reason: string; count: number }>();
  readonly #letters: DeadLetterTable | undefined;
  readonly #store: Store | undefined;

  /** Counts rows added to `store` from now on; without a store, what `add` is given. */
  constructor(store?: Store) {
    this.#store = store;
    this.#letters = store && new DeadLetterTable(store);
    this.#lastId = this.#letters?.lastId() ?? 0;
  }

  /** Counts one dead letter (for a tally without a store). */
  add(row: { readonly stage: string; readonly code: string | null; readonly reason: string }): void {
    const key = `${row.stage}\n${row.code ?? reasonKind(row.reason)}`;
    const group = this.#counts.get(key) ?? { stage: row.stage, code: row.code, reason: row.reason, count: 0 };
    group.count++;
    group.reason = row.reason;
    this.#counts.set(key, group);
  }

  /** Reads new rows (with a store that is still open) and returns every group, largest first. */
  update(): DeadLetterCount[] {
    const letters = this.#letters;
    if (letters && this.#store!.db.open) {
      for (let rows = letters.after(this.#lastId, 5000); rows.length > 0; rows = letters.after(this.#lastId, 5000)) {
        for (const row of rows) this.add(row);
        this.#lastId = rows.at(-1)!.id;
      }
    }
    return [...this.#counts.values()].sort((a, b) => b.count - a.count).map((g) => ({ ...g }));
  }
}
