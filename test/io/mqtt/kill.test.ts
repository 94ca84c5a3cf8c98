import mqtt from 'mqtt';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Store } from '../../../src/store/store.js';
import { runWithKills, seededRandom } from '../../../src/testing/index.js';
import { describeWithMosquitto, startMosquitto, type TestBroker } from '../../support/mosquitto.js';
import { SEED } from '../../seed.js';

// The ingest as a device runs it: compiled JS (npm test builds dist/ first).
const CHILD = join(import.meta.dirname, '..', '..', '..', 'dist', 'test', 'io', 'mqtt', 'fixtures', 'ingest-child.js');
const COUNT = 2500;

describeWithMosquitto('MQTT ingest killed with SIGKILL (process durability, Mosquitto)', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(() => broker.stop());

  it(`keeps every message the broker acknowledged to the publisher, exactly once, across >= 20 kills (seed ${SEED})`, { timeout: 90_000 }, async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'runnel-kill-')), 'runnel.db');
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'kill-publisher', protocolVersion: 5 });
    const acked = new Set<number>();
    // The ingest's session must exist before publishing, or the broker has nobody to queue for.
    const first = await mqtt.connectAsync(broker.url, { clientId: 'kill-test-ingest', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 } });
    await first.subscribeAsync('kill/#', { qos: 1 });
    await first.endAsync();
    // A separate publisher, paced so the stream runs across many lives of the ingest.
    const publishing = (async () => {
      for (let id = 0; id < COUNT; id++) {
        await publisher.publishAsync(`kill/${id % 7}`, JSON.stringify({ id, v: id * 0.5 }), { qos: 1 });
        acked.add(id);
        // ~300 msgs/s at most: the ingest commits many messages at once, so a faster stream would
        // be over in a few lives.
        if (id % 50 === 49) await new Promise((r) => setTimeout(r, 160));
      }
    })();
    const { kills } = await runWithKills({ command: process.execPath, args: [CHILD, broker.url, path, String(COUNT)], random: seededRandom(SEED), maxStepsPerLife: 60 });
    await publishing;
    await publisher.endAsync();
    const store = Store.open(path);
    const ids = (store.db.prepare("SELECT payload FROM inbox WHERE source = 'kill'").all() as { payload: Buffer }[]).map((r) => (JSON.parse(r.payload.toString()) as { id: number }).id);
    const duplicates = (store.db.prepare("SELECT duplicates FROM inbox_usage WHERE source = 'kill'").get() as { duplicates: number }).duplicates;
    store.close();
    console.log(`kill test: ${kills} kills, ${duplicates} redeliveries dropped as duplicates`);
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(acked.size).toBe(COUNT);
    const counts = new Map<number, number>();
    for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect([...acked].filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect(ids.length).toBe(COUNT);
  });
});
