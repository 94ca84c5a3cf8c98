/**
 * Model announcements through a real Mosquitto, with the models in s3rver: a push is followed by
 * a retained message on runnel/<fleet>/models/<name>; a device that subscribes later gets it and
 * pulls; a live announcement makes it pull the next version; an announcement of the version it
 * has, or a malformed one, pulls nothing; an announcement made while the broker is down stays
 * queued and goes out when it is back.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { Store } from '../../src/store/store.js';
import { announcementTopic, listenForAnnouncements, mqttAnnouncer, parseAnnouncement } from '../../src/sync/announcements.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';
import type { PulledModel } from '../../src/sync/registry.js';
import { S3Registry } from '../../src/sync/s3-registry.js';
import { SyncQueue } from '../../src/sync/sync-queue.js';
import { describeWithMosquitto, startMosquitto, type TestBroker } from '../support/mosquitto.js';
import { startS3rver, type TestS3 } from '../support/s3rver.js';
import { until } from '../support/until.js';
import { details } from './registry-contract.js';

describeWithMosquitto('model announcements over MQTT', () => {
  let s3: TestS3;
  let broker: TestBroker;
  const clients: MqttClient[] = [];
  const stores: Store[] = [];
  beforeAll(async () => {
    [s3, broker] = await Promise.all([startS3rver(), startMosquitto()]);
  });
  afterAll(async () => {
    for (const client of clients) await client.endAsync(true);
    for (const store of stores) store.close();
    await broker?.stop();
    await s3?.stop();
  });

  const temp = (): string => mkdtempSync(join(tmpdir(), 'runnel-announce-'));
  const keys = generateKeyPair(temp(), 'publisher');
  const signingKey = loadSigningKey(keys.privateKeyFile);
  const trust = loadTrustSet([keys.publicKeyFile]);
  const clock = new VirtualClock(0);

  /** A device with its own database and MQTT client, on the shared bucket. */
  const device = async (id: string) => {
    const store = Store.open(join(temp(), 'runnel.db'));
    stores.push(store);
    const client = await mqtt.connectAsync(broker.url, { clientId: id, reconnectPeriod: 100 });
    clients.push(client);
    const models: PulledModel[] = [];
    const log: string[] = [];
    const queue = new SyncQueue(store, {
      remote: new S3Registry({ ...s3.location, prefix: 'fleet-1' }, { signingKey, trust }),
      clock,
      random: () => 0,
      onModel: (m) => models.push(m),
      announce: mqttAnnouncer(client, 'fleet-1'),
      log: (line) => log.push(line),
    });
    return { client, queue, models, log };
  };

  it('push, announce, pull: retained for a late subscriber, live for the next version, nothing for old or malformed news, queued while the broker is down', async () => {
    const a = await device('device-a');
    const bytes = [1, 2, 3].map((n) => Uint8Array.from({ length: 300 }, (_, i) => (i * n) % 251));
    a.queue.push('temp', bytes[0]!, details(0));
    expect(await a.queue.runDue()).toEqual({ done: 2, failed: 0, waiting: 0 }); // the push, then its announcement

    const b = await device('device-b');
    await listenForAnnouncements(b.client, 'fleet-1', b.queue, (line) => b.log.push(line));
    await until(() => b.models.length === 1, 'device b to pull the retained announcement');
    expect(b.models[0]!.manifest.version).toBe(1);
    expect(b.models[0]!.bytes).toEqual(bytes[0]);

    a.queue.push('temp', bytes[1]!, details(1));
    await a.queue.runDue();
    await until(() => b.models.length === 2, 'device b to pull version 2 on the live announcement');
    expect(b.models[1]!.manifest.version).toBe(2);

    const topic = announcementTopic('fleet-1', 'temp');
    expect(topic).toBe('runnel/fleet-1/models/temp');
    await a.client.publishAsync(topic, JSON.stringify({ version: 2, sha256: b.models[1]!.manifest.sha256 }), { qos: 1, retain: true });
    await a.client.publishAsync(topic, 'not json', { qos: 1 });
    await until(() => b.log.some((l) => l.includes('ignored the announcement')), 'the malformed announcement to be logged');
    expect(b.log).toContain('sync: ignored the announcement on runnel/fleet-1/models/temp: not JSON');
    expect(b.queue.waiting()).toEqual([]); // version 2 again: no pull queued
    expect(b.models.length).toBe(2);

    await broker.restart(async () => {
      a.queue.push('temp', bytes[2]!, details(2));
      expect(await a.queue.runDue()).toEqual({ done: 1, failed: 1, waiting: 1 });
      expect(a.queue.waiting()).toMatchObject([{ kind: 'announce', name: 'temp', attempts: 1 }]);
      expect(a.log.at(-1)).toMatch(/announce of temp failed .*not connected to the MQTT broker/);
    });
    await until(() => a.client.connected && b.client.connected, 'both clients to reconnect', 10_000);
    clock.advance(1000);
    expect(await a.queue.runDue()).toEqual({ done: 1, failed: 0, waiting: 0 });
    await until(() => b.models.length === 3, 'device b to pull version 3 announced after the broker came back');
    expect(b.models[2]!.bytes).toEqual(bytes[2]);
  }, 30_000);
});

it('parseAnnouncement says what a payload lacks', () => {
  const sha256 = 'ab'.repeat(32);
  expect(parseAnnouncement(Buffer.from(JSON.stringify({ version: 3, sha256 })))).toEqual({ version: 3, sha256 });
  for (const bad of [{ version: 0, sha256 }, { version: 1.5, sha256 }, { version: 2 }, { version: 2, sha256: 'AB'.repeat(32) }, null]) {
    expect(parseAnnouncement(Buffer.from(JSON.stringify(bad)))).toMatch(/^expected \{ "version"/);
  }
  expect(() => announcementTopic('fleet/#', 'temp')).toThrow(/fleet must be/);
});
