import mqtt, { type MqttClient } from 'mqtt';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { MqttIngest, type MqttIngestOptions } from '../../../src/io/mqtt/ingest.js';
import { csvPayload, float32Payload } from '../../../src/io/payload-codecs.js';
import { Store } from '../../../src/store/store.js';
import { describeWithMosquitto, startMosquitto, type TestBroker } from '../../support/mosquitto.js';

const tempStore = () => Store.open(join(mkdtempSync(join(tmpdir(), 'runnel-ingest-')), 'runnel.db'));
let clientIds = 0;

/** Polls `condition` every 10 ms until true or `ms` pass. */
async function until(condition: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describeWithMosquitto('MQTT ingest into the inbox (Mosquitto)', () => {
  let broker: TestBroker;
  let publisher: MqttClient;
  const open: { ingest?: MqttIngest; store: Store }[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
    publisher = await mqtt.connectAsync(broker.url, { clientId: 'publisher', protocolVersion: 5 });
  });
  afterAll(async () => {
    await publisher.endAsync();
    await broker.stop();
  });
  afterEach(async () => {
    for (const { ingest, store } of open.splice(0)) {
      await ingest?.close();
      store.close();
    }
    logs.length = 0;
  });

  async function start(options: Partial<MqttIngestOptions> & Pick<MqttIngestOptions, 'topics'>, store = tempStore()) {
    const entry: { ingest?: MqttIngest; store: Store } = { store };
    open.push(entry);
    const id = `ingest-${++clientIds}`;
    entry.ingest = await MqttIngest.start(store, { name: 'sensors', connection: { url: broker.url, clientId: id }, log: (m) => logs.push(m), retryMs: 30, ...options });
    return { ingest: entry.ingest, store };
  }

  it('stores QoS 0, 1 and 2 messages and dead-letters bad ones with topic, reason and raw bytes', async () => {
    const { ingest, store } = await start({ topics: 'in/+device/#', qos: 2, eventTimeField: 'at' });
    await publisher.publishAsync('in/a/t', JSON.stringify({ at: 5, v: 1 }), { qos: 0 });
    await publisher.publishAsync('in/b/t', JSON.stringify({ at: 6, v: 2 }), { qos: 1 });
    await publisher.publishAsync('in/c/t', JSON.stringify({ at: 7, v: 3 }), { qos: 2 });
    await publisher.publishAsync('in/d/t', Buffer.from([0xff, 0x00, 0x7b]), { qos: 1 });
    await publisher.publishAsync('in/e/t', JSON.stringify({ v: 4 }), { qos: 1 });
    await until(() => ingest.stats.stored + ingest.stats.deadLettered === 5, 5000, '5 messages');
    const rows = ingest.inbox.read(0, 10);
    expect(rows.map((r) => [r.topic, r.qos, r.eventTime])).toEqual([['in/a/t', 0, 5], ['in/b/t', 1, 6], ['in/c/t', 2, 7]]);
    const letters = store.db.prepare('SELECT stage, reason, payload FROM dead_letters ORDER BY id').all() as { stage: string; reason: string; payload: string }[];
    expect(letters.map((l) => l.stage)).toEqual(['sensors', 'sensors']);
    expect(letters[0]!.reason).toMatch(/not valid UTF-8/);
    expect([...Buffer.from((JSON.parse(letters[0]!.payload) as { payloadBase64: string }).payloadBase64, 'base64')]).toEqual([0xff, 0x00, 0x7b]);
    expect(letters[1]!.reason).toMatch(/field "at" is missing/);
    expect(JSON.parse(letters[1]!.payload)).toMatchObject({ topic: 'in/e/t' });
  });

  it('sends no PUBACK until the row is committed: a failing commit leaves the message with the broker, which redelivers it', async () => {
    const store = tempStore();
    // A real failing commit: SQLite aborts every insert of this topic until the trigger goes.
    store.db.exec("CREATE TRIGGER refuse BEFORE INSERT ON inbox WHEN NEW.topic = 'gate/x' BEGIN SELECT RAISE(ABORT, 'refused by test'); END;");
    const { ingest } = await start({ topics: 'gate/#', qos: 1, dedupe: { field: 'id' } }, store);
    await publisher.publishAsync('gate/x', JSON.stringify({ id: 1 }), { qos: 1 });
    await until(() => ingest.stats.blocks >= 2, 5000, 'two failed commits');
    // Received more than once: the broker redelivered what was not acknowledged.
    expect(ingest.stats.received).toBeGreaterThanOrEqual(2);
    expect(ingest.inbox.usage().rows).toBe(0);
    expect(logs.join('\n')).toMatch(/stopped acknowledging .*refused by test/);
    store.db.exec('DROP TRIGGER refuse');
    await until(() => ingest.stats.stored === 1, 5000, 'the redelivered message');
    await publisher.publishAsync('gate/y', JSON.stringify({ id: 2 }), { qos: 1 });
    await until(() => ingest.stats.stored === 2, 5000, 'the next message');
    expect(ingest.inbox.read(0, 10).map((r) => r.topic)).toEqual(['gate/x', 'gate/y']);
  });

  it('stops acknowledging on a full disk (SQLITE_FULL), says so, and resumes when space returns, losing nothing', async () => {
    const store = tempStore();
    const { ingest } = await start({ topics: 'full/#', qos: 1, dedupe: { field: 'id' } }, store);
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages + 2}`);
    const blob = 'x'.repeat(1500);
    for (let id = 0; id < 40; id++) await publisher.publishAsync('full/a', JSON.stringify({ id, blob }), { qos: 1 });
    await until(() => ingest.blocked, 5000, 'the full disk');
    expect(logs.join('\n')).toMatch(/disk holding .* is full \(SQLITE_FULL\)/);
    const before = ingest.stats.stored;
    expect(before).toBeLessThan(40);
    store.db.pragma('max_page_count = 1000000');
    await until(() => ingest.stats.stored === 40, 8000, 'all 40 messages');
    expect(ingest.inbox.read(0, 100).map((r) => (JSON.parse(r.payload.toString()) as { id: number }).id)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('block: at the cap stops acknowledging (the broker holds the rest) and takes them once rows are consumed', async () => {
    const { ingest } = await start({ topics: 'cap/#', qos: 1, dedupe: { field: 'id' }, retention: { policy: 'block', maxRows: 10 } });
    for (let id = 0; id < 25; id++) await publisher.publishAsync('cap/a', JSON.stringify({ id }), { qos: 1 });
    await until(() => ingest.blocked && ingest.inbox.usage().rows === 10, 5000, 'the cap');
    expect(logs.join('\n')).toMatch(/inbox is at its cap \(maxRows 10, policy "block"\)/);
    const first = ingest.inbox.read(0, 100);
    expect(first.map((r) => (JSON.parse(r.payload.toString()) as { id: number }).id)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    ingest.inbox.deleteThrough(first.at(-1)!.id);
    await until(() => ingest.inbox.usage().rows === 10 && !ingest.blocked || ingest.stats.stored === 20, 5000, 'the next 10');
    await until(() => ingest.stats.stored === 20, 5000, 'the next 10');
    const second = ingest.inbox.read(0, 100);
    ingest.inbox.deleteThrough(second.at(-1)!.id);
    await until(() => ingest.stats.stored === 25, 5000, 'the last 5');
    const third = ingest.inbox.read(0, 100);
    const ids = [...first, ...second, ...third].map((r) => (JSON.parse(r.payload.toString()) as { id: number }).id);
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(ingest.stats.dropped).toBe(0);
  });

  it('dropOldest: keeps the newest rows at the cap, counts and logs the dropped ones', async () => {
    const { ingest } = await start({ topics: 'drop/#', qos: 1, dedupe: { field: 'id' }, retention: { policy: 'dropOldest', maxRows: 10 } });
    for (let id = 0; id < 25; id++) await publisher.publishAsync('drop/a', JSON.stringify({ id }), { qos: 1 });
    await until(() => ingest.stats.stored === 25, 5000, '25 messages');
    expect(ingest.inbox.read(0, 100).map((r) => (JSON.parse(r.payload.toString()) as { id: number }).id)).toEqual(Array.from({ length: 10 }, (_, i) => 15 + i));
    expect(ingest.stats.dropped).toBe(15);
    expect(ingest.inbox.usage().dropped).toBe(15);
    expect(logs.join('\n')).toMatch(/dropped the \d+ oldest messages/);
  });

  it('decodes CSV lines and float32 arrays, and dead-letters oversized payloads', async () => {
    const csv = await start({ topics: 'csv/#', codec: csvPayload({ columns: ['device', 'temp'], schema: { temp: 'number' } }), maxPayloadBytes: 100 });
    await publisher.publishAsync('csv/a', 'd1,21.5', { qos: 1 });
    await publisher.publishAsync('csv/a', 'd1,warm', { qos: 1 });
    await publisher.publishAsync('csv/a', `d1,${'9'.repeat(200)}`, { qos: 1 });
    await until(() => csv.ingest.stats.stored + csv.ingest.stats.deadLettered === 3, 5000, 'csv');
    const reasons = (csv.store.db.prepare('SELECT reason FROM dead_letters ORDER BY id').all() as { reason: string }[]).map((r) => r.reason);
    expect(reasons).toEqual([expect.stringMatching(/"warm" is not a number/), expect.stringMatching(/exceeds maxPayloadBytes \(100\)/)]);
    const f32 = await start({ topics: 'f32/#', codec: float32Payload({ length: 3 }) });
    await publisher.publishAsync('f32/a', Buffer.from(Float32Array.of(1, 2, 3).buffer), { qos: 1 });
    await publisher.publishAsync('f32/a', Buffer.from(Float32Array.of(1, 2).buffer), { qos: 1 });
    await until(() => f32.ingest.stats.stored + f32.ingest.stats.deadLettered === 2, 5000, 'float32');
    expect(f32.ingest.stats).toMatchObject({ stored: 1, deadLettered: 1 });
  });

  it('process, one connection: many QoS 1 messages share a commit, stored in the order they were published', async () => {
    const { ingest } = await start({ topics: 'one/#', qos: 1 });
    await Promise.all(Array.from({ length: 400 }, (_, id) => publisher.publishAsync('one/a', JSON.stringify({ id }), { qos: 1 })));
    await until(() => ingest.stats.stored === 400, 8000, '400 messages');
    expect(ingest.stats.commits).toBeLessThan(400);
    const ids = ingest.inbox.read(0, 1000).map((r) => (JSON.parse(r.payload.toString()) as { id: number }).id);
    expect(ids).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });

  it('power: several connections on a shared subscription commit many messages per fsync', async () => {
    const { ingest, store } = await start({ topics: 'pw/#', qos: 1, durability: 'power', connections: 4, dedupe: { field: 'id' } });
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
    const sends = Array.from({ length: 400 }, (_, id) => publisher.publishAsync('pw/a', JSON.stringify({ id }), { qos: 1 }));
    await Promise.all(sends);
    await until(() => ingest.stats.stored === 400, 8000, '400 messages');
    expect(ingest.stats.commits).toBeLessThan(400);
    const ids = ingest.inbox.read(0, 1000).map((r) => (JSON.parse(r.payload.toString()) as { id: number }).id);
    expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i));
  });
});
