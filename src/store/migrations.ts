/**
 * The schema, as numbered migrations; each runs once, in order, in one transaction. Timers are
 * kept in the `state` row of their key and window: they are always read and written with it.
 */
export const MIGRATIONS: readonly { readonly version: number; readonly description: string; readonly sql: string }[] = [
  {
    version: 1,
    description: 'runner state: offsets, keyed state (with timers), outbox, dead letters',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      CREATE TABLE offsets (
        source     TEXT PRIMARY KEY,
        checkpoint TEXT NOT NULL,
        updated_at REAL NOT NULL
      ) STRICT;
      CREATE TABLE state (
        operator TEXT NOT NULL,
        window   TEXT NOT NULL,
        key      TEXT NOT NULL,
        value    TEXT NOT NULL,
        PRIMARY KEY (operator, window, key)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        output_id  TEXT NOT NULL UNIQUE,
        stage      TEXT NOT NULL,
        payload    TEXT NOT NULL,
        event_time REAL NOT NULL,
        window     TEXT NOT NULL,
        pane       TEXT NOT NULL,
        created_at REAL NOT NULL
      ) STRICT;
      CREATE TABLE dead_letters (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        stage      TEXT NOT NULL,
        reason     TEXT NOT NULL,
        payload    TEXT NOT NULL,
        event_time REAL,
        at         REAL NOT NULL
      ) STRICT;
      CREATE INDEX dead_letters_by_stage ON dead_letters (stage, at);
    `,
  },
  {
    version: 2,
    description: 'MQTT inbox: buffered messages, dedupe keys, per-source usage for retention caps',
    // inbox_usage is kept by triggers, so every writer (ingest, retention, readers deleting
    // consumed rows) keeps the row and byte counts that the caps are checked against exact.
    // Dedupe keys live apart from the rows: a consumed row may be deleted while a QoS 1
    // redelivery of it can still arrive.
    sql: `
      CREATE TABLE inbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        source     TEXT NOT NULL,
        topic      TEXT NOT NULL,
        payload    BLOB NOT NULL,
        qos        INTEGER NOT NULL,
        arrived_at REAL NOT NULL,
        event_time REAL NOT NULL,
        dedupe_key TEXT,
        size       INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX inbox_by_source ON inbox (source, id);
      CREATE TABLE inbox_keys (
        source TEXT NOT NULL,
        key    TEXT NOT NULL,
        at     REAL NOT NULL,
        PRIMARY KEY (source, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX inbox_keys_by_age ON inbox_keys (source, at);
      CREATE TABLE inbox_usage (
        source     TEXT PRIMARY KEY,
        rows       INTEGER NOT NULL DEFAULT 0,
        bytes      INTEGER NOT NULL DEFAULT 0,
        dropped    INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE TRIGGER inbox_usage_insert AFTER INSERT ON inbox BEGIN
        INSERT INTO inbox_usage (source, rows, bytes) VALUES (NEW.source, 1, NEW.size)
          ON CONFLICT (source) DO UPDATE SET rows = rows + 1, bytes = bytes + NEW.size;
      END;
      CREATE TRIGGER inbox_usage_delete AFTER DELETE ON inbox BEGIN
        UPDATE inbox_usage SET rows = rows - 1, bytes = bytes - OLD.size WHERE source = OLD.source;
      END;
    `,
  },
  {
    version: 3,
    description: 'MQTT inbox: one page written per committed message (no AUTOINCREMENT, no usage triggers)',
    // A commit writes every page it touched; v2 touched four per message (the row, its index
    // entry, sqlite_sequence for AUTOINCREMENT, inbox_usage by trigger). Ids must still never be
    // reused (readers resume after an id): inbox_floor holds the largest id ever deleted from the
    // top, and inserts take max(largest id, floor) + 1. Row and byte counts for retention caps
    // are kept in memory (store/inbox.ts); inbox_usage keeps the dropped and duplicate counters.
    sql: `
      CREATE TABLE inbox_floor (id INTEGER NOT NULL) STRICT;
      INSERT INTO inbox_floor (id) VALUES (max(
        coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'inbox'), 0),
        coalesce((SELECT max(id) FROM inbox), 0)));
      CREATE TABLE inbox_v3 (
        id         INTEGER PRIMARY KEY,
        source     TEXT NOT NULL,
        topic      TEXT NOT NULL,
        payload    BLOB NOT NULL,
        qos        INTEGER NOT NULL,
        arrived_at REAL NOT NULL,
        event_time REAL NOT NULL,
        dedupe_key TEXT,
        size       INTEGER NOT NULL
      ) STRICT;
      INSERT INTO inbox_v3 SELECT id, source, topic, payload, qos, arrived_at, event_time, dedupe_key, size FROM inbox;
      DROP TRIGGER inbox_usage_insert;
      DROP TRIGGER inbox_usage_delete;
      DROP TABLE inbox;
      ALTER TABLE inbox_v3 RENAME TO inbox;
      CREATE INDEX inbox_by_source ON inbox (source, id);
      ALTER TABLE inbox_usage DROP COLUMN rows;
      ALTER TABLE inbox_usage DROP COLUMN bytes;
    `,
  },
  {
    version: 4,
    description: 'dead letters: a stable code beside the reason, to group by (NULL for rows written before)',
    // Old rows keep NULL: their reasons are free text, and guessing a code from it would be wrong
    // for some. `runnel inspect` groups them by the reason with numbers and quoted input blanked.
    sql: `
      ALTER TABLE dead_letters ADD COLUMN code TEXT;
    `,
  },
  {
    version: 5,
    description: 'the learning loop: training samples, labels from a label stream, and the model versions table',
    // samples: one row per (model, key, event time), features as little-endian float32 in the
    // model's feature order; target is the series' own value there (a self-supervised label of
    // the row h steps earlier), NULL when labels come from sample_labels (a label stream, joined
    // by key and event time when training). Ids only grow while rows are pruned oldest first, so
    // "samples since the last fit" is a count above the version's last_sample.
    // model_versions: every version a device trained or was given, with its ONNX bytes, the
    // fitted preprocessing statistics it was trained with, its metrics and training window, the
    // champion it was measured against (parent) and its status with the reason. A version is
    // inserted whole in one transaction and promoted in another, so a crash never leaves a
    // half-written champion; at most one champion per model.
    sql: `
      CREATE TABLE samples (
        id         INTEGER PRIMARY KEY,
        model      TEXT NOT NULL,
        key        TEXT NOT NULL,
        event_time REAL NOT NULL,
        features   BLOB NOT NULL,
        target     REAL,
        created_at REAL NOT NULL,
        UNIQUE (model, key, event_time)
      ) STRICT;
      CREATE INDEX samples_by_time ON samples (model, event_time);
      CREATE TABLE sample_labels (
        model      TEXT NOT NULL,
        key        TEXT NOT NULL,
        event_time REAL NOT NULL,
        label      REAL NOT NULL,
        created_at REAL NOT NULL,
        PRIMARY KEY (model, key, event_time)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE model_versions (
        model         TEXT NOT NULL,
        version       INTEGER NOT NULL,
        parent        INTEGER,
        status        TEXT NOT NULL CHECK (status IN ('champion', 'challenger', 'rejected', 'retired')),
        reason        TEXT NOT NULL,
        onnx          BLOB NOT NULL,
        sha256        TEXT NOT NULL,
        preprocessing TEXT NOT NULL,
        metrics       TEXT NOT NULL,
        trained_rows  INTEGER NOT NULL,
        trained_from  REAL,
        trained_to    REAL,
        last_sample   INTEGER NOT NULL,
        created_at    REAL NOT NULL,
        promoted_at   REAL,
        changed_at    REAL NOT NULL,
        PRIMARY KEY (model, version)
      ) STRICT;
      CREATE UNIQUE INDEX model_versions_one_champion ON model_versions (model) WHERE status = 'champion';
    `,
  },
  {
    version: 6,
    description: 'model sync: the queue of pushes, pulls, reports and announcements, and the version of each model last had from the remote',
    // sync_queue: one row per job, deleted when it is done, retried at due_at (backoff) until
    // then, so a restart resumes where it stopped. A push carries its model bytes and a push id
    // (in details) that makes a retry find the version its lost first attempt made. At most one
    // waiting pull per model, and one waiting report or announcement per name: a newer one
    // replaces it and bumps its revision, so a run of the older one does not delete it when done.
    // sync_known: per model, the version this device last pulled or pushed, so an
    // announcement of it (or a pull that finds it again) is not handed over twice.
    sql: `
      CREATE TABLE sync_queue (
        id         INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('push', 'pull', 'report', 'announce')),
        name       TEXT NOT NULL,
        body       BLOB,
        details    TEXT,
        attempts   INTEGER NOT NULL DEFAULT 0,
        due_at     REAL NOT NULL,
        last_error TEXT,
        created_at REAL NOT NULL,
        revision   INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE INDEX sync_queue_by_due ON sync_queue (due_at, id);
      CREATE UNIQUE INDEX sync_queue_one_waiting ON sync_queue (kind, name) WHERE kind <> 'push';
      CREATE TABLE sync_known (
        model   TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        sha256  TEXT NOT NULL,
        at      REAL NOT NULL
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 7,
    description: "model sync: fleet documents (a device's statistics for fleet learning) are queued jobs too",
    // SQLite cannot change a CHECK constraint: the table is copied into one that allows kind
    // 'document' (one waiting per fleet/<model>/<device>, replaced by a newer one like a report).
    sql: `
      CREATE TABLE sync_queue_7 (
        id         INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL CHECK (kind IN ('push', 'pull', 'report', 'announce', 'document')),
        name       TEXT NOT NULL,
        body       BLOB,
        details    TEXT,
        attempts   INTEGER NOT NULL DEFAULT 0,
        due_at     REAL NOT NULL,
        last_error TEXT,
        created_at REAL NOT NULL,
        revision   INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      INSERT INTO sync_queue_7 (id, kind, name, body, details, attempts, due_at, last_error, created_at, revision)
        SELECT id, kind, name, body, details, attempts, due_at, last_error, created_at, revision FROM sync_queue;
      DROP TABLE sync_queue;
      ALTER TABLE sync_queue_7 RENAME TO sync_queue;
      CREATE INDEX sync_queue_by_due ON sync_queue (due_at, id);
      CREATE UNIQUE INDEX sync_queue_one_waiting ON sync_queue (kind, name) WHERE kind <> 'push';
    `,
  },
];

/** The newest schema version this Runnel knows. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;
