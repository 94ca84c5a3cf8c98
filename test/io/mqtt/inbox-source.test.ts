import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import type { SourceContext } from '../../../src/core/source.js';
import { MIN_TIMESTAMP } from '../../../src/core/time.js';
import { inboxSource } from '../../../src/io/mqtt/inbox-source.js';
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
  const resumed = await source.open(context, JSON.parse(JSON.stringify(checkpoint)));
  expect(resumed.watermark()).toBe(Math.max(...times.slice(0, 70)) - 250);
  const rest = await resumed.read(1000);
  expect(rest.bundle.values.map((v) => v['i'])).toEqual(Array.from({ length: 130 }, (_, i) => 70 + i));
  expect((await resumed.read(10)).idle).toBe(true);
  expect(letters).toEqual([]);
  store.close();
});
