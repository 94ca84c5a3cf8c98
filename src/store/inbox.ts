import type { Statement } from 'better-sqlite3';
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

/** A message that could not be decoded: it becomes a dead letter with its raw bytes. */
export interface InboxRejection {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly reason: string;
  readonly at: number;
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

/**
 * One source's part of the inbox table: appends batches of messages (deduplicated, with dead
 * letters, under retention caps) in one transaction each, reads them back in id order, and
 * deletes consumed rows.
 */
export class Inbox {
  readonly #append: (messages: readonly InboxMessage[], rejections: readonly InboxRejection[], now: number) => AppendResult;
  readonly #read: Statement<[string, number, number], RawRow>;
  readonly #deleteThrough: Statement<[string, number]>;
  readonly #usage: Statement<[string], { rows: number; bytes: number; dropped: number; duplicates: number }>;
  readonly #oldest: Statement<[string], { arrived_at: number }>;
  readonly #pruneKeys: Statement<[string, number]>;

  constructor(
    readonly store: Store,
    readonly source: string,
    readonly retention?: RetentionCaps,
  ) {
    if (retention) validateRetention(retention, `inbox "${source}"`);
    const db = store.db;
    const insert = db.prepare(
      'INSERT INTO inbox (source, topic, payload, qos, arrived_at, event_time, dedupe_key, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insertKey = db.prepare('INSERT OR IGNORE INTO inbox_keys (source, key, at) VALUES (?, ?, ?)');
    const insertDeadLetter = db.prepare('INSERT INTO dead_letters (stage, reason, payload, event_time, at) VALUES (?, ?, ?, NULL, ?)');
    const count = db.prepare('UPDATE inbox_usage SET dropped = dropped + ?, duplicates = duplicates + ? WHERE source = ?');
    const dropRows = db.prepare('DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE source = ? ORDER BY id LIMIT ?)');
    const dropOlder = db.prepare('DELETE FROM inbox WHERE source = ? AND id <= (SELECT MAX(id) FROM inbox WHERE source = ? AND arrived_at < ?)');
    const sizes = db.prepare<[string, number], { size: number }>('SELECT size FROM inbox WHERE source = ? ORDER BY id LIMIT ?');
    this.#read = db.prepare(`SELECT ${COLUMNS} FROM inbox WHERE source = ? AND id > ? ORDER BY id LIMIT ?`);
    this.#deleteThrough = db.prepare('DELETE FROM inbox WHERE source = ? AND id <= ?');
    this.#usage = db.prepare('SELECT rows, bytes, dropped, duplicates FROM inbox_usage WHERE source = ?');
    this.#oldest = db.prepare('SELECT arrived_at FROM inbox WHERE source = ? ORDER BY id LIMIT 1');
    this.#pruneKeys = db.prepare('DELETE FROM inbox_keys WHERE source = ? AND at < ?');

    const caps = retention;
    const fits = (rows: number, bytes: number, now: number): boolean => {
      if (!caps) return true;
      const u = this.#usage.get(source);
      if (caps.maxRows !== undefined && (u?.rows ?? 0) + rows > caps.maxRows) return false;
      if (caps.maxBytes !== undefined && (u?.bytes ?? 0) + bytes > caps.maxBytes) return false;
      if (caps.maxAgeMs !== undefined && rows > 0) {
        const oldest = this.#oldest.get(source);
        if (oldest && oldest.arrived_at < now - caps.maxAgeMs) return false;
      }
      return true;
    };
    // Deletes the oldest rows until the caps hold; returns how many went.
    const dropOldest = (now: number): number => {
      if (!caps) return 0;
      let dropped = 0;
      if (caps.maxAgeMs !== undefined) dropped += dropOlder.run(source, source, now - caps.maxAgeMs).changes;
      const u = this.#usage.get(source);
      if (!u) return dropped;
      if (caps.maxRows !== undefined && u.rows > caps.maxRows) dropped += dropRows.run(source, u.rows - caps.maxRows).changes;
      if (caps.maxBytes !== undefined) {
        let excess = (this.#usage.get(source)?.bytes ?? 0) - caps.maxBytes;
        if (excess > 0) {
          let n = 0;
          for (const { size } of sizes.iterate(source, Number.MAX_SAFE_INTEGER)) {
            n++;
            excess -= size;
            if (excess <= 0) break;
          }
          dropped += dropRows.run(source, n).changes;
        }
      }
      return dropped;
    };

    this.#append = db.transaction((messages: readonly InboxMessage[], rejections: readonly InboxRejection[], now: number): AppendResult => {
      if (caps?.policy === 'block') {
        let bytes = 0;
        for (const m of messages) bytes += messageSize(m.topic, m.payload);
        if (!fits(messages.length, bytes, now)) return { accepted: false, stored: 0, duplicates: 0, dropped: 0 };
      }
      let stored = 0;
      let duplicates = 0;
      for (const m of messages) {
        if (m.dedupeKey !== undefined && insertKey.run(source, m.dedupeKey, now).changes === 0) {
          duplicates++;
          continue;
        }
        const payload = Buffer.isBuffer(m.payload) ? m.payload : Buffer.from(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
        insert.run(source, m.topic, payload, m.qos, m.arrivedAt, m.eventTime, m.dedupeKey ?? null, messageSize(m.topic, m.payload));
        stored++;
      }
      for (const r of rejections) insertDeadLetter.run(source, r.reason, deadLetterPayload(r.topic, r.payload), r.at);
      const dropped = caps?.policy === 'dropOldest' ? dropOldest(now) : 0;
      if (dropped > 0 || duplicates > 0) count.run(dropped, duplicates, source);
      return { accepted: true, stored, duplicates, dropped };
    });
  }

  /**
   * Stores `messages` (skipping those whose dedupe key was seen) and `rejections` (as dead
   * letters) in one transaction. Under a `block` cap that the batch would break nothing is
   * written and `accepted` is false. Throws what SQLite throws (SQLITE_FULL on a full disk).
   */
  append(messages: readonly InboxMessage[], rejections: readonly InboxRejection[] = [], now = Date.now()): AppendResult {
    return this.#append(messages, rejections, now);
  }

  /** True when a batch of `rows` rows and `bytes` bytes would be accepted now. */
  hasRoom(rows = 1, bytes = 0, now = Date.now()): boolean {
    const caps = this.retention;
    if (!caps || caps.policy === 'dropOldest') return true;
    const u = this.usage();
    if (caps.maxRows !== undefined && u.rows + rows > caps.maxRows) return false;
    if (caps.maxBytes !== undefined && u.bytes + bytes > caps.maxBytes) return false;
    return !(caps.maxAgeMs !== undefined && u.oldestArrivedAt !== null && u.oldestArrivedAt < now - caps.maxAgeMs);
  }

  /** Up to `limit` rows with id > `afterId`, in id (commit) order. */
  read(afterId: number, limit: number): InboxRow[] {
    return this.#read.all(this.source, afterId, limit).map(toRow);
  }

  /** Deletes rows up to and including `id` (once a durable run has committed its offset past them). */
  deleteThrough(id: number): number {
    return this.#deleteThrough.run(this.source, id).changes;
  }

  /** Forgets dedupe keys recorded before `before` (ms): redeliveries older than that are no longer recognised. */
  pruneKeys(before: number): number {
    return this.#pruneKeys.run(this.source, before).changes;
  }

  usage(): InboxUsage {
    const u = this.#usage.get(this.source);
    const oldest = this.#oldest.get(this.source);
    return {
      rows: u?.rows ?? 0,
      bytes: u?.bytes ?? 0,
      dropped: u?.dropped ?? 0,
      duplicates: u?.duplicates ?? 0,
      oldestArrivedAt: oldest?.arrived_at ?? null,
    };
  }
}

/** The dead-letter payload of a message that could not be decoded: topic and raw bytes (base64). */
export function deadLetterPayload(topic: string, payload: Uint8Array): string {
  return JSON.stringify({ topic, payloadBase64: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64') });
}

/** Buffered rows of any source, filtered by topic and event time (for replay and inspection). */
export function scanInbox(store: Store, scan: InboxScan): InboxRow[] {
  const where: string[] = ['id > ?'];
  const params: (string | number)[] = [scan.afterId ?? 0];
  if (scan.source !== undefined) (where.push('source = ?'), params.push(scan.source));
  if (scan.topic !== undefined) (where.push('topic = ?'), params.push(scan.topic));
  if (scan.fromEventTime !== undefined) (where.push('event_time >= ?'), params.push(scan.fromEventTime));
  if (scan.toEventTime !== undefined) (where.push('event_time <= ?'), params.push(scan.toEventTime));
  const sql = `SELECT ${COLUMNS} FROM inbox WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`;
  return (store.db.prepare(sql).all(...params, scan.limit) as RawRow[]).map(toRow);
}
