import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { expect, it } from 'vitest';
import { Pipeline, Store, run, writeOutbox } from '../../../src/index.js';
import { connectMqtt, type MqttConnection } from '../../../src/io/mqtt/connection.js';
import type { MqttIngest } from '../../../src/io/mqtt/ingest.js';
import { MqttSink } from '../../../src/io/mqtt/sink.js';
import { mqttSource } from '../../../src/io/mqtt/source.js';
import { Inbox } from '../../../src/store/inbox.js';
import { seededRandom } from '../../../src/testing/index.js';
import { describeWithMosquitto, startMosquitto } from '../../support/mosquitto.js';
import { until } from '../../support/until.js';
import { SEED } from '../../seed.js';

const FAST_BACKOFF = { initialMs: 50, maxMs: 200 };

interface Reading {
  device: string;
  temperature: number;
  seq: number;
}

describeWithMosquitto('Mosquitto restart under a running job (persistent sessions)', () => {
  it(`loses nothing: messages published while it is down arrive, outputs made while it is down are delivered after (seed ${SEED})`, async () => {
    const broker = await startMosquitto();
    const store = Store.open(join(mkdtempSync(join(tmpdir(), 'runnel-restart-')), 'runnel.db'));
    const random = seededRandom(SEED);
    let seq = 0;
    const batch = (n: number): Reading[] =>
      Array.from({ length: n }, () => ({ device: `d${Math.floor(random() * 6)}`, temperature: Math.round(random() * 1000) / 10, seq: seq++ }));
    const connections: MqttConnection[] = [];
    let publisher: MqttClient | undefined;
    let ingest: MqttIngest | undefined;
    const controller = new AbortController();
    let running: Promise<unknown> | undefined;
    try {
      // The consumer of the alerts: a persistent session, so the broker keeps its alerts across the restart.
      const received = new Map<string, Reading>();
      const consumer = await connectMqtt({ url: broker.url, clientId: 'alerts-consumer', backoff: FAST_BACKOFF });
      connections.push(consumer);
      consumer.client.on('message', (_topic, payload, packet) => {
        received.set(String(packet.properties?.userProperties?.['runnel-output-id']), JSON.parse(payload.toString()) as Reading);
      });
      await consumer.client.subscribeAsync('alerts/#', { qos: 1 });

      // The job: MQTT → inbox → keep temperature > 50 → outbox → MQTT, all durable.
      const sinkConnection = await connectMqtt({ url: broker.url, clientId: 'job-out', backoff: FAST_BACKOFF });
      connections.push(sinkConnection);
      const sink = new MqttSink<Reading>(store, { client: sinkConnection.client, topic: (r) => `alerts/${r.device}`, pollMs: 10 }).start();
      const p = new Pipeline();
      p.apply(
        mqttSource(store, {
          name: 'sensors',
          connection: { url: broker.url, clientId: 'job-in', backoff: FAST_BACKOFF },
          topics: 'sensors/+device',
          // QoS 1 is at least once: Mosquitto may redeliver after its restart what it had not yet
          // recorded as acknowledged. The guarantee is "once after dedupe", so dedupe as a user would.
          dedupe: { field: 'seq' },
          onStart: (i) => (ingest = i),
          log: () => undefined,
        }),
      )
        .filter((r) => (r['temperature'] as number) > 50, 'hot')
        .apply(writeOutbox());
      running = run(p, { store, signal: controller.signal, idleWaitMs: 5, onProgress: () => sink.notify() });
      await until(() => ingest !== undefined, 'the job to subscribe', 15_000);

      publisher = await mqtt.connectAsync(broker.url, {
        clientId: 'sensors-publisher',
        protocolVersion: 5,
        clean: false,
        reconnectPeriod: 50,
        properties: { sessionExpiryInterval: 600 },
      });
      const publish = (readings: Reading[]): Promise<unknown> => Promise.all(readings.map((r) => publisher!.publishAsync(`sensors/${r.device}`, JSON.stringify(r), { qos: 1 })));

      const before = batch(200);
      await publish(before);
      await until(() => sink.stats.delivered === before.filter((r) => r.temperature > 50).length, 'the first alerts', 15_000);

      const duringDown = batch(300);
      const buffered = batch(100);
      let confirmedLater: Promise<unknown> | undefined;
      await broker.restart(async () => {
        await until(() => !sinkConnection.client.connected && !publisher!.connected, 'the clients to see the broker gone', 15_000);
        // Published while the broker is away: the publisher holds them until it returns.
        confirmedLater = publish(duringDown);
        // Messages already in the inbox when the broker went away: the job turns them into outputs now.
        new Inbox(store, 'sensors').append(
          buffered.map((r) => ({ topic: `sensors/${r.device}`, payload: Buffer.from(JSON.stringify(r)), qos: 1 as const, arrivedAt: Date.now(), eventTime: Date.now() })),
        );
        const hot = buffered.filter((r) => r.temperature > 50).length;
        const waiting = (): number => (store.db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
        await until(() => waiting() === hot, 'outputs made while the broker is down', 15_000);
        await new Promise((r) => setTimeout(r, 500)); // down a while longer
        expect(waiting()).toBe(hot); // not confirmed, so not deleted
      });
      await confirmedLater;

      const all = [...before, ...duringDown, ...buffered];
      const hot = all.filter((r) => r.temperature > 50);
      await until(() => received.size >= hot.length, `all ${hot.length} alerts at the consumer`, 15_000);
      await sink.drained();
      expect([...received.values()].sort((a, b) => a.seq - b.seq)).toEqual(hot.sort((a, b) => a.seq - b.seq));
      expect(received.size).toBe(hot.length); // each output id once: no output was made twice
      expect((store.db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n).toBe(0);
      expect(ingest!.stats.stored).toBe(before.length + duringDown.length);
      sink.stop();
    } finally {
      controller.abort();
      await running?.catch(() => undefined);
      await publisher?.endAsync(true);
      await Promise.all(connections.map((c) => c.close()));
      store.close();
      await broker.stop();
    }
  }, 60_000);
});
