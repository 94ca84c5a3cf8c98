/**
 * The outbox side of a full disk: `MqttSink` deletes a row once the broker confirmed it, and on a
 * full disk that delete fails too (SQLite writes it to the WAL first). It used to throw
 * SQLITE_FULL out of the sink's timer and kill the process. Now the confirmed rows (and the
 * undeliverable ones, whose move to dead letters fails alike) are held back by `OutboxQueue`, not
 * sent again, and settled by themselves once space returns.
 *
 * Only a real file system that fills up makes a delete fail (a page limit does not: a delete
 * frees pages), so this test needs the tmpfs; where mounting is refused it is skipped with that
 * reason in its name.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MqttSink, Pipeline, Store, create, kv, run, writeOutbox } from '../../src/index.js';
import { committedOutputs } from '../../src/store/outbox-queue.js';
import { startAedes, type TestBroker } from '../support/mosquitto.js';
import { fullDisk, until } from './fixtures/full-disk.js';

const disk = fullDisk(8);
console.info(`outbox disk-full test mode: ${disk.mode}`);
const OUTPUTS = 3000;
/** Every 100th output goes to a topic no broker accepts: it is undeliverable. */
const badTopic = (key: number): boolean => key % 100 === 7;

describe('a full disk under the outbox', () => {
  let store: Store | undefined;
  let broker: TestBroker | undefined;
  const clients: MqttClient[] = [];
  let sink: MqttSink<{ key: number; value: number }> | undefined;

  afterAll(async () => {
    try {
      if (store) disk.free(store); // first: with the disk still full, even stopping the sink would write
      sink?.stop();
      for (const c of clients) await c.endAsync(true);
      await broker?.stop();
      store?.close();
    } finally {
      disk.dispose();
    }
  });

  it.skipIf(!disk.tmpfs)(
    `${disk.tmpfs ? '' : '(skipped: needs a tmpfs, and mounting one was not permitted) '}the sink keeps publishing; confirmed rows are deleted, and undeliverable ones dead-lettered, once space returns, none sent twice`,
    { timeout: 20_000 },
    async () => {
      const path = join(disk.dir, 'runnel.db');
      const opened = Store.open(path);
      store = opened;
      const p = new Pipeline();
      p.apply(create(Array.from({ length: OUTPUTS }, (_, i) => kv(i, i * 2)))).apply(writeOutbox());
      await run(p, { store: opened, bundleSize: 500 });
      expect(committedOutputs(opened)).toHaveLength(OUTPUTS);

      broker = await startAedes();
      const consumer = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clean: true });
      clients.push(consumer);
      const received = new Map<string, number>();
      consumer.on('message', (_topic, payload) => {
        const id = (JSON.parse(payload.toString()) as { outputId: string }).outputId;
        received.set(id, (received.get(id) ?? 0) + 1);
      });
      await consumer.subscribeAsync('out/#', { qos: 1 });
      const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
      clients.push(client);

      disk.fill(opened);
      sink = new MqttSink<{ key: number; value: number }>(opened, {
        client,
        topic: (v) => (badTopic(v.key) ? 'out/#' : `out/${v.key}`),
        idProperty: null,
        idField: 'outputId',
        qos: 1,
        pollMs: 20,
      }).start();
      const deliverable = OUTPUTS - Array.from({ length: OUTPUTS }, (_, i) => i).filter(badTopic).length;
      await until(() => received.size === deliverable, 'every deliverable output at the consumer');
      await new Promise((resolve) => setTimeout(resolve, 300)); // many polls of the sink meanwhile
      // Delivered, yet still in the file: the deletes could not be written.
      expect(sink.stats.delivered).toBe(deliverable);
      expect(committedOutputs(opened)).toHaveLength(OUTPUTS);
      expect(opened.db.prepare('SELECT count(*) FROM dead_letters').pluck().get()).toBe(0);

      disk.free(opened);
      await until(() => committedOutputs(opened).length === 0, 'the outbox to empty');
      await sink.drained();
      expect([...received.values()].every((n) => n === 1)).toBe(true);
      const letters = opened.db.prepare('SELECT stage, code FROM dead_letters').all();
      expect(letters).toHaveLength(OUTPUTS - deliverable);
      expect(letters.every((l) => (l as { code: string }).code === 'UNDELIVERABLE')).toBe(true);
      expect(opened.db.pragma('integrity_check', { simple: true })).toBe('ok');
    },
  );
});
