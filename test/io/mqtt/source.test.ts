import fc from 'fast-check';
import mqtt, { type MqttClient } from 'mqtt';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Pipeline, Store, collect, run } from '../../../src/index.js';
import type { MqttIngest } from '../../../src/io/mqtt/ingest.js';
import { mqttSource, type MqttSourceOptions } from '../../../src/io/mqtt/source.js';
import { jsonPayload } from '../../../src/io/payload-codecs.js';
import { describeWithMosquitto, startMosquitto, type TestBroker } from '../../support/mosquitto.js';
import { SEED } from '../../seed.js';

const tempPath = () => join(mkdtempSync(join(tmpdir(), 'runnel-mqtt-source-')), 'runnel.db');

/** Runs a pipeline reading `options` until `stop` says so (checked after every step). */
/** Runs a pipeline reading `options`' source until `stop`; `started` resolves once the source is subscribed. */
function runUntil(store: Store, options: MqttSourceOptions, stop: (values: Record<string, unknown>[], ingest: MqttIngest | undefined) => boolean) {
  const out = collect<Record<string, unknown>>();
  const p = new Pipeline();
  let ingest: MqttIngest | undefined;
  let subscribed: () => void = () => {};
  const started = new Promise<void>((resolve) => (subscribed = resolve));
  p.apply(mqttSource(store, { ...options, onStart: (i) => ((ingest = i), subscribed()) })).apply(out);
  const controller = new AbortController();
  const deadline = Date.now() + 20_000;
  const finished = run(p, {
    store,
    signal: controller.signal,
    idleWaitMs: 5,
    onProgress: () => (stop(out.values, ingest) || Date.now() > deadline) && controller.abort(),
  }).then((result) => ({ values: out.values, elements: out.elements, result }));
  return { started, finished };
}

describeWithMosquitto('mqttSource in a durable pipeline (Mosquitto)', () => {
  let broker: TestBroker;
  let publisher: MqttClient;
  beforeAll(async () => {
    broker = await startMosquitto();
    publisher = await mqtt.connectAsync(broker.url, { clientId: 'source-publisher', protocolVersion: 5 });
  });
  afterAll(async () => {
    await publisher.endAsync();
    await broker.stop();
  });

  it('gives decoded records with named topic parts at their event time, resumes from its checkpoint, and deletes consumed rows', async () => {
    const path = tempPath();
    const options: MqttSourceOptions = {
      name: 'temps',
      connection: { url: broker.url, clientId: 'source-resume' },
      topics: 'site/+site/sensors/+device/#rest',
      eventTimeField: 'at',
      dedupe: { field: 'id' },
      maxLateness: 100,
    };
    let store = Store.open(path);
    let steps = 0;
    const first = await runUntil(store, options, () => ++steps > 5).finished;
    store.close();
    // The session exists now: publish while the pipeline is down, then resume.
    for (let id = 0; id < 60; id++) {
      await publisher.publishAsync(`site/s${id % 2}/sensors/d${id % 3}/temp/c`, JSON.stringify({ id, at: 1000 + id, t: id / 2 }), { qos: 1 });
    }
    store = Store.open(path);
    const second = await runUntil(store, options, (values) => values.length >= 60).finished;
    expect(first.values).toEqual([]);
    expect(second.values.map((v) => v['id'])).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(second.values[5]).toEqual({ id: 5, at: 1005, t: 2.5, site: 's1', device: 'd2', rest: 'temp/c' });
    expect(second.elements[5]!.timestamp).toBe(1005);
    store.close();
    // A third run gets nothing again, and the consumed rows are gone.
    store = Store.open(path);
    steps = 0;
    const { values: empty } = await runUntil(store, options, () => ++steps > 20).finished;
    expect(empty).toEqual([]);
    expect((store.db.prepare("SELECT count(*) AS n FROM inbox WHERE source = 'temps'").get() as { n: number }).n).toBe(0);
    store.close();
  });

  it(`fuzz: 10,000 garbage payloads among valid ones: all valid processed, each bad one a dead letter with a reason (seed ${SEED})`, { timeout: 60_000 }, async () => {
    const garbage = fc.sample(
      fc.oneof(
        fc.uint8Array({ maxLength: 120 }),
        fc.string({ maxLength: 80 }).map((s) => Buffer.from(s)),
        fc.json({ maxDepth: 2 }).map((s) => Buffer.from(s)),
        fc.record({ id: fc.oneof(fc.integer(), fc.string(), fc.double()), temp: fc.oneof(fc.double(), fc.string(), fc.constant(null)) }).map((r) => Buffer.from(JSON.stringify(r))),
        fc.integer({ min: 1001, max: 3000 }).map((n) => Buffer.alloc(n, 0x7b)),
      ),
      { numRuns: 10_000, seed: SEED },
    );
    // Independent of the codec: what the schema { id: integer, temp: number } accepts.
    const acceptable = (bytes: Uint8Array): boolean => {
      if (bytes.byteLength > 1000) return false;
      let v: unknown;
      try {
        v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch {
        return false;
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
      const r = v as Record<string, unknown>;
      return Number.isSafeInteger(r['id']) && typeof r['temp'] === 'number';
    };
    const valid = Array.from({ length: 1000 }, (_, i) => Buffer.from(JSON.stringify({ id: 1_000_000 + i, temp: i / 4 })));
    const stream = [...garbage.map((g, i) => ({ topic: `fz/bad/${i % 5}`, payload: Buffer.from(g) })), ...valid.map((v) => ({ topic: 'fz/good/x', payload: v }))];
    const random = fc.sample(fc.integer(), { numRuns: stream.length, seed: SEED });
    const order = stream
      .map((s, i) => ({ s, k: random[i]! }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.s);
    const expectedGood = order.filter((m) => acceptable(m.payload)).length;
    const expectedBad = order.length - expectedGood;

    const path = tempPath();
    const store = Store.open(path);
    const options: MqttSourceOptions = {
      name: 'fuzz',
      connection: { url: broker.url, clientId: 'source-fuzz' },
      topics: 'fz/+kind/#',
      codec: jsonPayload({ schema: { id: 'integer', temp: 'number' } }),
      maxPayloadBytes: 1000,
      log: () => {},
    };
    let published = false;
    const running = runUntil(store, options, (values, ingest) => published && values.length >= expectedGood && (ingest?.stats.deadLettered ?? 0) >= expectedBad);
    await running.started;
    for (let i = 0; i < order.length; i += 500) {
      await Promise.all(order.slice(i, i + 500).map((m) => publisher.publishAsync(m.topic, m.payload, { qos: 1 })));
    }
    published = true;
    const { values } = await running.finished;
    const letters = store.db.prepare("SELECT reason, payload FROM dead_letters WHERE stage = 'fuzz'").all() as { reason: string; payload: string }[];
    store.close();
    expect(values.length).toBe(expectedGood);
    const goodIds = order.filter((m) => m.topic === 'fz/good/x').map((m) => (JSON.parse(m.payload.toString()) as { id: number }).id);
    expect(values.filter((v) => v['kind'] === 'good').map((v) => v['id'])).toEqual(goodIds);
    expect(letters.length).toBe(expectedBad);
    for (const l of letters) {
      expect(l.reason).toMatch(/json payload rejected: .+|exceeds maxPayloadBytes/);
      const p = JSON.parse(l.payload) as { topic: string; payloadBase64: string };
      expect(p.topic).toMatch(/^fz\/bad\//);
    }
  });
});
