import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import type { SourceContext } from '../../../src/core/source.js';
import { MIN_TIMESTAMP } from '../../../src/core/time.js';
import { inboxSource, QUARANTINED } from '../../../src/io/mqtt/inbox-source.js';
import { parseTopicFilter } from '../../../src/io/mqtt/topic-filter.js';
import { jsonPayload } from '../../../src/io/payload-codecs.js';
import { Inbox } from '../../../src/store/inbox.js';
import { Store } from '../../../src/store/store.js';
import { seededRandom } from '../../../src/testing/random.js';
import { SEED } from '../../seed.js';

it(`reads the inbox in commit order with a bounded-out-of-orderness watermark, resumes from its checkpoint, deletes only what was handed out (seed ${SEED})`, async () => {
  const rng = seededRandom(SEED);
  const store = Store.open(join(mkdtempSync(join(tmpdir(), 'runnel-inbox-source-')), 'runnel.db'));
  const inbox = new Inbox(store, 'm');
  const times = Array.from({ length: 200 }, (_, i) => 10_000 + i * 10 - Math.floor(rng() * 300));
  inbox.append(times.map((t, i) => ({ topic: `dev/d${i % 4}/x`, payload: Buffer.from(JSON.stringify({ i })), qos: 1 as const, arrivedAt: i, eventTime: t })));
  const letters: string[] = [];
  const context: SourceContext = { clock: new VirtualClock(), deadLetter: (reason) => letters.push(reason) };
  const options = { name: 'm', codec: jsonPayload(), filters: [parseTopicFilter('dev/+device/#')], maxLateness: 250 };
  const source = inboxSource(store, options);
  const reader = await source.open(context);
  expect(reader.watermark()).toBe(MIN_TIMESTAMP);
  const first = await reader.read(70);
  expect(first.bundle.values.map((v) => v['i'])).toEqual(Array.from({ length: 70 }, (_, i) => i));
  expect(first.bundle.values[5]).toEqual({ i: 5, device: 'd1' });
  expect(first.bundle.timestamps).toEqual(times.slice(0, 70));
  expect(reader.watermark()).toBe(Math.max(...times.slice(0, 70)) - 250);
  const checkpoint = reader.checkpoint!(); // the runner commits it before reading again
  expect((await reader.read(10)).bundle.length).toBe(10); // rows 70–79: read, never committed
  expect(inbox.usage().rows).toBe(200); // consumed rows go in groups, not after every step
  expect((await reader.read(1000)).bundle.length).toBe(120);
  expect((await reader.read(10)).idle).toBe(true); // caught up: rows 0–69 (committed) go, no others
  expect(inbox.usage().rows).toBe(130);
  await reader.close();
  const resumed = await source.open(context, JSON.parse(JSON.stringify(checkpoint)));
  expect(resumed.watermark()).toBe(Math.max(...times.slice(0, 70)) - 250);
  const rest = await resumed.read(1000);
  expect(rest.bundle.values.map((v) => v['i'])).toEqual(Array.from({ length: 130 }, (_, i) => 70 + i));
  expect((await resumed.read(10)).idle).toBe(true);
  expect(letters).toEqual([]);
  store.close();
});

/** Ten rows of `{ i }` in a fresh inbox `m`, and a reader factory over it. */
function tenRows() {
  const store = Store.open(join(mkdtempSync(join(tmpdir(), 'runnel-inbox-source-')), 'runnel.db'));
  new Inbox(store, 'm').append(
    Array.from({ length: 10 }, (_, i) => ({ topic: 'dev/x', payload: Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(100) })), qos: 1 as const, arrivedAt: i, eventTime: i })),
  );
  const letters: { reason: string; payload: unknown; code: string | undefined }[] = [];
  const context: SourceContext = { clock: new VirtualClock(), deadLetter: (reason, payload, code) => letters.push({ reason, payload, code }) };
  const source = inboxSource(store, { name: 'm', codec: jsonPayload(), filters: [parseTopicFilter('dev/#')], maxLateness: 0 });
  return { store, letters, open: async (checkpoint?: unknown) => source.open(context, checkpoint && JSON.parse(JSON.stringify(checkpoint))) };
}

const ids = (r: { bundle: { values: Record<string, unknown>[] } }): unknown[] => r.bundle.values.map((v) => v['i']);

it('a row in flight for two deaths of the process is quarantined as a dead letter; the others are processed once each', async () => {
  const { store, letters, open } = tenRows();
  // Life 1: rows 0–3 committed, then the process dies (no close) while rows 4–7 are in flight.
  let reader = await open();
  expect(ids(await reader.read(4))).toEqual([0, 1, 2, 3]);
  let checkpoint = reader.checkpoint!();
  expect(ids(await reader.read(4))).toEqual([4, 5, 6, 7]);
  // Life 2: rows 4–7 come one at a time; row 4 is fine, the process dies on row 5.
  reader = await open(checkpoint);
  expect(ids(await reader.read(4))).toEqual([4]);
  checkpoint = reader.checkpoint!();
  expect(ids(await reader.read(4))).toEqual([5]);
  // Life 3: row 5 was in flight for both deaths, alone the second time: quarantined, not processed.
  reader = await open(checkpoint);
  const quarantined = await reader.read(4);
  expect(ids(quarantined)).toEqual([]);
  expect(letters).toHaveLength(1);
  expect(letters[0]!.reason).toBe(QUARANTINED);
  expect(letters[0]!.code).toBe('QUARANTINED');
  expect(JSON.parse(Buffer.from((letters[0]!.payload as { payloadBase64: string }).payloadBase64, 'base64').toString())).toMatchObject({ i: 5 });
  reader.checkpoint!();
  // The rest of the suspect range still goes one by one, then bundles are whole again.
  expect(ids(await reader.read(4))).toEqual([6]);
  reader.checkpoint!();
  expect(ids(await reader.read(4))).toEqual([7]);
  reader.checkpoint!();
  expect(ids(await reader.read(4))).toEqual([8, 9]);
  await reader.close();
  store.close();
});

it('a clean close leaves no suspicion, and bundles are bounded in payload bytes', async () => {
  const { store, letters, open } = tenRows();
  let reader = await open();
  expect(ids(await reader.read(4))).toEqual([0, 1, 2, 3]);
  const checkpoint = reader.checkpoint!();
  expect(ids(await reader.read(4))).toEqual([4, 5, 6, 7]);
  await reader.close();
  reader = await open(checkpoint);
  expect(ids(await reader.read(4))).toEqual([4, 5, 6, 7]);
  await reader.close();
  expect(letters).toEqual([]);
  const rowBytes = Buffer.byteLength(JSON.stringify({ i: 0, pad: 'x'.repeat(100) }));
  const small = await inboxSource(store, { name: 'm', codec: jsonPayload(), filters: [parseTopicFilter('dev/#')], maxLateness: 0, maxBundleBytes: 3 * rowBytes + 1 }).open({
    clock: new VirtualClock(),
    deadLetter: () => {},
  });
  expect(ids(await small.read(100))).toEqual([0, 1, 2]);
  const tiny = await inboxSource(store, { name: 'm', codec: jsonPayload(), filters: [parseTopicFilter('dev/#')], maxLateness: 0, maxBundleBytes: 1 }).open({
    clock: new VirtualClock(),
    deadLetter: () => {},
  });
  expect(ids(await tiny.read(100))).toEqual([0]); // a row larger than the bound still goes, alone
  store.close();
});
