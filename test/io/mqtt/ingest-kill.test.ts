/**
 * Both front doors of durable ingest killed with SIGKILL again and again while a publisher
 * streams QoS 1 messages: every message acknowledged to the publisher is in the inbox exactly
 * once at the end. They run as a device runs them: compiled JS (npm test builds dist/ first).
 */
import mqtt from 'mqtt';
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedBroker } from '../../../src/io/mqtt/embedded-broker.js';
import { Store } from '../../../src/store/store.js';
import { runWithKills, seededRandom } from '../../../src/testing/index.js';
import { notExactlyOnce } from '../../support/exactly-once.js';
import { describeWithMosquitto, freePort, startMosquitto, type TestBroker } from '../../support/mosquitto.js';
import { until } from '../../support/until.js';
import { SEED } from '../../seed.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'dist', 'test', 'io', 'mqtt', 'fixtures');

/** Runs `child` under `runWithKills` while `publishing` runs, then checks the inbox at `path` against what was acknowledged. */
async function expectExactlyOnceAcrossKills(
  what: string,
  path: string,
  child: string[],
  maxStepsPerLife: number,
  publish: () => Promise<Set<number>>,
  afterKills?: () => Promise<void>,
): Promise<void> {
  const publishing = publish();
  const { kills } = await runWithKills({ command: process.execPath, args: child, random: seededRandom(SEED), maxStepsPerLife });
  await afterKills?.();
  const acked = await publishing;
  const store = Store.open(path);
  const ids = (store.db.prepare("SELECT payload FROM inbox WHERE source = 'kill' AND topic != 'kill/done'").all() as { payload: Buffer }[]).map(
    (r) => (JSON.parse(r.payload.toString()) as { id: number }).id,
  );
  const duplicates = (store.db.prepare("SELECT duplicates FROM inbox_usage WHERE source = 'kill'").get() as { duplicates: number }).duplicates;
  store.close();
  console.log(`${what}: ${kills} kills, ${duplicates} redeliveries dropped as duplicates`);
  expect(kills).toBeGreaterThanOrEqual(20);
  expect(notExactlyOnce(acked, ids)).toEqual([]);
  expect(ids.length).toBe(acked.size);
}

const tempPath = (): string => join(mkdtempSync(join(tmpdir(), 'runnel-kill-')), 'runnel.db');

/** Rows the ingest has committed so far, read beside the process being killed (0 before its database exists). */
function storedRows(path: string): number {
  if (!existsSync(path)) return 0;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM inbox WHERE source = 'kill'").get() as { n: number }).n;
  } catch {
    return 0; // the schema is not there yet
  } finally {
    db.close();
  }
}

describeWithMosquitto('MqttIngest on Mosquitto, killed with SIGKILL', () => {
  let broker: TestBroker;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(() => broker.stop());

  it(`keeps every message the broker acknowledged to the publisher, exactly once, across >= 20 kills (seed ${SEED})`, { timeout: 90_000 }, async () => {
    const count = 2500;
    const path = tempPath();
    // The ingest's session must exist before publishing, or the broker has nobody to queue for.
    const first = await mqtt.connectAsync(broker.url, { clientId: 'kill-test-ingest', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 3600 } });
    await first.subscribeAsync('kill/#', { qos: 1 });
    await first.endAsync();
    const publisher = await mqtt.connectAsync(broker.url, { clientId: 'kill-publisher', protocolVersion: 5 });
    await expectExactlyOnceAcrossKills('mosquitto kill test', path, [join(FIXTURES, 'ingest-child.js'), broker.url, path, String(count)], 60, async () => {
      const acked = new Set<number>();
      for (let id = 0; id < count; id++) {
        await publisher.publishAsync(`kill/${id % 7}`, JSON.stringify({ id, v: id * 0.5 }), { qos: 1 });
        acked.add(id);
        // At most ~70 messages ahead of the inbox: a life takes at most that many at once, so the
        // stream spans many lives however slowly a loaded machine restarts the ingest.
        if (id % 10 === 9) await until(() => storedRows(path) >= id - 60, 'the ingest to catch up', 60_000);
      }
      await publisher.endAsync();
      expect(acked.size).toBe(count);
      return acked;
    });
  });
});

it(
  `embedded broker killed with SIGKILL: every message its publisher got a PUBACK for is in the inbox exactly once, across >= 20 kills (seed ${SEED})`,
  { timeout: 90_000 },
  async () => {
    const count = 1000;
    const path = tempPath();
    const port = await freePort();
    // A publisher that keeps its unacknowledged messages and sends them again on every reconnect.
    const publisher = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: 'embedded-kill-publisher', clean: false, reconnectPeriod: 20, connectTimeout: 2000 });
    let last: Awaited<ReturnType<typeof startEmbeddedBroker>> | undefined;
    let lastStore: Store | undefined;
    await expectExactlyOnceAcrossKills(
      'embedded kill test',
      path,
      [join(FIXTURES, 'embedded-child.js'), String(port), path],
      12,
      async () => {
        const acked = new Set<number>();
        for (let id = 0; id < count; id += 10) {
          // Ten at a time, so batches stay small and the stream spans many lives of the broker.
          await Promise.all(
            Array.from({ length: 10 }, (_, k) => publisher.publishAsync(`kill/${(id + k) % 7}`, JSON.stringify({ id: id + k }), { qos: 1 }).then(() => acked.add(id + k))),
          );
        }
        // Once every message is acknowledged: the broker process exits when it has stored this one.
        await publisher.publishAsync('kill/done', JSON.stringify({ id: -1 }), { qos: 1 });
        await publisher.endAsync();
        await last?.close();
        lastStore?.close();
        expect(acked.size).toBe(count);
        return acked;
      },
      async () => {
        // The last life exits right after its last commit; a PUBACK it had no time to send comes from one more life.
        lastStore = Store.open(path);
        last = await startEmbeddedBroker({ store: lastStore, name: 'kill', port, topics: 'kill/#', dedupe: { field: 'id' }, log: () => {} });
      },
    );
  },
);
