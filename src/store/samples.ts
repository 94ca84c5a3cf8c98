/**
 * Training samples and labels (tables `samples` and `sample_labels`, migration 5): the rows
 * `writeSamples` and `writeLabels` commit with the step that produced them, and the labelled
 * rows a trainer reads back. A sample's label is either the series' own `target` `horizonMs` later
 * (self-supervised: the same key's row at exactly that event time) or the first label of the same
 * key from a label stream within `withinMs` after the sample.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Store } from './store.js';

/** One training sample: features (in the model's feature order) at a key and event time. */
export interface SampleRecord {
  readonly model: string;
  readonly key: string;
  readonly eventTime: number;
  readonly features: Float32Array;
  /** The series' own value here (a self-supervised label of an earlier row); null when labels come from a stream. */
  readonly target: number | null;
}

/** One label of a label stream, joined to samples by model, key and event time. */
export interface LabelRecord {
  readonly model: string;
  readonly key: string;
  readonly eventTime: number;
  readonly label: number;
}

/** Where a sample's label comes from. */
export type LabelSource =
  /** The same key's `target` exactly `horizonMs` later (h steps of a regular series). */
  | { readonly kind: 'ahead'; readonly horizonMs: number }
  /** The first label of the same key at or after the sample's event time, within `withinMs`. */
  | { readonly kind: 'stream'; readonly withinMs: number };

/** Labelled samples, oldest first: `x` row-major [rows × cols]. */
export interface LabelledSamples {
  readonly x: Float32Array;
  readonly y: Float64Array;
  /** Event time of each row, ms. */
  readonly at: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** Which labelled samples to read. */
export interface LabelledQuery {
  /** The newest this many (default: all). */
  readonly limit?: number;
  /** Only samples with an event time after this, ms. */
  readonly after?: number;
}

/** Caps of the sample tables of one model, like the inbox's: the oldest rows go first. */
export interface SampleCaps {
  readonly maxRows?: number;
  /** Rows whose event time is older than `now - maxAgeMs` are deleted. */
  readonly maxAgeMs?: number;
}

interface Row {
  features: Buffer;
  label: number;
  at: number;
}

/** Reads and writes `samples` and `sample_labels`; every statement on them lives here. */
export class SampleTable {
  readonly #db: Database;
  readonly #insertSample: Statement;
  readonly #insertLabel: Statement;
  readonly #ahead: Statement<[{ span: number; model: string; after: number; limit: number }], Row>;
  readonly #stream: Statement<[{ span: number; model: string; after: number; limit: number }], Row>;

  constructor(store: Store) {
    this.#db = store.db;
    this.#insertSample = this.#db.prepare(
      'INSERT INTO samples (model, key, event_time, features, target, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (model, key, event_time) DO NOTHING',
    );
    this.#insertLabel = this.#db.prepare(
      'INSERT INTO sample_labels (model, key, event_time, label, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (model, key, event_time) DO UPDATE SET label = excluded.label',
    );
    // Newest first (LIMIT), returned oldest first by the caller.
    this.#ahead = this.#db.prepare(`SELECT a.features AS features, b.target AS label, a.event_time AS at
      FROM samples a JOIN samples b ON b.model = a.model AND b.key = a.key AND b.event_time = a.event_time + @span
      WHERE a.model = @model AND a.event_time > @after AND b.target IS NOT NULL
      ORDER BY a.event_time DESC, a.key DESC LIMIT @limit`);
    this.#stream = this.#db.prepare(`SELECT a.features AS features, l.label AS label, a.event_time AS at
      FROM samples a JOIN sample_labels l ON l.model = a.model AND l.key = a.key AND l.event_time = (
        SELECT min(event_time) FROM sample_labels WHERE model = a.model AND key = a.key AND event_time >= a.event_time AND event_time <= a.event_time + @span)
      WHERE a.model = @model AND a.event_time > @after
      ORDER BY a.event_time DESC, a.key DESC LIMIT @limit`);
  }

  /**
   * Writes samples and labels; a sample already stored (same model, key, event time: a step run
   * twice) is left as it was, a label replaces the old one. Returns how many samples were new.
   * Runs inside the caller's transaction when there is one (the step log's).
   */
  add(samples: readonly SampleRecord[], labels: readonly LabelRecord[], now: number): number {
    let added = 0;
    for (const s of samples) {
      const bytes = Buffer.from(s.features.buffer, s.features.byteOffset, s.features.byteLength);
      added += this.#insertSample.run(s.model, s.key, s.eventTime, bytes, s.target, now).changes;
    }
    for (const l of labels) this.#insertLabel.run(l.model, l.key, l.eventTime, l.label, now);
    return added;
  }

  /** The labelled samples of `model` chosen by `query`, oldest first; `cols` is the feature count. */
  labelled(model: string, source: LabelSource, cols: number, query: LabelledQuery = {}): LabelledSamples {
    const statement = source.kind === 'ahead' ? this.#ahead : this.#stream;
    const span = source.kind === 'ahead' ? source.horizonMs : source.withinMs;
    const rows = statement.all({ span, model, after: query.after ?? -Infinity, limit: query.limit ?? -1 }).reverse();
    const x = new Float32Array(rows.length * cols);
    const y = new Float64Array(rows.length);
    const at = new Float64Array(rows.length);
    rows.forEach((row, i) => {
      if (row.features.byteLength !== cols * 4) {
        throw new RangeError(
          `samples of model "${model}": a row has ${row.features.byteLength / 4} features, the model has ${cols}; write the model's samples under a new model name when its features change`,
        );
      }
      x.set(new Float32Array(row.features.buffer.slice(row.features.byteOffset, row.features.byteOffset + row.features.byteLength)), i * cols);
      y[i] = row.label;
      at[i] = row.at;
    });
    return { x, y, at, rows: rows.length, cols };
  }

  /** The id of the newest sample of `model` (0 when none): samples written later have larger ids. */
  newestId(model: string): number {
    return (this.#db.prepare('SELECT coalesce(max(id), 0) AS id FROM samples WHERE model = ?').get(model) as { id: number }).id;
  }

  /** How many samples of `model` have an id above `id`. */
  countAfter(model: string, id: number): number {
    return (this.#db.prepare('SELECT count(*) AS n FROM samples WHERE model = ? AND id > ?').get(model, id) as { n: number }).n;
  }

  /** Samples of `model` stored. */
  size(model: string): number {
    return this.countAfter(model, 0);
  }

  /** Deletes the oldest samples of `model` beyond `caps` at time `now`, and labels older than every sample left; returns the samples deleted. */
  prune(model: string, caps: SampleCaps, now: number): number {
    return this.#db.transaction(() => {
      let deleted = 0;
      if (caps.maxAgeMs !== undefined) {
        deleted += this.#db.prepare('DELETE FROM samples WHERE model = ? AND event_time < ?').run(model, now - caps.maxAgeMs).changes;
        this.#db.prepare('DELETE FROM sample_labels WHERE model = ? AND event_time < ?').run(model, now - caps.maxAgeMs);
      }
      if (caps.maxRows !== undefined) {
        deleted += this.#db
          .prepare('DELETE FROM samples WHERE model = @model AND id NOT IN (SELECT id FROM samples WHERE model = @model ORDER BY event_time DESC, id DESC LIMIT @keep)')
          .run({ model, keep: caps.maxRows }).changes;
      }
      // A label joins samples at or before it: one older than every sample left labels nothing.
      this.#db.prepare('DELETE FROM sample_labels WHERE model = @model AND event_time < (SELECT min(event_time) FROM samples WHERE model = @model)').run({ model });
      return deleted;
    })();
  }
}
