/**
 * Durable ingest through both front doors of the one commit engine (`ingest-contract.ts`):
 * `MqttIngest` subscribed to a real Mosquitto, and the embedded aedes broker; then what only one
 * of them has.
 */
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../../src/io/mqtt/embedded-broker.js';
import { inboxSource } from '../../../src/io/mqtt/inbox-source.js';
import { MqttIngest } from '../../../src/io/mqtt/ingest.js';
import { parseTopicFilter } from '../../../src/io/mqtt/topic-filter.js';
import { jsonPayload } from '../../../src/io/payload-codecs.js';
import type { Store } from '../../../src/store/store.js';
import { read } from '../../../src/transforms/read.js';
import { describeWithMosquitto, startMosquitto, type TestBroker } from '../../support/mosquitto.js';
import { until } from '../../support/until.js';
import { connectClient, ingestContract, publishAll, tempStore, type IngestKind } from './ingest-contract.js';

describeWithMosquitto('durable ingest contract: MqttIngest on Mosquitto', () => {
  let broker: TestBroker;
  let ingests = 0;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(() => broker.stop());
  const kind: IngestKind = {
    name: 'mosquitto',
    publisherSeesGate: false,
    async start(store, options) {
      const ingest = await MqttIngest.start(store, { ...options, connection: { url: broker.url, clientId: `ingest-${++ingests}` } });
      const filters = (typeof options.topics === 'string' ? [options.topics] : options.topics).map(parseTopicFilter);
      return {
        get stats() {
          return ingest.stats;
        },
        inbox: ingest.inbox,
        get blocked() {
          return ingest.blocked;
        },
        connectPublisher: (clientId) => connectClient(broker.url, clientId, 5),
        source: () => read(inboxSource(store, { name: options.name, codec: options.codec ?? jsonPayload(), filters, maxLateness: 0, deleteConsumed: true }), options.name),
        close: () => ingest.close(),
      };
    },
  };
  ingestContract(kind);

  it('a bad payload the broker sends again (DUP) after a failed commit is dead-lettered once, marked redelivered', async () => {
    const store = tempStore();
    // The dead letter's commit fails until the trigger goes: the broker gets no PUBACK and redelivers with DUP set.
    store.db.exec("CREATE TRIGGER refuse BEFORE INSERT ON dead_letters BEGIN SELECT RAISE(ABORT, 'refused by test'); END;");
    const ingest = await MqttIngest.start(store, {
      name: 'sensors',
      topics: 'dup/#',
      qos: 1,
      retryMs: 20,
      log: () => {},
      connection: { url: broker.url, clientId: `ingest-${++ingests}` },
    });
    const publisher = await connectClient(broker.url, 'dup-publisher', 5);
    try {
      await publisher.publishAsync('dup/a', 'not json', { qos: 1 });
      await until(() => ingest.stats.blocks >= 2 && ingest.stats.received >= 2, 'a redelivery');
      store.db.exec('DROP TRIGGER refuse');
      await until(() => ingest.stats.deadLettered === 1, 'the dead letter');
      const letters = store.db.prepare('SELECT payload FROM dead_letters').all() as { payload: string }[];
      expect(letters.map((l) => JSON.parse(l.payload) as unknown)).toEqual([{ topic: 'dup/a', payloadBase64: Buffer.from('not json').toString('base64'), redelivered: true }]);
    } finally {
      await publisher.endAsync();
      await ingest.close();
      store.close();
    }
  });
});

describe('durable ingest contract: the embedded broker', () => {
  const kind: IngestKind = {
    name: 'embedded',
    publisherSeesGate: true,
    async start(store, options) {
      const broker = await startEmbeddedBroker({ ...options, store, port: 0 });
      return {
        stats: broker.stats,
        inbox: broker.inbox,
        get blocked() {
          return broker.blocked;
        },
        connectPublisher: (clientId) => connectClient(broker.url, clientId, 4),
        source: () => broker.source(),
        close: () => broker.close(),
      };
    },
  };
  ingestContract(kind);
});

describe('embedded broker only', () => {
  const stores: Store[] = [];
  afterEach(() => stores.splice(0).forEach((s) => s.close()));
  const store = (): Store => {
    const s = tempStore();
    stores.push(s);
    return s;
  };

  it('a publisher that reconnects while its message is held sends it again, and it is stored once (no dedupe needed)', async () => {
    const s = store();
    s.db.exec("CREATE TRIGGER refuse BEFORE INSERT ON inbox WHEN NEW.topic = 'gate/x' BEGIN SELECT RAISE(ABORT, 'refused by test'); END;");
    const broker = await startEmbeddedBroker({ store: s, name: 'sensors', port: 0, topics: 'gate/#', dedupe: 'none', retryMs: 20, log: () => {} });
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'reconnecting', reconnectPeriod: 20 });
    try {
      const sent = publishAll(publisher, [{ topic: 'gate/x', payload: '{"id":3}', qos: 1, id: 3 }]);
      await until(() => broker.stats.blocks >= 2, 'two failed commits');
      publisher.stream.destroy();
      await until(() => broker.stats.received >= 2, 'the message sent again after the reconnect');
      s.db.exec('DROP TRIGGER refuse');
      await sent.done;
      expect(broker.stats.abandoned).toBe(1);
      expect(broker.inbox.read(0, 10).map((r) => r.payload.toString())).toEqual(['{"id":3}']);
    } finally {
      await publisher.endAsync(true);
      await broker.close();
    }
  });

  it('why authorizePublish: aedes sends the QoS 1 PUBACK before its `published` hook, so that hook cannot gate it', async () => {
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

  it('checks where to listen at once', async () => {
    await expect(startEmbeddedBroker({ store: store(), name: 'x', topics: 'a/#', port: 70_000 })).rejects.toThrow(/port must be an integer from 0 to 65535/);
  });
});
