import type { Statement } from 'better-sqlite3';
import type { Store } from './store.js';

/**
 * Rows a reader has handed to the runner and not yet seen committed: `(afterId, throughId]`,
 * how many crashes that range has survived, and the range still read one row at a time because a
 * crash happened somewhere inside it.
 */
export interface ReadMarker {
  readonly afterId: number;
  readonly throughId: number;
  readonly rows: number;
  readonly crashes: number;
  /** Rows up to this id are read one at a time (a crash happened while they were in flight). */
  readonly suspectThrough: number;
}

/**
 * Per-reader markers in the `meta` table, written in their own transaction before the rows they
 * name are processed, so that after a crash the next start knows which rows were in flight.
 */
export class ReadMarkers {
  readonly #get: Statement<[string], { value: string }>;
  readonly #set: Statement<[string, string]>;
  readonly #clear: Statement<[string]>;

  constructor(store: Store) {
    const db = store.db;
    this.#get = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.#set = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.#clear = db.prepare('DELETE FROM meta WHERE key = ?');
  }

  /** The marker of reader `name`, if it left one. */
  get(name: string): ReadMarker | undefined {
    const row = this.#get.get(key(name));
    return row ? (JSON.parse(row.value) as ReadMarker) : undefined;
  }

  /** Records what reader `name` is about to hand over (committed at once). */
  set(name: string, marker: ReadMarker): void {
    this.#set.run(key(name), JSON.stringify(marker));
  }

  /** Forgets reader `name`'s marker (it closed cleanly). */
  clear(name: string): void {
    this.#clear.run(key(name));
  }
}

const key = (name: string): string => `reading:${name}`;
