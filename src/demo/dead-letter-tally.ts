/**
 * Dead letters written since a starting point, counted by stage and kind of reason, read
 * incrementally (each call reads only the rows added since the last). Reasons that quote the
 * payload or carry numbers are folded together: a quote holding a digit or longer than 22
 * characters becomes `"…"` (a field name such as `"temp"` stays), and a number `N`.
 */
import { DeadLetters } from '../store/dead-letters.js';
import type { Store } from '../store/store.js';

/** One stage-and-reason group. */
export interface DeadLetterCount {
  readonly stage: string;
  readonly reason: string;
  readonly count: number;
}

/** The kind of a reason: quoted payload text and numbers blanked out. */
export function reasonKind(reason: string): string {
  return reason
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, (quoted) => (quoted.length > 24 || /\d/.test(quoted) ? `${quoted[0]}…${quoted[0]}` : quoted))
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, 'N');
}

export class DeadLetterTally {
  #lastId: number;
  readonly #counts = new Map<string, { stage: string; reason: string; count: number }>();
  readonly #letters: DeadLetters;

  /** Counts rows added from now on. */
  constructor(store: Store) {
    this.#letters = new DeadLetters(store);
    this.#lastId = this.#letters.lastId();
  }

  /** Reads new rows and returns every group, largest first. */
  update(): DeadLetterCount[] {
    for (let rows = this.#letters.after(this.#lastId, 5000); rows.length > 0; rows = this.#letters.after(this.#lastId, 5000)) {
      for (const row of rows) {
        const reason = reasonKind(row.reason);
        const key = `${row.stage}\n${reason}`;
        const group = this.#counts.get(key) ?? { stage: row.stage, reason, count: 0 };
        group.count++;
        this.#counts.set(key, group);
        this.#lastId = row.id;
      }
    }
    return [...this.#counts.values()].sort((a, b) => b.count - a.count).map((g) => ({ ...g }));
  }
}
