import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { Pipeline, collect, create, flatten, mqttSource, pcollections, run, RunnelError } from '../../src/index.js';
import { refuseTimestampsAfterArrivalTime } from '../../src/runner/event-time-check.js';
import { Store } from '../../src/store/store.js';

const stores: Store[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function openStore(): Store {
  const store = Store.open(join(mkdtempSync(join(tmpdir(), 'runnel-event-time-')), 'runnel.db'));
  stores.push(store);
  return store;
}

/** A broker nobody listens on: a run that got as far as connecting would fail differently. */
const NOWHERE = 'mqtt://127.0.0.1:1';

it('refuses withTimestamps after an MQTT source that stamps arrival time, before connecting, and says to set eventTimeField', async () => {
  const p = new Pipeline();
  p.apply(mqttSource(openStore(), { connection: { url: NOWHERE, clientId: 'event-time-test' }, topics: 'sensors/#', name: 'sensors' }))
    .withTimestamps((r) => Number(r.at), 'payload time')
    .apply(collect());
  const refusal = await run(p, { store: openStore() }).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(refusal).toBeInstanceOf(RunnelError);
  expect((refusal as RunnelError).code).toBe('PIPELINE_INVALID');
  expect((refusal as RunnelError).message).toMatch(/"payload time" sets event times after the source "sensors", which stamps each message with its arrival time/);
  expect((refusal as RunnelError).message).toMatch(/eventTimeField: 'at'/);
});

it('follows the arrival-time source through maps and a flatten with a bounded input', () => {
  const p = new Pipeline();
  const live = p
    .apply(mqttSource(openStore(), { connection: { url: NOWHERE, clientId: 'event-time-test' }, topics: 'sensors/#', name: 'live' }))
    .map((r): Record<string, unknown> => r);
  const files = p.apply(create<Record<string, unknown>>([{ at: 1 }]));
  pcollections(live, files)
    .apply(flatten())
    .withTimestamps((r) => Number(r.at), 'merged time');
  expect(() => refuseTimestampsAfterArrivalTime(p)).toThrow(/"merged time" sets event times after the source "live"/);
});

it('accepts withTimestamps after a source that reads the payload time, and on a branch no arrival-time source feeds', () => {
  const withField = new Pipeline();
  withField
    .apply(mqttSource(openStore(), { connection: { url: NOWHERE, clientId: 'event-time-test' }, topics: 'sensors/#', name: 'sensors', eventTimeField: 'at' }))
    .withTimestamps((r) => Number(r.at) + 1);
  expect(() => refuseTimestampsAfterArrivalTime(withField)).not.toThrow();

  const branches = new Pipeline();
  branches.apply(mqttSource(openStore(), { connection: { url: NOWHERE, clientId: 'event-time-test' }, topics: 'sensors/#', name: 'sensors' })).apply(collect());
  branches.apply(create([{ at: 1 }])).withTimestamps((r) => r.at);
  expect(() => refuseTimestampsAfterArrivalTime(branches)).not.toThrow();
});
