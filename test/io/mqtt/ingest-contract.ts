/**
 * The contract of durable ingest, run against both front doors of the one commit engine:
 * `MqttIngest` subscribed to a real Mosquitto, and the embedded aedes broker. A durability fix
 * lands once; this suite shows it landed for both.
 *
 * Where the two differ in what a test can observe, the kind says so: through Mosquitto the
 * publisher's PUBACK comes from Mosquitto (the ingest's own acknowledgement goes to Mosquitto,
 * which redelivers what it never got); the embedded broker acknowledges the publisher itself,
 * so there the publisher sees the gate.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { collect, Pipeline, run, type PBegin, type PCollection, type PTransform } from '../../../src/index.js';
import type { IngestStats } from '../../../src/io/mqtt/commit-gate.js';
import type { IngestOptions } from '../../../src/io/mqtt/ingest-options.js';
import { csvPayload, float32Payload } from '../../../src/io/payload-codecs.js';
import type { Inbox } from '../../../src/store/inbox.js';
import { Store } from '../../../src/store/store.js';
import { seededRandom } from '../../../src/testing/index.js';
import { until } from '../../support/until.js';
import { SEED } from '../../seed.js';

/** What the MQTT-client front door adds to the shared options. */
export type ContractOptions = IngestOptions & { readonly qos?: 0 | 1 | 2; readonly connections?: number };

/** A started ingest, whichever front door. */
export interface IngestUnderTest {
  readonly stats: Readonly<IngestStats>;
  readonly inbox: Inbox;
  readonly blocked: boolean;
  /** A publisher connected where messages for this ingest are published. */
  connectPublisher(clientId: string): Promise<MqttClient>;
  /** The ingested messages as a pipeline source (the inbox reader both front doors use). */
  source(): PTransform<PBegin, PCollection<Record<string, unknown>>>;
  close(): Promise<void>;
}

/** A front door under test. */
export interface IngestKind {
  readonly name: string;
  /** Starts an ingest on `store`; options as `MqttIngest.start` takes them (the embedded broker ignores qos and connections). */
  start(store: Store, options: ContractOptions): Promise<IngestUnderTest>;
  /** Whether the publisher's own acknowledgement waits for the commit (embedded), or the broker's comes first (Mosquitto). */
  readonly publisherSeesGate: boolean;
}

export const tempStore = (): Store => Store.open(join(mkdtempSync(join(tmpdir(), 'runnel-ingest-')), 'runnel.db'));
const idOf = (payload: Buffer): number => (JSON.parse(payload.toString()) as { id: number }).id;
const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_, i) => from + i);
/** A real failing commit: SQLite aborts every insert of this topic until the trigger goes. */
const REFUSE_GATE_X = "CREATE TRIGGER refuse BEFORE INSERT ON inbox WHEN NEW.topic = 'gate/x' BEGIN SELECT RAISE(ABORT, 'refused by test'); END;";

interface Sent {
  topic: string;
  payload: string | Buffer;
  qos: 0 | 1 | 2;
  id: number;
  bad?: RegExp;
}

/** Publishes without waiting; `acked` holds the ids whose PUBACK (QoS 1) or PUBCOMP (QoS 2) came back. */
export function publishAll(client: MqttClient, messages: readonly Sent[]): { acked: Set<number>; done: Promise<void> } {
  const acked = new Set<number>();
  const done = Promise.all(
    messages.map((m) => new Promise<void>((resolve, reject) => client.publish(m.topic, m.payload, { qos: m.qos }, (e) => (e ? reject(e) : (acked.add(m.id), resolve()))))),
  ).then(() => {});
  return { acked, done };
}

/** A random stream of good and bad messages at QoS 0/1/2 over topics with named parts. */
function randomStream(random: () => number): Sent[] {
  return range(300).map((id) => {
    const topic = `site/s${Math.floor(random() * 3)}/dev/d${Math.floor(random() * 5)}/temp${random() < 0.5 ? '/c' : ''}`;
    const qos = ([0, 1, 1, 2] as const)[Math.floor(random() * 4)]!;
    const kind = random();
    if (kind < 0.05) return { topic, qos, id, payload: Buffer.from([0xff, 0xfe, id & 0xff]), bad: /not valid UTF-8/ };
    if (kind < 0.1) return { topic, qos, id, payload: JSON.stringify({ id, t: 1 }), bad: /field "at" is missing/ };
    if (kind < 0.13) return { topic, qos, id, payload: JSON.stringify({ id, at: 1, pad: 'x'.repeat(300) }), bad: /exceeds maxPayloadBytes \(200\)/ };
    return { topic, qos, id, payload: JSON.stringify({ id, at: 1_000 + id, t: Math.round(random() * 1000) / 10 }) };
  });
}

/** The shared suite; call inside a `describe` of the kind. */
export function ingestContract(kind: IngestKind): void {
  const open: { ingest?: IngestUnderTest; store: Store; clients: MqttClient[] }[] = [];
  const logs: string[] = [];
  afterEach(async () => {
    for (const { ingest, store, clients } of open.splice(0)) {
      for (const c of clients) await c.endAsync(true);
      await ingest?.close();
      store.close();
    }
    logs.length = 0;
  });

  async function start(options: Partial<ContractOptions> & Pick<ContractOptions, 'topics'>, store = tempStore()) {
    const entry: (typeof open)[number] = { store, clients: [] };
    open.push(entry);
    const ingest = await kind.start(store, { name: 'sensors', log: (m) => logs.push(m), retryMs: 20, qos: 2, ...options });
    entry.ingest = ingest;
    const connect = async (clientId: string): Promise<MqttClient> => {
      const client = await ingest.connectPublisher(clientId);
      entry.clients.push(client);
      return client;
    };
    return { ingest, store, publisher: await connect(`publisher-${open.length}`), connect };
  }

  it(`a random QoS 0/1/2 stream lands once: named topic parts, dedupe of redeliveries, dead letters with reasons and raw bytes (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const { ingest, store, publisher } = await start({ topics: 'site/+site/dev/+device/#rest', eventTimeField: 'at', dedupe: { field: 'id' }, maxPayloadBytes: 200 });
    const stream = randomStream(random);
    // Not under the filters: routed as by any broker, never stored.
    const outside: Sent[] = [{ topic: 'site/s0/other/d1', qos: 1, id: -1, payload: '{"id":-1,"at":1}' }];
    await publishAll(publisher, [...stream, ...outside]).done;
    const good = stream.filter((m) => !m.bad);
    const bad = stream.filter((m) => m.bad);
    await until(() => ingest.stats.stored + ingest.stats.deadLettered === stream.length, 'the whole stream');
    // Redeliveries (same ids, as after a lost PUBACK) are recognised.
    const again = good.filter((m) => m.qos > 0).filter(() => random() < 0.2);
    await publishAll(publisher, again).done;
    await until(() => ingest.stats.duplicates === again.length, `${again.length} duplicates`);

    const rows = ingest.inbox.read(0, 1000);
    expect(rows.map((r) => idOf(r.payload)).sort((a, b) => a - b)).toEqual(good.map((m) => m.id));
    for (const r of rows) expect([r.topic, r.qos]).toEqual([stream[idOf(r.payload)]!.topic, stream[idOf(r.payload)]!.qos]);
    expect(ingest.inbox.usage().duplicates).toBe(again.length);
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
    p.apply(ingest.source()).apply(out);
    const controller = new AbortController();
    await run(p, { store, signal: controller.signal, idleWaitMs: 5, onProgress: () => out.values.length >= good.length && controller.abort() });
    const expected = good.map((m) => {
      const [, site, , device, ...rest] = m.topic.split('/');
      return { ...(JSON.parse(m.payload as string) as object), site, device, rest: rest.join('/') };
    });
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>): number => (a['id'] as number) - (b['id'] as number);
    expect([...out.values].sort(byId)).toEqual(expected);
    for (const e of out.elements) expect(e.timestamp).toBe(e.value['at'] as number);
  });

  it('acknowledges nothing until the row is committed: a failing commit holds QoS 1 and 2 messages, the retry stores each once', async () => {
    const store = tempStore();
    store.db.exec(REFUSE_GATE_X);
    const { ingest, publisher } = await start({ topics: 'gate/#', dedupe: { field: 'id' } }, store);
    const sent = publishAll(publisher, [
      { topic: 'gate/x', payload: '{"id":1}', qos: 1, id: 1 },
      { topic: 'gate/x', payload: '{"id":2}', qos: 2, id: 2 },
    ]);
    await until(() => ingest.stats.blocks >= 3, 'three failed commits');
    expect(ingest.blocked).toBe(true);
    expect(ingest.inbox.usage().rows).toBe(0);
    expect(logs.join('\n')).toMatch(/stopped acknowledging \(\d+ message\(s\) held.*refused by test/);
    if (kind.publisherSeesGate) expect([...sent.acked]).toEqual([]);
    // Through a broker: it redelivered what it was not acknowledged (the ingest dropped its connection).
    else await until(() => ingest.stats.received >= 4, 'the broker redelivering both');
    store.db.exec('DROP TRIGGER refuse');
    await sent.done;
    await until(() => ingest.stats.stored === 2, 'both messages stored');
    await until(() => !ingest.blocked, 'resuming');
    expect(ingest.inbox.read(0, 10).map((r) => [idOf(r.payload), r.qos])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(logs.join('\n')).toMatch(/resuming/);
    await publishAll(publisher, [{ topic: 'gate/y', payload: '{"id":3}', qos: 1, id: 3 }]).done;
    await until(() => ingest.stats.stored === 3, 'the next message');
  });

  it('stops acknowledging on a full disk (SQLITE_FULL), says so, and resumes when space returns, losing nothing', async () => {
    const store = tempStore();
    const { ingest, publisher } = await start({ topics: 'full/#', qos: 1, dedupe: { field: 'id' } }, store);
    store.db.pragma(`max_page_count = ${(store.db.pragma('page_count', { simple: true }) as number) + 2}`);
    const blob = 'x'.repeat(1500);
    const sent = publishAll(
      publisher,
      range(40).map((id) => ({ topic: 'full/a', payload: JSON.stringify({ id, blob }), qos: 1 as const, id })),
    );
    await until(() => ingest.blocked, 'the full disk');
    expect(logs.join('\n')).toMatch(/disk holding .* is full \(SQLITE_FULL\)/);
    expect(ingest.stats.stored).toBeLessThan(40);
    if (kind.publisherSeesGate) expect(sent.acked.size).toBe(ingest.stats.stored);
    store.db.pragma('max_page_count = 1000000');
    await sent.done;
    await until(() => ingest.stats.stored === 40, 'all 40 messages', 8000);
    expect(ingest.inbox.read(0, 100).map((r) => idOf(r.payload))).toEqual(range(40));
    expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('block: at the cap holds the rest unacknowledged and takes them, in order, once rows are consumed', async () => {
    const { ingest, publisher } = await start({ topics: 'cap/#', qos: 1, dedupe: { field: 'id' }, retention: { policy: 'block', maxRows: 10 } });
    const sent = publishAll(
      publisher,
      range(25).map((id) => ({ topic: 'cap/a', payload: JSON.stringify({ id }), qos: 1 as const, id })),
    );
    const ids: number[] = [];
    for (const expected of [10, 10, 5]) {
      await until(() => ingest.inbox.usage().rows === expected && ingest.stats.stored === ids.length + expected, `${expected} rows`);
      if (ids.length + expected < 25) {
        // Two more refused retries later, nothing more got in.
        const blocks = ingest.stats.blocks;
        await until(() => ingest.stats.blocks >= blocks + 2, 'two more retries at the cap');
        expect(ingest.inbox.usage().rows).toBe(expected);
        if (kind.publisherSeesGate) expect(sent.acked.size).toBe(ids.length + expected);
      }
      const rows = ingest.inbox.read(0, 100);
      ids.push(...rows.map((r) => idOf(r.payload)));
      ingest.inbox.deleteThrough(rows.at(-1)!.id);
    }
    await sent.done;
    expect(ids).toEqual(range(25));
    expect(logs.join('\n')).toMatch(/inbox is at its cap \(maxRows 10, policy "block"\)/);
    expect(ingest.stats.dropped).toBe(0);
  });

  it('dropOldest: keeps the newest rows at the cap, counts and logs the dropped ones', async () => {
    const { ingest, publisher } = await start({ topics: 'drop/#', qos: 1, dedupe: { field: 'id' }, retention: { policy: 'dropOldest', maxRows: 10 } });
    for (const id of range(25)) await publisher.publishAsync('drop/a', JSON.stringify({ id }), { qos: 1 });
    await until(() => ingest.stats.stored === 25, '25 messages');
    expect(ingest.inbox.read(0, 100).map((r) => idOf(r.payload))).toEqual(range(10, 15));
    expect(ingest.stats.dropped).toBe(15);
    expect(ingest.inbox.usage().dropped).toBe(15);
    expect(logs.join('\n')).toMatch(/dropped the \d+ oldest messages/);
  });

  it('decodes CSV lines and float32 arrays, and dead-letters what they refuse and oversized payloads', async () => {
    const csv = await start({ topics: 'csv/#', codec: csvPayload({ columns: ['device', 'temp'], schema: { temp: 'number' } }), maxPayloadBytes: 100 });
    await publishAll(csv.publisher, [
      { topic: 'csv/a', payload: 'd1,21.5', qos: 1, id: 1 },
      { topic: 'csv/a', payload: 'd1,warm', qos: 1, id: 2 },
      { topic: 'csv/a', payload: `d1,${'9'.repeat(200)}`, qos: 1, id: 3 },
    ]).done;
    await until(() => csv.ingest.stats.stored + csv.ingest.stats.deadLettered === 3, 'csv');
    const reasons = (csv.store.db.prepare('SELECT reason FROM dead_letters ORDER BY id').all() as { reason: string }[]).map((r) => r.reason);
    expect(reasons).toEqual([expect.stringMatching(/"warm" is not a number/), expect.stringMatching(/exceeds maxPayloadBytes \(100\)/)]);
    const f32 = await start({ topics: 'f32/#', codec: float32Payload({ length: 3 }) });
    await publishAll(f32.publisher, [
      { topic: 'f32/a', payload: Buffer.from(Float32Array.of(1, 2, 3).buffer), qos: 1, id: 1 },
      { topic: 'f32/a', payload: Buffer.from(Float32Array.of(1, 2).buffer), qos: 1, id: 2 },
    ]).done;
    await until(() => f32.ingest.stats.stored + f32.ingest.stats.deadLettered === 2, 'float32');
    expect(f32.ingest.stats).toMatchObject({ stored: 1, deadLettered: 1 });
  });

  it('group commit: many QoS 1 messages of one publisher share commits and are stored in the order they were published', async () => {
    const { ingest, publisher } = await start({ topics: 'one/#', qos: 1 });
    await publishAll(
      publisher,
      range(400).map((id) => ({ topic: 'one/a', payload: JSON.stringify({ id }), qos: 1 as const, id })),
    ).done;
    await until(() => ingest.stats.stored === 400, '400 messages', 8000);
    expect(ingest.stats.commits).toBeLessThan(400);
    expect(ingest.inbox.read(0, 1000).map((r) => idOf(r.payload))).toEqual(range(400));
  });

  it('power: commits are fsynced (synchronous=FULL on a connection of its own) and many messages share each', async () => {
    const { ingest, store, connect } = await start({ topics: 'pw/#', qos: 1, durability: 'power', dedupe: { field: 'id' } });
    expect(ingest.inbox.store.db.pragma('synchronous', { simple: true })).toBe(2);
    expect(ingest.inbox.store).not.toBe(store);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(1);
    const publishers = [await connect('p1'), await connect('p2')];
    await Promise.all(
      publishers.map(
        (c, k) =>
          publishAll(
            c,
            range(200, k * 200).map((id) => ({ topic: `pw/${k}`, payload: JSON.stringify({ id }), qos: 1 as const, id })),
          ).done,
      ),
    );
    await until(() => ingest.stats.stored === 400, '400 messages', 8000);
    expect(ingest.stats.commits).toBeLessThan(200);
    expect(
      ingest.inbox
        .read(0, 1000)
        .map((r) => idOf(r.payload))
        .sort((a, b) => a - b),
    ).toEqual(range(400));
  });

  it('says at start when it has no dedupe key, since redeliveries are then stored twice', async () => {
    await start({ topics: 'plain/#' });
    expect(logs.join('\n')).toMatch(/no dedupe key .* stored twice \(at least once\)\. For exactly once, set dedupe/);
    logs.length = 0;
    await start({ topics: 'keyed/#', dedupe: { field: 'id' } });
    await start({ topics: 'timed/#', eventTimeField: 'at' });
    expect(logs.join('\n')).not.toMatch(/no dedupe key/);
  });

  it('checks the shared options at once, naming the option', async () => {
    const store = tempStore();
    open.push({ store, clients: [] });
    const base: ContractOptions = { name: 'x', topics: 'a/#' };
    await expect(kind.start(store, { ...base, name: '' })).rejects.toThrow(/name is required/);
    await expect(kind.start(store, { ...base, topics: 'a/b+' })).rejects.toThrow(/mixes a wildcard/);
    await expect(kind.start(store, { ...base, topics: [] })).rejects.toThrow(/topics must name at least one filter/);
    await expect(kind.start(store, { ...base, dedupe: { field: '' } })).rejects.toThrow(/dedupe must be/);
    await expect(kind.start(store, { ...base, durability: 'disk' as 'power' })).rejects.toThrow(/durability must be "process" or "power"/);
    await expect(kind.start(store, { ...base, maxPayloadBytes: 0 })).rejects.toThrow(/maxPayloadBytes must be a positive integer/);
    const memory = Store.open(':memory:');
    open.push({ store: memory, clients: [] });
    await expect(kind.start(memory, { ...base, durability: 'power' })).rejects.toThrow(/needs a database file/);
  });
}

/** Connects an MQTT client to `url` (MQTT 5 where the broker speaks it, for Mosquitto). */
export function connectClient(url: string, clientId: string, protocolVersion: 4 | 5): Promise<MqttClient> {
  return mqtt.connectAsync(url, { clientId, protocolVersion });
}
