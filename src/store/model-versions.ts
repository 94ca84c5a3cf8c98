/**
 * The model versions table (`model_versions`, migration 5): every version of a model a device
 * trained or was given, with its ONNX bytes, the preprocessing statistics it was trained with,
 * its metrics, training window, parent (the champion it was measured against) and status with
 * the reason. A version is inserted whole in one transaction, and a promotion or rollback
 * changes both rows in one, so after a crash the champion is always a whole version.
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Store } from './store.js';

/** Where a version stands: serving, being tried, turned down, or replaced. */
export type VersionStatus = 'champion' | 'challenger' | 'rejected' | 'retired';

/** A new version, before the table numbers it. */
export interface NewVersion {
  readonly model: string;
  /** The champion it was measured against (undefined for a first version). */
  readonly parent?: number | undefined;
  readonly status: VersionStatus;
  readonly reason: string;
  readonly onnx: Uint8Array;
  /** The fitted preprocessing statistics the model was trained with (JSON data). */
  readonly preprocessing: unknown;
  readonly metrics: Readonly<Record<string, number>>;
  readonly trainedRows: number;
  readonly trainedFrom?: number | undefined;
  readonly trainedTo?: number | undefined;
  /** Id of the newest sample when it was trained (`SampleTable.newestId`). */
  readonly lastSample: number;
}

/** A stored version. */
export interface ModelVersion extends Omit<NewVersion, 'trainedFrom' | 'trainedTo' | 'parent'> {
  readonly version: number;
  readonly parent: number | undefined;
  readonly sha256: string;
  readonly trainedFrom: number | undefined;
  readonly trainedTo: number | undefined;
  readonly createdAt: number;
  readonly promotedAt: number | undefined;
  readonly changedAt: number;
}

interface Row {
  model: string;
  version: number;
  parent: number | null;
  status: VersionStatus;
  reason: string;
  onnx: Buffer;
  sha256: string;
  preprocessing: string;
  metrics: string;
  trained_rows: number;
  trained_from: number | null;
  trained_to: number | null;
  last_sample: number;
  created_at: number;
  promoted_at: number | null;
  changed_at: number;
}

const opt = (v: number | null): number | undefined => (v === null ? undefined : v);

function fromRow(r: Row): ModelVersion {
  return {
    model: r.model,
    version: r.version,
    parent: opt(r.parent),
    status: r.status,
    reason: r.reason,
    onnx: new Uint8Array(r.onnx.buffer, r.onnx.byteOffset, r.onnx.byteLength),
    sha256: r.sha256,
    preprocessing: JSON.parse(r.preprocessing) as unknown,
    metrics: JSON.parse(r.metrics) as Record<string, number>,
    trainedRows: r.trained_rows,
    trainedFrom: opt(r.trained_from),
    trainedTo: opt(r.trained_to),
    lastSample: r.last_sample,
    createdAt: r.created_at,
    promotedAt: opt(r.promoted_at),
    changedAt: r.changed_at,
  };
}

/** Reads and changes `model_versions`; every statement on it lives here. */
export class ModelVersionTable {
  readonly #db: Database;

  /** On an open store, or a read-only connection (`runnel models list` beside a running job). */
  constructor(store: Pick<Store, 'db'>) {
    this.#db = store.db;
  }

  /** The number the next `insert` of `model` gets (one writer per model); numbers of deleted versions are never reused. */
  nextVersion(model: string): number {
    const row = this.#db
      .prepare(
        "SELECT max(coalesce((SELECT max(version) FROM model_versions WHERE model = @model), 0), coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'model_version:' || @model), 0)) + 1 AS v",
      )
      .get({ model }) as { v: number };
    return row.v;
  }

  /** Stores a new version as the next number of its model (a champion replaces none: use `promote`). */
  insert(v: NewVersion, now: number): ModelVersion {
    return this.#db.transaction(() => {
      const version = this.nextVersion(v.model);
      this.#db
        .prepare(
          `INSERT INTO model_versions (model, version, parent, status, reason, onnx, sha256, preprocessing, metrics, trained_rows, trained_from, trained_to, last_sample, created_at, promoted_at, changed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          v.model,
          version,
          v.parent ?? null,
          v.status,
          v.reason,
          Buffer.from(v.onnx.buffer, v.onnx.byteOffset, v.onnx.byteLength),
          createHash('sha256').update(v.onnx).digest('hex'),
          JSON.stringify(v.preprocessing ?? null),
          JSON.stringify(v.metrics),
          v.trainedRows,
          v.trainedFrom ?? null,
          v.trainedTo ?? null,
          v.lastSample,
          now,
          v.status === 'champion' ? now : null,
          now,
        );
      this.#db.prepare("INSERT INTO meta (key, value) VALUES ('model_version:' || ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(v.model, String(version));
      return this.get(v.model, version)!;
    })();
  }

  get(model: string, version: number): ModelVersion | undefined {
    const row = this.#db.prepare('SELECT * FROM model_versions WHERE model = ? AND version = ?').get(model, version) as Row | undefined;
    return row && fromRow(row);
  }

  /** The version serving now, if any. */
  champion(model: string): ModelVersion | undefined {
    const row = this.#db.prepare("SELECT * FROM model_versions WHERE model = ? AND status = 'champion'").get(model) as Row | undefined;
    return row && fromRow(row);
  }

  /** Every version of `model` (or of every model), oldest first. */
  list(model?: string): ModelVersion[] {
    const rows = (
      model === undefined
        ? this.#db.prepare('SELECT * FROM model_versions ORDER BY model, version').all()
        : this.#db.prepare('SELECT * FROM model_versions WHERE model = ? ORDER BY version').all(model)
    ) as Row[];
    return rows.map(fromRow);
  }

  /** Sets a version's status and reason (not to champion: use `promote`). */
  setStatus(model: string, version: number, status: Exclude<VersionStatus, 'champion'>, reason: string, now: number): void {
    const changes = this.#db
      .prepare('UPDATE model_versions SET status = ?, reason = ?, changed_at = ? WHERE model = ? AND version = ?')
      .run(status, reason, now, model, version).changes;
    if (changes === 0) throw missing(model, version);
  }

  /**
   * Makes `version` the champion and the current champion `previous` ('retired' after a normal
   * promotion, 'rejected' after a rollback), with their reasons, in one transaction.
   */
  promote(model: string, version: number, reason: string, previous: { readonly status: 'retired' | 'rejected'; readonly reason: string }, now: number): void {
    this.#db.transaction(() => {
      const current = this.champion(model);
      if (current?.version === version) return;
      if (!this.get(model, version)) throw missing(model, version);
      if (current) this.setStatus(model, current.version, previous.status, previous.reason, now);
      this.#db
        .prepare("UPDATE model_versions SET status = 'champion', reason = ?, promoted_at = ?, changed_at = ? WHERE model = ? AND version = ?")
        .run(reason, now, now, model, version);
    })();
  }

  /**
   * Deletes the oldest versions of `model` until at most `keep` are left, never one in `protect`
   * (the champion, its parent for a rollback, a challenger being tried); returns the versions deleted.
   */
  prune(model: string, keep: number, protect: readonly number[]): number[] {
    return this.#db.transaction(() => {
      const versions = this.list(model).map((v) => v.version);
      const deletable = versions.filter((v) => !protect.includes(v));
      const excess = Math.max(0, versions.length - keep);
      const doomed = deletable.slice(0, excess);
      const remove = this.#db.prepare('DELETE FROM model_versions WHERE model = ? AND version = ?');
      for (const v of doomed) remove.run(model, v);
      return doomed;
    })();
  }
}

function missing(model: string, version: number): RangeError {
  return new RangeError(`model "${model}" has no version ${version} in the store; see runnel models list`);
}
