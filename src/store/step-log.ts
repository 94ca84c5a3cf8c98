import type { Statement } from 'better-sqlite3';
import { DeadLetterTable, type DeadLetterRecord } from './dead-letters.js';
import { decodeJson, encodeJson } from './json-codec.js';
import { RowBatcher } from './row-batcher.js';
import { SampleTable, type LabelRecord, type SampleRecord } from './samples.js';
import type { Store } from './store.js';

/** A serialised keyed-state entry of a stage; `value: null` deletes it. */
export interface StateRow {
  readonly window: string;
  readonly key: string;
  readonly value: string | null;
}

/** An output of a step, bound for the outbox. */
export interface OutputRecord {
  readonly stage: string;
  readonly value: unknown;
  readonly timestamp: number;
  readonly window: { readonly id: string };
  readonly pane: unknown;
}

/** Everything one step of a durable run changed, to commit at once. */
export interface StepChanges {
  readonly sources: readonly { readonly name: string; readonly checkpoint: unknown }[];
  readonly state: readonly { readonly stage: string; readonly entries: readonly StateRow[] }[];
  readonly outbox: readonly OutputRecord[];
  readonly deadLetters: readonly (Omit<DeadLetterRecord, 'eventTime'> & { readonly timestamp?: number })[];
  /** Training samples and labels (`writeSamples`, `writeLabels`); absent: none. */
  readonly training?: readonly ((SampleRecord & { readonly table: 'samples' }) | (LabelRecord & { readonly table: 'labels' }))[];
}

/**
 * What a database remembers of the pipeline that wrote it: the names its checkpoints and state are
 * filed under, sorted. A durable run finds its sources' checkpoints and its stages' state by them.
 */
export interface PipelineShape {
  readonly sources: readonly string[];
  /** Stages that keep state (windows, keyed state, timers, the watermark they have seen). */
  readonly stages: readonly string[];
}

/** What a durable run resumes from. */
export interface Restored {
  readonly checkpoints: ReadonlyMap<string, unknown>;
  readonly state: ReadonlyMap<string, StateRow[]>;
  /** Steps committed so far. */
  readonly step: number;
  /** The pipeline recorded with the first commit; absent for a new database or one written before Runnel recorded it. */
  readonly pipeline?: PipelineShape;
}

/**
 * A durable run's log of steps: loads its checkpoint and commits each step in one SQLite
 * transaction — source offsets, state changes, outbox rows (each with its stable id
 * `stage:step:n`), dead letters and the step number. A crash between commits loses only the
 * uncommitted step, which is read again from the sources on restart.
 */
export class StepLog {
  #step = 0;
  /** A pipeline to record with the next commit. */
  #unrecorded: PipelineShape | undefined;
  readonly #store: Store;
  readonly #commit: (changes: StepChanges) => void;

  constructor(store: Store) {
    this.#store = store;
    const db = store.db;
    const upsertState = new RowBatcher(db, 'INSERT INTO state (operator, window, key, value)', 4, 'ON CONFLICT (operator, window, key) DO UPDATE SET value = excluded.value');
    const deleteState = db.prepare('DELETE FROM state WHERE operator = ? AND window = ? AND key = ?');
    const upsertOffset = db.prepare(
      'INSERT INTO offsets (source, checkpoint, updated_at) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at',
    );
    const insertOutbox = new RowBatcher(db, 'INSERT INTO outbox (output_id, stage, payload, event_time, window, pane, created_at)', 7);
    const deadLetters = new DeadLetterTable(store);
    const samples = new SampleTable(store);
    const setMeta = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const commit = db.transaction((changes: StepChanges) => {
      const step = this.#step + 1;
      const now = Date.now();
      for (const { stage, entries } of changes.state) writeState(stage, entries, upsertState, deleteState);
      for (const { name, checkpoint } of changes.sources) upsertOffset.run(name, encodeJson(checkpoint), now);
      const ordinals = new Map<string, number>();
      // Most rows of a step share one pane object (NO_FIRING for unwindowed outputs): encode it once.
      let pane: unknown;
      let paneJson = '';
      for (const o of changes.outbox) {
        const n = ordinals.get(o.stage) ?? 0;
        ordinals.set(o.stage, n + 1);
        if (o.pane !== pane) {
          pane = o.pane;
          paneJson = encodeJson(o.pane);
        }
        insertOutbox.add(`${o.stage}:${step}:${n}`, o.stage, encodeJson(o.value), o.timestamp, o.window.id, paneJson, now);
      }
      insertOutbox.flush();
      if (changes.training?.length) addTraining(samples, changes.training, now);
      for (const d of changes.deadLetters) deadLetters.add({ stage: d.stage, reason: d.reason, code: d.code, payload: d.payload, eventTime: d.timestamp, at: d.at });
      if (this.#unrecorded) setMeta.run('pipeline', encodeJson(this.#unrecorded));
      setMeta.run('step', String(step));
      return step;
    });
    this.#commit = (changes) => {
      try {
        // Counted only once COMMIT succeeded: a COMMIT that fails (SQLITE_FULL) is rolled back, and
        // the retry must write the same step number, hence the same output ids.
        this.#step = commit(changes);
        this.#unrecorded = undefined;
      } finally {
        upsertState.discard(); // rows of a step that failed halfway
        insertOutbox.discard();
      }
    };
  }

  /** Reads the checkpoint left by earlier runs (empty for a new database). */
  load(): Restored {
    const db = this.#store.db;
    const checkpoints = new Map<string, unknown>();
    for (const row of db.prepare('SELECT source, checkpoint FROM offsets').all() as { source: string; checkpoint: string }[]) {
      checkpoints.set(row.source, decodeJson(row.checkpoint));
    }
    const state = new Map<string, StateRow[]>();
    for (const row of db.prepare('SELECT operator, window, key, value FROM state').all() as { operator: string; window: string; key: string; value: string }[]) {
      const list = state.get(row.operator) ?? [];
      list.push({ window: row.window, key: row.key, value: row.value });
      state.set(row.operator, list);
    }
    const meta = new Map((db.prepare("SELECT key, value FROM meta WHERE key IN ('step', 'pipeline')").all() as { key: string; value: string }[]).map((r) => [r.key, r.value]));
    this.#step = Number(meta.get('step') ?? 0);
    const pipeline = meta.get('pipeline');
    return { checkpoints, state, step: this.#step, ...(pipeline !== undefined ? { pipeline: decodeJson(pipeline) as PipelineShape } : {}) };
  }

  /** Records `pipeline` as the one this database belongs to, with the next commit. */
  record(pipeline: PipelineShape): void {
    this.#unrecorded = pipeline;
  }

  /**
   * Commits one step atomically. On failure (SQLITE_FULL on a full disk, say) nothing of it is
   * written and the same `changes` may be committed again.
   */
  commit(changes: StepChanges): void {
    this.#commit(changes);
  }

  /** Steps committed so far. */
  get step(): number {
    return this.#step;
  }
}

function writeState(stage: string, entries: readonly StateRow[], upsert: RowBatcher, remove: Statement): void {
  for (const { window, key, value } of entries) {
    if (value === null) {
      upsert.flush(); // keep the order of an upsert and a later delete of the same key
      remove.run(stage, window, key);
      continue;
    }
    upsert.add(stage, window, key, value);
  }
  upsert.flush();
}

function addTraining(table: SampleTable, rows: NonNullable<StepChanges['training']>, now: number): void {
  const samples: SampleRecord[] = [];
  const labels: LabelRecord[] = [];
  for (const row of rows) {
    if (row.table === 'samples') samples.push(row);
    else labels.push(row);
  }
  table.add(samples, labels, now);
}
