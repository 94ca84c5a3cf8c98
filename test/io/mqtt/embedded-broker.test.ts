import { Aedes } from 'aedes';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import net from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline, collect } from '../../../src/index.js';
import { startEmbeddedBroker, type EmbeddedBroker, type EmbeddedBrokerOptions } from '../../../src/io/mqtt/embedded-broker.js';
import { Store } from '../../../src/store/store.js';
import { seededRandom } from '../../../src/testing/index.js';
import { until } from '../../support/until.js';
import { SEED } from '../../seed.js';

const tempStore = () => Store.open(join(mkdtempSync(join(tmpdir(), 'runnel-embedded-')), 'runnel.db'));
const idOf = (payload: Buffer): number => (JSON.parse(payload.toString()) as { id: number }).id;
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('embedded aedes broker with durable ingest', () => {
  const open: { broker?: EmbeddedBroker; store: Store; clients: MqttClient[] }[] = [];
  const logs: string[] = [];
  afterEach(async () => {
    for (const { broker, store, clients } of open.splice(0)) {
      for (const c of clients) await c.endAsync(true);
      await broker?.close();
      store.close();
    }
    logs.length = 0;
  });

  /** Starts a broker on a free port, and `publishers` MQTT 3.1.1 clients connected to it. */
  async function start(options: Partial<EmbeddedBrokerOptions> & Pick<EmbeddedBrokerOptions, 'topics'>, store = tempStore(), clientOptions: IClientOptions = {}) {
    const entry: (typeof open)[number] = { store, clients: [] };
    open.push(entry);
    const broker = await startEmbeddedBroker({ store, name: 'sensors', port: 0, log: (m) => logs.push(m), retryMs: 20, ...options });
    entry.broker = broker;
    const connect = async (clientId: string) => {
      const client = await mqtt.connectAsync(broker.url, { clientId, ...clientOptions });
      entry.clients.push(client);
      return client;
    };
    return { broker, store, publisher: await connect('publisher'), connect };
  }

  /** Publishes without waiting; `acked` holds the ids whose PUBACK (QoS 1) or PUBCOMP (QoS 2) came back. */
  function publishAll(client: MqttClient, messages: readonly { topic: string; payload: string | Buffer; qos: 0 | 1 | 2; id: number }[]) {
    const acked = new Set<number>();
    const done = Promise.all(messages.map((m) => new Promise<void>((resolve, reject) => client.publish(m.topic, m.payload, { qos: m.qos }, (e) => (e ? reject(e) : (acked.add(m.id), resolve()))))));
    return { acked, done };
  }

  it(`contract: a random QoS 0/1/2 stream lands once, named topic parts, dedupe, dead letters with reasons (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const { broker, store, publisher } = await start({ topics: 'site/+site/dev/+device/#rest', eventTimeField: 'at', dedupe: { field: 'id' }, maxPayloadBytes: 200 });
    type Sent = { topic: string; payload: string | Buffer; qos: 0 | 1 | 2; id: number; bad?: RegExp };
    const stream: Sent[] = range(300).map((id) => {
      const topic = `site/s${Math.floor(random() * 3)}/dev/d${Math.floor(random() * 5)}/temp${random() < 0.5 ? '/c' : ''}`;
      const qos = ([0, 1, 1, 2] as const)[Math.floor(random() * 4)]!;
      const kind = random();
      if (kind < 0.05) return { topic, qos, id, payload: Buffer.from([0xff, 0xfe, id & 0xff]), bad: /not valid UTF-8/ };
      if (kind < 0.1) return { topic, qos, id, payload: JSON.stringify({ id, t: 1 }), bad: /field "at" is missing/ };
      if (kind < 0.13) return { topic, qos, id, payload: JSON.stringify({ id, at: 1, pad: 'x'.repeat(300) }), bad: /exceeds maxPayloadBytes \(200\)/ };
      return { topic, qos, id, payload: JSON.stringify({ id, at: 1_000 + id, t: Math.round(random() * 1000) / 10 }) };
    });
    // Not under the filters: routed as by any broker, never stored.
    const outside: Sent[] = [{ topic: 'site/s0/other/d1', qos: 1, id: -1, payload: '{"id":-1,"at":1}' }];
    const first = publishAll(publisher, [...stream, ...outside]);
    await first.done;
    const good = stream.filter((m) => !m.bad);
    const bad = stream.filter((m) => m.bad);
    await until(() => broker.stats.stored + broker.stats.deadLettered === stream.length, 'the whole stream');
    // Redeliveries (same ids, as after a lost PUBACK) are recognised.
    const again = good.filter((m) => m.qos > 0).filter(() => random() < 0.2);
    await publishAll(publisher, again).done;
    await until(() => broker.stats.duplicates === again.length, `${again.length} duplicates`);

    const rows = broker.inbox.read(0, 1000);
    expect(rows.map((r) => idOf(r.payload)).sort((a, b) => a - b)).toEqual(good.map((m) => m.id));
    for (const r of rows) expect(r.topic).toBe(stream[idOf(r.payload)]!.topic);
    expect(broker.inbox.usage().duplicates).toBe(again.length);
    const letters = store.db.prepare("SELECT reason, payload FROM dead_letters WHERE stage = 'sensors'").all() as { reason: string; payload: string }[];
    expect(letters.length).toBe(bad.length);
    const byTopicAndBytes = new Map(bad.map((m) => [`${m.topic} ${Buffer.from(m.payload).subarray(0, 1024).toString('base64')}`, m]));
    for (const l of letters) {
      const { topic, payloadBase64 } = JSON.parse(l.payload) as { topic: string; payloadBase64: string };
      const sent = byTopicAndBytes.get(`${topic} ${payloadBase64}`);
      expect(sent, `dead letter ${l.payload}`).toBeDefined();
      expect(l.reason).toMatch(sent!.bad!);
    }

    // A pipeline reads the same inbox: records with the topic's named parts, at their event time.
    const out = collect<Record<string, unknown>>();
    const p = new Pipeline();
    p.apply(broker.source()).apply(out);
    const controller = new AbortController();
    await p.run({ store, signal: controller.signal, idleWaitMs: 5, onProgress: () => out.values.length >= good.length && controller.abort() });
    const expected = good.map((m) => {
      const [, site, , device, ...rest] = m.topic.split('/');
      return { ...(JSON.parse(m.payload as string) as object), site, device, rest: rest.join('/') };
    });
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) => (a['id'] as number) - (b['id'] as number);
    expect([...out.values].sort(byId)).toEqual(expected);
    for (const e of out.elements) expect(e.timestamp).toBe(e.value['at'] as number);
  });

  it('gates the PUBACK (QoS 1) and PUBREC (QoS 2) on the commit: a failing commit acknowledges nothing, the retry delivers once', async () => {
    const store = tempStore();
    // A real failing commit: SQLite aborts every insert of this topic until the trigger goes.
    store.db.exec("CREATE TRIGGER refuse BEFORE INSERT ON inbox WHEN NEW.topic = 'gate/x' BEGIN SELECT RAISE(ABORT, 'refused by test'); END;");
    const { broker, publisher } = await start({ topics: 'gate/#' }, store);
    const sent = publishAll(publisher, [
      { topic: 'gate/x', payload: '{"id":1}', qos: 1, id: 1 },
      { topic: 'gate/x', payload: '{"id":2}', qos: 2, id: 2 },
    ]);
    await until(() => broker.stats.blocks >= 3, 'three failed commits');
    expect(broker.blocked).toBe(true);
    expect([...sent.acked]).toEqual([]);
    expect(broker.inbox.usage().rows).toBe(0);
    expect(logs.join('\n')).toMatch(/stopped acknowledging \(2 message\(s\) held.*refused by test/);
    store.db.exec('DROP TRIGGER refuse');
    await sent.done;
    expect(broker.blocked).toBe(false);
    expect(broker.inbox.read(0, 10).map((r) => [idOf(r.payload), r.qos])).toEqual([[1, 1], [2, 2]]);
    expect(logs.join('\n')).toMatch(/resuming/);
  });

  it('a publisher that reconnects while its message is held sends it again, and it is stored once (no dedupe needed)', async () => {
    const store = tempStore();
    store.db.exec("CREATE TRIGGER refuse BEFORE INSERT ON inbox WHEN NEW.topic = 'gate/x' BEGIN SELECT RAISE(ABORT, 'refused by test'); END;");
    const { broker, publisher } = await start({ topics: 'gate/#', dedupe: 'none' }, store, { reconnectPeriod: 20 });
    const sent = publishAll(publisher, [{ topic: 'gate/x', payload: '{"id":3}', qos: 1, id: 3 }]);
    await until(() => broker.stats.blocks >= 2, 'two failed commits');
    publisher.stream.destroy();
    await until(() => broker.stats.received >= 2, 'the message sent again after the reconnect');
    store.db.exec('DROP TRIGGER refuse');
    await sent.done;
    expect(broker.stats.abandoned).toBe(1);
    expect(broker.inbox.read(0, 10).map((r) => idOf(r.payload))).toEqual([3]);
  });

  it("why authorizePublish: aedes sends the QoS 1 PUBACK before its `published` hook, so that hook cannot gate it", async () => {
    // Guards the assumption the embedded ingest rests on, should a newer aedes reorder its steps.
    let hookCalled = false;
    const aedes = await Aedes.createBroker({ published: (packet, _client, callback) => (packet.topic === 'late/x' ? (hookCalled = true) : callback()) });
    const server = net.createServer(aedes.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`, { clientId: 'published-hook' });
    await client.publishAsync('late/x', 'never released by the hook', { qos: 1 });
    expect(hookCalled).toBe(true);
    await client.endAsync(true);
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('commits many messages per transaction (group commit), at power durability too', async () => {
    const { broker, store, connect } = await start({ topics: 'pw/#', durability: 'power', dedupe: { field: 'id' } });
    expect(broker.inbox.store.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(broker.inbox.store).not.toBe(store);
    const publishers = [await connect('p1'), await connect('p2')];
    await Promise.all(publishers.map((c, k) => publishAll(c, range(200, k * 200).map((id) => ({ topic: `pw/${k}`, payload: JSON.stringify({ id }), qos: 1 as const, id }))).done));
    expect(broker.stats.stored).toBe(400);
    expect(broker.stats.commits).toBeLessThan(100);
    expect(broker.inbox.read(0, 1000).map((r) => idOf(r.payload)).sort((a, b) => a - b)).toEqual(range(400));
  });

  it('block: at the cap holds the rest unacknowledged and takes them, in order, once rows are consumed', async () => {
    const { broker, publisher } = await start({ topics: 'cap/#', dedupe: { field: 'id' }, retention: { policy: 'block', maxRows: 10 } });
    const sent = publishAll(publisher, range(25).map((id) => ({ topic: 'cap/a', payload: JSON.stringify({ id }), qos: 1 as const, id })));
    const ids: number[] = [];
    for (const expected of [10, 10, 5]) {
      const committed = ids.length + expected;
      await until(() => broker.inbox.usage().rows === expected && sent.acked.size === committed, `${expected} rows, ${committed} acknowledged`);
      if (committed < 25) {
        // Two more refused retries later, the rest is still unacknowledged.
        const blocks = broker.stats.blocks;
        await until(() => broker.stats.blocks >= blocks + 2, 'two more retries at the cap');
        expect(sent.acked.size).toBe(committed);
      }
      const rows = broker.inbox.read(0, 100);
      ids.push(...rows.map((r) => idOf(r.payload)));
      broker.inbox.deleteThrough(rows.at(-1)!.id);
    }
    await sent.done;
    expect(ids).toEqual(range(25));
    expect(logs.join('\n')).toMatch(/inbox is at its cap \(maxRows 10, policy "block"\)/);
    expect(broker.stats.dropped).toBe(0);
  });

  it('dropOldest: keeps the newest rows at the cap, counts and logs the dropped ones', async () => {
    const { broker, publisher } = await start({ topics: 'drop/#', dedupe: { field: 'id' }, retention: { policy: 'dropOldest', maxRows: 10 } });
    for (const id of range(25)) await publisher.publishAsync('drop/a', JSON.stringify({ id }), { qos: 1 });
    expect(broker.inbox.read(0, 100).map((r) => idOf(r.payload))).toEqual(range(10, 15));
    expect(broker.stats.dropped).toBe(15);
    expect(broker.inbox.usage().dropped).toBe(15);
    expect(logs.join('\n')).toMatch(/dropped the 1 oldest messages/);
  });

  it('stops acknowledging on a full disk (SQLITE_FULL), says so, and resumes when space returns, losing nothing', async () => {
    const store = tempStore();
    const { broker, publisher } = await start({ topics: 'full/#', dedupe: { field: 'id' } }, store);
    store.db.pragma(`max_page_count = ${(store.db.pragma('page_count', { simple: true }) as number) + 2}`);
    const blob = 'x'.repeat(1500);
    const sent = publishAll(publisher, range(40).map((id) => ({ topic: 'full/a', payload: JSON.stringify({ id, blob }), qos: 1 as const, id })));
    await until(() => broker.blocked, 'the full disk');
    expect(logs.join('\n')).toMatch(/disk holding .* is full \(SQLITE_FULL\)/);
    expect(sent.acked.size).toBe(broker.stats.stored);
    expect(broker.stats.stored).toBeLessThan(40);
    store.db.pragma('max_page_count = 1000000');
    await sent.done;
    expect(broker.inbox.read(0, 100).map((r) => idOf(r.payload))).toEqual(range(40));
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('checks its options at once', async () => {
    const store = tempStore();
    open.push({ store, clients: [] });
    await expect(startEmbeddedBroker({ store, name: '', topics: 'a/#' })).rejects.toThrow(/name is required/);
    await expect(startEmbeddedBroker({ store, name: 'x', topics: 'a/#', port: 70_000 })).rejects.toThrow(/port must be an integer from 0 to 65535/);
    await expect(startEmbeddedBroker({ store, name: 'x', topics: 'a/b+' })).rejects.toThrow(/mixes a wildcard/);
    await expect(startEmbeddedBroker({ store, name: 'x', topics: 'a/#', dedupe: { field: '' } })).rejects.toThrow(/dedupe must be/);
  });
});
