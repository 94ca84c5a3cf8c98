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
];

/** The newest schema version this Runnel knows. */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;
