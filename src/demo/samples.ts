/**
 * The demo's training samples, in its own table of the Runnel database (`demo_samples`, created
 * if missing; the store's migrations are not involved). The pipeline writes each window's
 * features to the outbox under the stage `features`; `collect()` moves them here and deletes
 * them from the outbox in one transaction, so none is lost or taken twice. A labelled sample is
 * a window's features with the next window's mean temperature of the same sensor as its label,
 * found by a join when training.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { WindowFeatures } from '../features/window-features.js';
import { decodeJson } from '../store/json-codec.js';
import { OutboxQueue } from '../store/outbox-queue.js';
import type { Store } from '../store/store.js';
import { FEATURES, TARGET, WINDOW_MS } from './model.js';

/** The outbox stage the pipeline writes window features to. */
export const FEATURES_STAGE = 'features';

/** Labelled samples, oldest first: `x` row-major [rows × FEATURES], `y` the next window's mean. */
export interface LabelledSamples {
  readonly x: Float32Array;
  readonly y: Float64Array;
  /** Window end of each row, ms. */
  readonly at: Float64Array;
  readonly rows: number;
}

/** Counts of `collect` over the table's life in this process. */
export interface SampleCounts {
  /** Windows moved from the outbox into the table. */
  windows: number;
  /** Windows that were already there (a window computed twice: should stay 0). */
  duplicates: number;
}

export class SampleTable {
  readonly counts: SampleCounts = { windows: 0, duplicates: 0 };
  readonly #db: Database;
  readonly #queue: OutboxQueue;
  readonly #insert: Statement;
  readonly #recent: Statement<[number, number], { features: string; label: number; at: number }>;
  readonly #move: (limit: number) => number;

  constructor(store: Store) {
    this.#db = store.db;
    this.#db.exec(`CREATE TABLE IF NOT EXISTS demo_samples (
      sensor       TEXT NOT NULL,
      window_start REAL NOT NULL,
      features     TEXT NOT NULL,
      target       REAL NOT NULL,
      PRIMARY KEY (sensor, window_start)
    ) STRICT`);
    this.#queue = new OutboxQueue(store, [FEATURES_STAGE]);
    this.#insert = this.#db.prepare('INSERT INTO demo_samples (sensor, window_start, features, target) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
    // Newest first (LIMIT), returned oldest first.
    this.#recent = this.#db.prepare(`SELECT * FROM (
        SELECT a.features AS features, b.target AS label, a.window_start + ? AS at
        FROM demo_samples a JOIN demo_samples b ON b.sensor = a.sensor AND b.window_start = a.window_start + ${WINDOW_MS}
        ORDER BY a.window_start DESC LIMIT ?
      ) ORDER BY at`);
    this.#move = this.#db.transaction((limit: number) => {
      const rows = this.#queue.after(0, limit);
      this.add(rows.map((row) => decodeJson(row.payload) as WindowFeatures));
      this.#queue.delivered(rows.map((r) => r.id));
      return rows.length;
    });
  }

  /** Stores windows (a window already stored is counted as a duplicate and left as it was). */
  add(windows: readonly WindowFeatures[]): void {
    for (const w of windows) {
      const changes = this.#insert.run(String(w.key), w.windowStart, JSON.stringify(FEATURES.map((f) => w[f])), w[TARGET]).changes;
      if (changes === 1) this.counts.windows++;
      else this.counts.duplicates++;
    }
  }

  /** Moves every window waiting in the outbox into the table; returns how many. */
  collect(): number {
    let moved = 0;
    for (let n = this.#move(5000); n > 0; n = this.#move(5000)) moved += n;
    return moved;
  }

  /** Windows stored in total (all runs). */
  size(): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM demo_samples').get() as { n: number }).n;
  }

  /** The newest `limit` labelled samples, oldest first. */
  labelled(limit: number): LabelledSamples {
    const rows = this.#recent.all(WINDOW_MS, limit);
    const d = FEATURES.length;
    const x = new Float32Array(rows.length * d);
    const y = new Float64Array(rows.length);
    const at = new Float64Array(rows.length);
    rows.forEach((row, i) => {
      x.set(JSON.parse(row.features) as number[], i * d);
      y[i] = row.label;
      at[i] = row.at;
    });
    return { x, y, at, rows: rows.length };
  }

  /** Keeps the newest `keep` windows (bounded disk on a long run); returns how many were deleted. */
  prune(keep: number): number {
    return this.#db.prepare('DELETE FROM demo_samples WHERE rowid NOT IN (SELECT rowid FROM demo_samples ORDER BY window_start DESC LIMIT ?)').run(keep).changes;
  }
}
