import type { Statement } from 'better-sqlite3';
import { resolve } from 'node:path';
import type { DeadLetterCode } from '../common/dead-letter-codes.js';
import { DeadLetterTable } from './dead-letters.js';
import { RowBatcher } from './row-batcher.js';
import type { Store } from './store.js';

/** One message to buffer. */
export interface InboxMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1 | 2;
  /** Processing time it arrived (ms since the epoch). */
  readonly arrivedAt: number;
  /** Its event time (from the payload, or the arrival time). */
  readonly eventTime: number;
  /** Messages of one source with the same key are stored once (QoS 1 redelivery). */
  readonly dedupeKey?: string | undefined;
}

/** A buffered message, as read back. */
export interface InboxRow extends InboxMessage {
  readonly id: number;
  readonly source: string;
  readonly payload: Buffer;
  readonly dedupeKey: string | undefined;
}

/** What a pipeline reads of a buffered message: no more than it needs, straight from SQLite. */
export interface InboxEntry {
  readonly id: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly eventTime: number;
}

/** A message that could not be decoded: it becomes a dead letter with its raw bytes. */
export interface InboxRejection {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly reason: string;
  /** The dead letter's stable code (`BAD_JSON`, `PAYLOAD_TOO_LARGE`, …). */
  readonly code?: DeadLetterCode;
  readonly at: number;
  /** The broker marked it a redelivery (MQTT DUP flag): this dead letter may repeat an earlier one. */
  readonly redelivered?: boolean;
}

/** What happens at a cap: `block` stops taking messages; `dropOldest` deletes the oldest rows (counted). */
export type RetentionPolicy = 'block' | 'dropOldest';

/** Caps on one source's buffered rows. With no cap set the inbox grows until the disk is full. */
export interface RetentionCaps {
  readonly maxRows?: number;
  /** Sum of payload and topic bytes. */
  readonly maxBytes?: number;
  /** Age of the oldest row, by arrival time. */
  readonly maxAgeMs?: number;
  readonly policy: RetentionPolicy;
}

/** The outcome of one `append`. */
export interface AppendResult {
  /** False when a `block` cap refused the batch: nothing was written. */
  readonly accepted: boolean;
  readonly stored: number;
  readonly duplicates: number;
  /** Rows deleted by `dropOldest` to make room (or for age). */
  readonly dropped: number;
}

/** Counters of one source's inbox. */
export interface InboxUsage {
  readonly rows: number;
  readonly bytes: number;
  readonly dropped: number;
  readonly duplicates: number;
  /** Arrival time of the oldest buffered row, or null when empty. */
  readonly oldestArrivedAt: number | null;
}

/** What `scanInbox` selects; all bounds optional, ids and times inclusive. */
export interface InboxScan {
  readonly source?: string;
  readonly topic?: string;
  readonly afterId?: number;
  readonly fromEventTime?: number;
  readonly toEventTime?: number;
  readonly limit: number;
}

interface RawRow {
  id: number;
  source: string;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  arrived_at: number;
  event_time: number;
  dedupe_key: string | null;
}

const COLUMNS = 'id, source, topic, payload, qos, arrived_at, event_time, dedupe_key';

function toRow(r: RawRow): InboxRow {
  return {
    id: r.id,
    source: r.source,
    topic: r.topic,
    payload: r.payload,
    qos: r.qos,
    arrivedAt: r.arrived_at,
    eventTime: r.event_time,
    dedupeKey: r.dedupe_key ?? undefined,
  };
}

/** The size a message counts for against `maxBytes`. */
export function messageSize(topic: string, payload: Uint8Array): number {
  return payload.byteLength + Buffer.byteLength(topic);
}

/** Checks caps at once, naming the option. */
export function validateRetention(caps: RetentionCaps, where: string): void {
  if (caps.policy !== 'block' && caps.policy !== 'dropOldest') {
    throw new TypeError(`${where}: retention.policy must be "block" or "dropOldest", got "${String(caps.policy)}"`);
  }
  for (const name of ['maxRows', 'maxBytes', 'maxAgeMs'] as const) {
    const v = caps[name];
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new RangeError(`${where}: retention.${name} must be a number > 0, got ${v}`);
  }
}

/** Rows and bytes buffered for one source. */
interface Counters {
  rows: number;
  bytes: number;
}

/**
 * Row and byte counts of the sources with retention caps, per database file, shared by every
 * `Inbox` of that file in this process: a cap sees the rows a pipeline's reader deleted through
 * its own `Inbox`. Set from the table when an `Inbox` with caps opens.
 */
const countersByFile = new Map<string, Map<string, Counters>>();
const countersInMemory = new WeakMap<object, Map<string, Counters>>();

function countersOf(store: Store): Map<string, Counters> {
  if (store.path === ':memory:') {
    let map = countersInMemory.get(store.db);
    if (!map) countersInMemory.set(store.db, (map = new Map<string, Counters>()));
    return map;
  }
  const file = resolve(store.path);
  let map = countersByFile.get(file);
  if (!map) countersByFile.set(file, (map = new Map<string, Counters>()));
  return map;
}

/**
 * One source's part of the inbox table: appends batches of messages (deduplicated, with dead
 * letters, under retention caps) in one transaction each, reads them back in id order, and
 * deletes consumed rows. A commit of one message writes one table page and one index page.
 */
export class Inbox {
  readonly #append: (messages: readonly InboxMessage[], rejections: readonly InboxRejection[], now: number) => AppendResult;
  readonly #insert: RowBatcher;
  readonly #read: Statement<[string, number, number], RawRow>;
  readonly #entries: Statement<[string, number, number], InboxEntry>;
  readonly #deleteThrough: (id: number) => number;
  readonly #size: Statement<[string], { rows: number; bytes: number | null }>;
  readonly #counted: Statement<[string], { dropped: number; duplicates: number }>;
  readonly #oldest: Statement<[string], { arrived_at: number }>;
  readonly #pruneKeys: Statement<[string, number]>;
  /** This source's counts while it has caps (shared with other `Inbox`es of the file). */
  readonly #counters: Counters | undefined;

  constructor(
    readonly store: Store,
    readonly source: string,
    readonly retention?: RetentionCaps,
  ) {
    if (retention) validateRetention(retention, `inbox "${source}"`);
    const db = store.db;
    // Ids only grow: after the largest one (or the floor, when rows at the top were deleted),
    // read once per transaction so that a group's rows go many per statement.
    const lastId = db.prepare<[], number>('SELECT max(coalesce((SELECT max(id) FROM inbox), 0), (SELECT id FROM inbox_floor))').pluck();
    const insert = new RowBatcher(db, 'INSERT INTO inbox (id, source, topic, payload, qos, arrived_at, event_time, dedupe_key, size)', 9);
    this.#insert = insert;
    const insertKey = db.prepare('INSERT OR IGNORE INTO inbox_keys (source, key, at) VALUES (?, ?, ?)');
    const deadLetters = new DeadLetterTable(store);
    const count = db.prepare(
      'INSERT INTO inbox_usage (source, dropped, duplicates) VALUES (?, ?, ?) ON CONFLICT (source) DO UPDATE SET dropped = dropped + excluded.dropped, duplicates = duplicates + excluded.duplicates',
    );
    const raiseFloor = db.prepare<[number]>('UPDATE inbox_floor SET id = (SELECT max(id) FROM inbox) WHERE (SELECT max(id) FROM inbox) <= ? AND id < (SELECT max(id) FROM inbox)');
    const remove = db.prepare<[string, number]>('DELETE FROM inbox WHERE source = ? AND id <= ?');
    const measure = db.prepare<[string, number], { rows: number; bytes: number | null }>('SELECT count(*) AS rows, sum(size) AS bytes FROM inbox WHERE source = ? AND id <= ?');
    const nth = db.prepare<[string, number], { id: number }>('SELECT id FROM inbox WHERE source = ? ORDER BY id LIMIT 1 OFFSET ?');
    const lastOlder = db.prepare<[string, number], { id: number | null }>('SELECT max(id) AS id FROM inbox WHERE source = ? AND arrived_at < ?');
    const sizes = db.prepare<[string], { id: number; size: number }>('SELECT id, size FROM inbox WHERE source = ? ORDER BY id');
    this.#read = db.prepare(`SELECT ${COLUMNS} FROM inbox WHERE source = ? AND id > ? ORDER BY id LIMIT ?`);
    this.#entries = db.prepare('SELECT id, topic, payload, event_time AS eventTime FROM inbox WHERE source = ? AND id > ? ORDER BY id LIMIT ?');
    this.#size = db.prepare('SELECT count(*) AS rows, sum(size) AS bytes FROM inbox WHERE source = ?');
    this.#counted = db.prepare('SELECT dropped, duplicates FROM inbox_usage WHERE source = ?');
    this.#oldest = db.prepare('SELECT arrived_at FROM inbox WHERE source = ? ORDER BY id LIMIT 1');
    this.#pruneKeys = db.prepare('DELETE FROM inbox_keys WHERE source = ? AND at < ?');
    // The source is listed (by `runnel inspect`) from its first open on, even while empty.
    db.prepare('INSERT OR IGNORE INTO inbox_usage (source) VALUES (?)').run(source);

    const shared = countersOf(store);
    const caps = retention;
    if (caps) {
      const counters = { rows: 0, bytes: 0 };
      shared.set(source, counters);
      this.#counters = counters;
      this.#recount();
    }
    // Deletes this source's rows up to `id`, keeping the floor and any shared counters right.
    const deleteThrough = (id: number): number => {
      const counters = shared.get(source);
      const gone = counters ? measure.get(source, id) : undefined;
      raiseFloor.run(id);
      const changes = remove.run(source, id).changes;
      if (counters && gone) {
        counters.rows -= gone.rows;
        counters.bytes -= gone.bytes ?? 0;
      }
      return changes;
    };
    this.#deleteThrough = deleteThrough;

    const fits = (rows: number, bytes: number, now: number): boolean => {
      const c = this.#counters!;
      if (caps!.maxRows !== undefined && c.rows + rows > caps!.maxRows) return false;
      if (caps!.maxBytes !== undefined && c.bytes + bytes > caps!.maxBytes) return false;
      if (caps!.maxAgeMs !== undefined && rows > 0) {
        const oldest = this.#oldest.get(source);
        if (oldest && oldest.arrived_at < now - caps!.maxAgeMs) return false;
      }
      return true;
    };
    // Deletes the oldest rows until the caps hold; returns how many went.
    const dropOldest = (now: number): number => {
      const c = this.#counters!;
      let dropped = 0;
      if (caps!.maxAgeMs !== undefined) {
        const through = lastOlder.get(source, now - caps!.maxAgeMs)?.id;
        if (through != null) dropped += deleteThrough(through);
      }
      if (caps!.maxRows !== undefined && c.rows > caps!.maxRows) dropped += deleteThrough(nth.get(source, c.rows - caps!.maxRows - 1)!.id);
      if (caps!.maxBytes !== undefined && c.bytes > caps!.maxBytes) {
        let excess = c.bytes - caps!.maxBytes;
        let through = 0;
        for (const { id, size } of sizes.iterate(source)) {
          through = id;
          excess -= size;
          if (excess <= 0) break;
        }
        dropped += deleteThrough(through);
      }
      return dropped;
    };

    const append = db.transaction((messages: readonly InboxMessage[], rejections: readonly InboxRejection[], now: number) => {
      if (caps?.policy === 'block') {
        let bytes = 0;
        for (const m of messages) bytes += messageSize(m.topic, m.payload);
        if (!fits(messages.length, bytes, now)) return { accepted: false, stored: 0, duplicates: 0, dropped: 0 };
      }
      let stored = 0;
      let duplicates = 0;
      let bytes = 0;
      let id = lastId.get()!;
      for (const m of messages) {
        if (m.dedupeKey !== undefined && insertKey.run(source, m.dedupeKey, now).changes === 0) {
          duplicates++;
          continue;
        }
        const payload = Buffer.isBuffer(m.payload) ? m.payload : Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
        const size = messageSize(m.topic, m.payload);
        insert.add(++id, source, m.topic, payload, m.qos, m.arrivedAt, m.eventTime, m.dedupeKey ?? null, size);
        stored++;
        bytes += size;
      }
      insert.flush();
      for (const r of rejections) deadLetters.add({ stage: source, reason: r.reason, code: r.code, payload: deadLetterPayload(r.topic, r.payload, r.redelivered), at: r.at });
      if (this.#counters) {
        this.#counters.rows += stored;
        this.#counters.bytes += bytes;
      }
      const dropped = caps?.policy === 'dropOldest' ? dropOldest(now) : 0;
      if (dropped > 0 || duplicates > 0) count.run(source, dropped, duplicates);
      return { accepted: true, stored, duplicates, dropped };
    });
    // BEGIN IMMEDIATE: the write lock from the start, so the id read first cannot go stale.
    this.#append = (messages, rejections, now) => append.immediate(messages, rejections, now);
  }

  /**
   * Stores `messages` (skipping those whose dedupe key was seen) and `rejections` (as dead
   * letters) in one transaction. Under a `block` cap that the batch would break nothing is
   * written and `accepted` is false. Throws what SQLite throws (SQLITE_FULL on a full disk).
   */
  append(messages: readonly InboxMessage[], rejections: readonly InboxRejection[] = [], now = Date.now()): AppendResult {
    try {
      return this.#append(messages, rejections, now);
    } catch (error) {
      this.#insert.discard();
      this.#recount(); // the transaction rolled back: so do the counts
      throw error;
    }
  }

  /** True when a batch of `rows` rows and `bytes` bytes would be accepted now. */
  hasRoom(rows = 1, bytes = 0, now = Date.now()): boolean {
    const caps = this.retention;
    const c = this.#counters;
    if (!caps || !c || caps.policy === 'dropOldest') return true;
    if (caps.maxRows !== undefined && c.rows + rows > caps.maxRows) return false;
    if (caps.maxBytes !== undefined && c.bytes + bytes > caps.maxBytes) return false;
    const oldest = caps.maxAgeMs === undefined ? undefined : this.#oldest.get(this.source);
    return !(oldest && oldest.arrived_at < now - caps.maxAgeMs!);
  }

  /** Up to `limit` rows with id > `afterId`, in id (commit) order. */
  read(afterId: number, limit: number): InboxRow[] {
    return this.#read.all(this.source, afterId, limit).map(toRow);
  }

  /** Like `read`, but only what a pipeline needs of each row (fewer columns, no per-row copy). */
  entries(afterId: number, limit: number): InboxEntry[] {
    return this.#entries.all(this.source, afterId, limit);
  }

  /** Deletes rows up to and including `id` (once a durable run has committed its offset past them). */
  deleteThrough(id: number): number {
    return this.#deleteThrough(id);
  }

  /** Forgets dedupe keys recorded before `before` (ms): redeliveries older than that are no longer recognised. */
  pruneKeys(before: number): number {
    return this.#pruneKeys.run(this.source, before).changes;
  }

  /** Counts from the table (rows and bytes are counted: this reads every row of the source). */
  usage(): InboxUsage {
    const size = this.#size.get(this.source);
    const counted = this.#counted.get(this.source);
    const oldest = this.#oldest.get(this.source);
    return {
      rows: size?.rows ?? 0,
      bytes: size?.bytes ?? 0,
      dropped: counted?.dropped ?? 0,
      duplicates: counted?.duplicates ?? 0,
      oldestArrivedAt: oldest?.arrived_at ?? null,
    };
  }

  #recount(): void {
    if (!this.#counters) return;
    const size = this.#size.get(this.source);
    this.#counters.rows = size?.rows ?? 0;
    this.#counters.bytes = size?.bytes ?? 0;
  }
}

/** The dead-letter payload of a message that could not be decoded: topic, raw bytes (base64), and whether the broker marked it a redelivery. */
function deadLetterPayload(topic: string, payload: Uint8Array, redelivered = false): { topic: string; payloadBase64: string; redelivered?: true } {
  const payloadBase64 = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64');
  return redelivered ? { topic, payloadBase64, redelivered } : { topic, payloadBase64 };
}

/** Buffered rows of any source, filtered by topic and event time (for replay and inspection). */
export function scanInbox(store: Store, scan: InboxScan): InboxRow[] {
  const where: string[] = ['id > ?'];
  const params: (string | number)[] = [scan.afterId ?? 0];
  const filter = (condition: string, value: string | number | undefined): void => {
    if (value === undefined) return;
    where.push(condition);
    params.push(value);
  };
  filter('source = ?', scan.source);
  filter('topic = ?', scan.topic);
  filter('event_time >= ?', scan.fromEventTime);
  filter('event_time <= ?', scan.toEventTime);
  const sql = `SELECT ${COLUMNS} FROM inbox WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`;
  return (store.db.prepare(sql).all(...params, scan.limit) as RawRow[]).map(toRow);
}

/** The largest inbox row id of any source (0 for an empty inbox): where a replay of what is buffered now ends. */
export function lastInboxId(store: Store): number {
  return (store.db.prepare('SELECT max(id) AS id FROM inbox').get() as { id: number | null }).id ?? 0;
}
