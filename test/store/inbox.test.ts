import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { Inbox, messageSize, scanInbox, type InboxMessage, type RetentionCaps } from '../../src/store/inbox.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { seededRandom } from '../../src/testing/random.js';
import { SEED } from '../seed.js';

const tempStore = () => Store.open(join(mkdtempSync(join(tmpdir(), 'runnel-inbox-')), 'runnel.db'));

function message(i: number, rng: () => number, at: number): InboxMessage {
  const payload = Buffer.from(JSON.stringify({ id: i, v: rng() }).slice(0, 5 + Math.floor(rng() * 30)));
  return { topic: `s/${i % 3}`, payload, qos: 1, arrivedAt: at, eventTime: at - 5, dedupeKey: `k${i}` };
}

/** The inbox as a plain list: what the caps and dedupe must leave. */
function reference(batches: readonly (readonly InboxMessage[])[], times: readonly number[], caps: RetentionCaps) {
  let rows: InboxMessage[] = [];
  const seen = new Set<string>();
  let dropped = 0;
  const bytes = (list: readonly InboxMessage[]) => list.reduce((s, m) => s + messageSize(m.topic, m.payload), 0);
  const accepted: boolean[] = [];
  batches.forEach((batch, b) => {
    const now = times[b]!;
    if (caps.policy === 'block') {
      const tooOld = caps.maxAgeMs !== undefined && rows.length > 0 && rows[0]!.arrivedAt < now - caps.maxAgeMs;
      if ((caps.maxRows !== undefined && rows.length + batch.length > caps.maxRows) || (caps.maxBytes !== undefined && bytes(rows) + bytes(batch) > caps.maxBytes) || tooOld) {
        accepted.push(false);
        return;
      }
    }
    accepted.push(true);
    for (const m of batch) {
      if (seen.has(m.dedupeKey!)) continue;
      seen.add(m.dedupeKey!);
      rows.push(m);
    }
    if (caps.policy === 'dropOldest') {
      const before = rows.length;
      if (caps.maxAgeMs !== undefined) {
        const last = rows.findLastIndex((m) => m.arrivedAt < now - caps.maxAgeMs!);
        rows = rows.slice(last + 1);
      }
      if (caps.maxRows !== undefined && rows.length > caps.maxRows) rows = rows.slice(rows.length - caps.maxRows);
      while (caps.maxBytes !== undefined && bytes(rows) > caps.maxBytes) rows = rows.slice(1);
      dropped += before - rows.length;
    }
  });
  return { rows, dropped, accepted };
}

describe('Inbox', () => {
  for (const caps of [
    { policy: 'dropOldest', maxRows: 25 },
    { policy: 'dropOldest', maxBytes: 400, maxAgeMs: 50 },
    { policy: 'block', maxRows: 40 },
    { policy: 'block', maxBytes: 600, maxAgeMs: 80 },
  ] as RetentionCaps[]) {
    it(`keeps what a plain list model keeps under ${JSON.stringify(caps)} (seed ${SEED})`, () => {
      const rng = seededRandom(SEED);
      const store = tempStore();
      const inbox = new Inbox(store, 'src', caps);
      const batches: InboxMessage[][] = [];
      const times: number[] = [];
      let now = 1000;
      for (let b = 0; b < 60; b++) {
        now += Math.floor(rng() * 10);
        const size = 1 + Math.floor(rng() * 4);
        // Redeliveries: sometimes an earlier id again.
        batches.push(
          Array.from({ length: size }, () => {
            const i = rng() < 0.2 && b > 0 ? Math.floor(rng() * b * 2) : b * 4 + Math.floor(rng() * 4) + 1000;
            return message(i, rng, now);
          }),
        );
        times.push(now);
      }
      const accepted = batches.map((batch, b) => inbox.append(batch, [], times[b]).accepted);
      const want = reference(batches, times, caps);
      expect(accepted).toEqual(want.accepted);
      const got = inbox.read(0, 10_000);
      expect(got.map((r) => r.dedupeKey)).toEqual(want.rows.map((m) => m.dedupeKey));
      expect(got.map((r) => r.payload.toString())).toEqual(want.rows.map((m) => Buffer.from(m.payload).toString()));
      const usage = inbox.usage();
      expect(usage.rows).toBe(want.rows.length);
      expect(usage.bytes).toBe(want.rows.reduce((s, m) => s + messageSize(m.topic, m.payload), 0));
      expect(usage.dropped).toBe(want.dropped);
      store.close();
    });
  }

  it('stores dead letters with topic, reason and the raw bytes, and reads, scans and deletes in id order', () => {
    const store = tempStore();
    const inbox = new Inbox(store, 'a');
    const other = new Inbox(store, 'b');
    const bytes = Uint8Array.of(0, 255, 10);
    inbox.append([message(1, () => 0.5, 10), message(2, () => 0.5, 11)], [{ topic: 'x/y', payload: bytes, reason: 'not JSON', at: 12 }], 12);
    other.append([message(3, () => 0.5, 13)], [], 13);
    const letter = store.db.prepare('SELECT stage, reason, payload FROM dead_letters').get() as { stage: string; reason: string; payload: string };
    expect(letter.stage).toBe('a');
    expect(letter.reason).toBe('not JSON');
    const parsed = JSON.parse(letter.payload) as { topic: string; payloadBase64: string };
    expect(parsed.topic).toBe('x/y');
    expect([...Buffer.from(parsed.payloadBase64, 'base64')]).toEqual([0, 255, 10]);
    const [first, second] = inbox.read(0, 10);
    expect(inbox.read(first!.id, 10).map((r) => r.id)).toEqual([second!.id]);
    expect(scanInbox(store, { topic: 's/0', limit: 10 }).map((r) => r.source)).toEqual(['b']);
    expect(inbox.deleteThrough(first!.id)).toBe(1);
    expect(inbox.usage().rows).toBe(1);
    expect(other.usage().rows).toBe(1);
    // The key outlives the deleted row: a late redelivery is still a duplicate.
    expect(inbox.append([message(1, () => 0.5, 20)], [], 20)).toMatchObject({ stored: 0, duplicates: 1 });
    expect(inbox.pruneKeys(15)).toBe(2);
    expect(inbox.append([message(1, () => 0.5, 21)], [], 21)).toMatchObject({ stored: 1 });
    store.close();
  });

  it(`never reuses an id, even after the newest rows were deleted, across reopening and the upgrade from schema 2 (seed ${SEED})`, () => {
    const rng = seededRandom(SEED);
    const dir = mkdtempSync(join(tmpdir(), 'runnel-inbox-ids-'));
    // A schema 2 file (AUTOINCREMENT) whose newest rows were consumed and deleted.
    const path = join(dir, 'v2.db');
    const v2 = new Database(path);
    for (const m of MIGRATIONS.filter((m) => m.version <= 2)) v2.exec(m.sql);
    v2.pragma('user_version = 2');
    const insert = v2.prepare("INSERT INTO inbox (source, topic, payload, qos, arrived_at, event_time, size) VALUES ('a', 't', x'00', 1, 0, 0, 2)");
    const n = 5 + Math.floor(rng() * 20);
    for (let i = 0; i < n; i++) insert.run();
    v2.prepare('DELETE FROM inbox WHERE id > 2').run();
    v2.close();
    let seen = n; // the largest id ever handed out
    for (let round = 0; round < 4; round++) {
      const store = Store.open(path);
      const inbox = new Inbox(store, round % 2 === 0 ? 'a' : 'b');
      const batch = Array.from({ length: 1 + Math.floor(rng() * 5) }, (_, i) => message(round * 100 + i, rng, 1));
      inbox.append(batch);
      const ids = inbox
        .read(0, 100)
        .map((r) => r.id)
        .filter((id) => id > 2);
      expect(Math.min(...ids)).toBe(seen + 1);
      seen = Math.max(...ids);
      inbox.deleteThrough(seen); // the whole inbox of this source, newest row included
      store.close();
    }
  });

  it('a cap sees rows deleted through another Inbox, on another connection to the file too', () => {
    const store = tempStore();
    const second = Store.open(store.path);
    const capped = new Inbox(second, 'c', { policy: 'block', maxRows: 3 });
    const reader = new Inbox(store, 'c');
    const rng = seededRandom(SEED);
    expect(capped.append([1, 2, 3].map((i) => message(i, rng, 1))).accepted).toBe(true);
    expect(capped.hasRoom()).toBe(false);
    expect(capped.append([message(4, rng, 1)]).accepted).toBe(false);
    reader.deleteThrough(reader.read(0, 2)[1]!.id);
    expect(capped.hasRoom(1)).toBe(true);
    expect(capped.hasRoom(2)).toBe(true);
    expect(capped.hasRoom(3)).toBe(false);
    expect(capped.append([message(4, rng, 1), message(5, rng, 1)]).accepted).toBe(true);
    expect(capped.usage().rows).toBe(3);
    second.close();
    store.close();
  });

  it('refuses bad caps naming the option', () => {
    const store = tempStore();
    expect(() => new Inbox(store, 's', { policy: 'dropNewest' as 'block' })).toThrow(/policy must be "block" or "dropOldest"/);
    expect(() => new Inbox(store, 's', { policy: 'block', maxRows: 0 })).toThrow(/maxRows must be a number > 0/);
    store.close();
  });
});
