/**
 * Dead letters written since a starting point, counted by stage and code, read incrementally
 * (each call reads only the rows added since the last). Each group keeps its latest reason as an
 * example. A row without a code falls back to the kind of its reason (`reasonKind`).
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
  #lastId: number;
  readonly #counts = new Map<string, { stage: string; code: string | null; reason: string; count: number }>();
  readonly #letters: DeadLetterTable;

  /** Counts rows added from now on. */
  constructor(store: Store) {
    this.#letters = new DeadLetterTable(store);
    this.#lastId = this.#letters.lastId();
  }

  /** Reads new rows and returns every group, largest first. */
  update(): DeadLetterCount[] {
    for (let rows = this.#letters.after(this.#lastId, 5000); rows.length > 0; rows = this.#letters.after(this.#lastId, 5000)) {
      for (const row of rows) {
        const key = `${row.stage}\n${row.code ?? reasonKind(row.reason)}`;
        const group = this.#counts.get(key) ?? { stage: row.stage, code: row.code, reason: row.reason, count: 0 };
        group.count++;
        group.reason = row.reason;
        this.#counts.set(key, group);
        this.#lastId = row.id;
      }
    }
    return [...this.#counts.values()].sort((a, b) => b.count - a.count).map((g) => ({ ...g }));
  }
}
