import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Pipeline, Store, run } from '../../../src/index.js';
import { readBuffer } from '../../../src/io/mqtt/read-buffer.js';
import { jsonPayload } from '../../../src/io/payload-codecs.js';
import { Inbox, type InboxMessage } from '../../../src/store/inbox.js';
import { collect, seededRandom } from '../../../src/testing/index.js';
import { SEED } from '../../seed.js';

const T0 = 1_700_000_000_000;

interface Sent {
  source: string;
  message: InboxMessage;
  reading: { temperature: number; n: number } | undefined;
}

/** Random messages over a few sources and topics, some with a payload that is not JSON. */
function fill(store: Store, random: () => number, n: number): Sent[] {
  const sent: Sent[] = [];
  const inboxes = new Map(['line1', 'line2'].map((s) => [s, new Inbox(store, s)]));
  for (let i = 0; i < n; i++) {
    const source = random() < 0.7 ? 'line1' : 'line2';
    const device = `d${Math.floor(random() * 4)}`;
    const topic = random() < 0.8 ? `sensors/${device}/temp` : `sensors/${device}/status`;
    const bad = random() < 0.05;
    const reading = bad ? undefined : { temperature: Math.round(random() * 900) / 10, n: i };
    const payload = Buffer.from(bad ? `not json ${i}` : JSON.stringify(reading));
    // Event times arrive out of order, as from real devices.
    const message: InboxMessage = { topic, payload, qos: 1, arrivedAt: T0 + i, eventTime: T0 + Math.floor(random() * 10_000), dedupeKey: `k${i}` };
    inboxes.get(source)!.append([message]);
    sent.push({ source, message, reading });
  }
  return sent;
}

describe('readBuffer', () => {
  const stores: Store[] = [];
  const open = (): Store => {
    const store = Store.open(join(mkdtempSync(join(tmpdir(), 'runnel-replay-')), 'runnel.db'));
    stores.push(store);
    return store;
  };
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
  });

  it(`replays exactly the buffered messages of a topic filter and event-time range, decoded, in arrival order (seed ${SEED})`, async () => {
    const store = open();
    const random = seededRandom(SEED);
    const sent = fill(store, random, 2000);
    const from = T0 + 2000 + Math.floor(random() * 2000);
    const to = from + 1000 + Math.floor(random() * 4000);
    const inRange = (s: Sent): boolean => s.source === 'line1' && /^sensors\/[^/]+\/temp$/.test(s.message.topic) && s.message.eventTime >= from && s.message.eventTime < to;
    const want = sent.filter((s) => inRange(s) && s.reading);
    const bad = sent.filter((s) => inRange(s) && !s.reading);
    expect(want.length).toBeGreaterThan(100);
    expect(bad.length).toBeGreaterThan(0);

    const p = new Pipeline();
    const out = collect<Record<string, unknown>>();
    p.apply(readBuffer(store, { source: 'line1', topic: 'sensors/+device/temp', from, to, codec: jsonPayload() })).apply(out);
    const result = await run(p, { bundleSize: 97 });
    expect(out.values).toEqual(want.map((s) => ({ ...s.reading, device: s.message.topic.split('/')[1] })));
    expect(out.elements.map((e) => e.timestamp)).toEqual(want.map((s) => s.message.eventTime));
    expect(result.deadLetters.map((d) => (d.payload as { topic: string }).topic)).toEqual(bad.map((s) => s.message.topic));
    expect(result.deadLetters[0]!.reason).toMatch(/^json payload rejected: payload is not valid JSON/);
  });

  it(`without a codec gives the raw messages; later arrivals are not part of the replay (seed ${SEED})`, async () => {
    const store = open();
    const sent = fill(store, seededRandom(SEED + 1), 300);
    const p = new Pipeline();
    const out = collect<{ topic: string; payload: Buffer }>();
    p.apply(readBuffer(store, { topic: 'sensors/d1/#' })).apply(out);
    let late = 0;
    // A message arriving while the replay runs belongs to the live stream, not to this read.
    await run(p, { bundleSize: 10, onProgress: () => void new Inbox(store, 'line1').append([{ ...sent[0]!.message, topic: 'sensors/d1/temp', dedupeKey: `late${late++}` }]) });
    const want = sent.filter((s) => s.message.topic.startsWith('sensors/d1/'));
    expect(late).toBeGreaterThan(2);
    expect(out.values.map((m) => [m.topic, m.payload.toString()])).toEqual(want.map((s) => [s.message.topic, Buffer.from(s.message.payload).toString()]));
  });

  it('refuses a bad range or filter with the fix', () => {
    const store = open();
    expect(() => readBuffer(store, { from: 10, to: 5 })).toThrow('readBuffer: to (5) must be after from (10); the range is [from, to)');
    expect(() => readBuffer(store, { topic: 'a/b+' })).toThrow(/mixes a wildcard with text/);
  });
});
