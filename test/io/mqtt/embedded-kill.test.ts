import mqtt from 'mqtt';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../../src/io/mqtt/embedded-broker.js';
import { Store } from '../../../src/store/store.js';
import { runWithKills, seededRandom } from '../../../src/testing/index.js';
import { notExactlyOnce } from '../../support/exactly-once.js';
import { freePort } from '../../support/mosquitto.js';
import { SEED } from '../../seed.js';

// The broker as a device runs it: compiled JS (npm test builds dist/ first).
const CHILD = join(import.meta.dirname, '..', '..', '..', 'dist', 'test', 'io', 'mqtt', 'fixtures', 'embedded-child.js');
const COUNT = 1000;

it(`embedded broker killed with SIGKILL: every message its publisher got a PUBACK for is in the inbox exactly once, across >= 20 kills (seed ${SEED})`, { timeout: 90_000 }, async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'runnel-embedded-kill-')), 'runnel.db');
  const port = await freePort();
  const url = `mqtt://127.0.0.1:${port}`;
  // A separate publisher that keeps its unacknowledged messages and sends them again on every reconnect.
  const publisher = mqtt.connect(url, { clientId: 'embedded-kill-publisher', clean: false, reconnectPeriod: 20, connectTimeout: 2000 });
  const acked = new Set<number>();
  const publishing = (async () => {
    for (let id = 0; id < COUNT; id += 10) {
      // Ten at a time, so batches stay small and the stream spans many lives of the broker.
      await Promise.all(Array.from({ length: 10 }, (_, k) => publisher.publishAsync(`kill/${(id + k) % 7}`, JSON.stringify({ id: id + k }), { qos: 1 }).then(() => acked.add(id + k))));
    }
    // Once every message is acknowledged: the broker process exits when it has stored this one.
    await publisher.publishAsync('kill/done', JSON.stringify({ id: -1 }), { qos: 1 });
  })();
  const { kills } = await runWithKills({ command: process.execPath, args: [CHILD, String(port), path], random: seededRandom(SEED), maxStepsPerLife: 12 });
  // The last life exits right after its last commit; a PUBACK it had no time to send comes from one more life.
  const store = Store.open(path);
  const last = await startEmbeddedBroker({ store, name: 'kill', port, topics: 'kill/#', dedupe: { field: 'id' }, log: () => {} });
  await publishing;
  await publisher.endAsync();
  await last.close();
  const ids = (store.db.prepare("SELECT payload FROM inbox WHERE source = 'kill' AND topic != 'kill/done'").all() as { payload: Buffer }[]).map((r) => (JSON.parse(r.payload.toString()) as { id: number }).id);
  const duplicates = last.inbox.usage().duplicates;
  store.close();
  console.log(`embedded kill test: ${kills} kills, ${duplicates} redeliveries dropped as duplicates`);
  expect(kills).toBeGreaterThanOrEqual(20);
  expect(acked.size).toBe(COUNT);
  expect(notExactlyOnce(acked, ids)).toEqual([]);
  expect(ids.length).toBe(COUNT);
});
