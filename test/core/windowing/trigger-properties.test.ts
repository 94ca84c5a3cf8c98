import { describe, expect, it } from 'vitest';
import {
  Pipeline,
  VirtualClock,
  afterAll,
  afterAny,
  afterCount,
  afterEach,
  afterProcessingTime,
  afterWatermark,
  collect,
  create,
  defaultTrigger,
  describeTrigger,
  fixedWindows,
  kv,
  orFinally,
  repeatedly,
  run,
  sessions,
  slidingWindows,
  sum,
  type AccumulationMode,
  type KV,
  type Trigger,
  type WindowFn,
  type WindowedValue,
} from '../../../src/index.js';
import { seededRandom, testStream, timestamped, type TestStream } from '../../../src/testing/index.js';
import { SEED } from '../../seed.js';

type Random = () => number;
const int = (random: Random, n: number): number => Math.floor(random() * n);

/** A random trigger for early firings: counts and processing-time delays under any composite. */
function randomEarly(random: Random, depth: number): Trigger {
  const leaf = (): Trigger => (random() < 0.6 ? afterCount(1 + int(random, 4)) : afterProcessingTime(1 + int(random, 6)));
  if (depth === 0) return leaf();
  const sub = () => randomEarly(random, depth - 1);
  switch (int(random, 6)) {
    case 0:
      return leaf();
    case 1:
      return repeatedly(sub());
    case 2:
      return afterAny(sub(), sub());
    case 3:
      return afterAll(sub(), sub());
    case 4:
      return afterEach(sub(), sub());
    default:
      return orFinally(sub(), sub());
  }
}

interface Case {
  readonly events: { key: string; value: number; timestamp: number }[];
  readonly stream: TestStream<KV<string, number>>;
  readonly windowFn: WindowFn;
  readonly trigger: Trigger;
}

/**
 * Random readings arriving in a random order, in random bundles, the clock moving now and then,
 * and the watermark never passing a reading still to come: nothing is late, so every window's
 * on-time pane must account for all of its data.
 */
function randomCase(random: Random): Case {
  const events = Array.from({ length: 5 + int(random, 40) }, () => ({ key: `k${int(random, 3)}`, value: 1 + int(random, 9), timestamp: int(random, 120) }));
  const windowFn = [fixedWindows(20), slidingWindows(30, 10), sessions(8)][int(random, 3)]!;
  const trigger = random() < 0.2 ? defaultTrigger() : afterWatermark({ early: randomEarly(random, 2) });
  const arrival = [...events].sort(() => random() - 0.5);
  let stream = testStream<KV<string, number>>();
  let watermark = -Infinity;
  for (let i = 0; i < arrival.length;) {
    const size = 1 + int(random, 5);
    stream = stream.addElements(...arrival.slice(i, i + size).map((e) => timestamped(kv(e.key, e.value), e.timestamp)));
    i += size;
    if (random() < 0.3) stream = stream.advanceProcessingTime(1 + int(random, 4));
    const next = Math.min(...arrival.slice(i).map((e) => e.timestamp));
    if (random() < 0.4 && Number.isFinite(next) && next > watermark) stream = stream.advanceWatermarkTo((watermark = next));
  }
  return { events, stream, windowFn, trigger };
}

async function streamed(c: Case, accumulation: AccumulationMode): Promise<WindowedValue<KV<string, number>>[]> {
  const p = new Pipeline();
  const out = collect<KV<string, number>>();
  p.apply(c.stream).windowInto(c.windowFn, { trigger: c.trigger, accumulation }).combinePerKey(sum()).apply(out);
  await run(p, { clock: new VirtualClock(0) });
  return out.elements;
}

/** The batch result: `key@window` → sum, with the windows (to place session panes). */
async function batch(c: Case): Promise<WindowedValue<KV<string, number>>[]> {
  const p = new Pipeline();
  const out = collect<KV<string, number>>();
  p.apply(create(c.events))
    .withTimestamps((e) => e.timestamp)
    .map((e) => kv(e.key, e.value))
    .windowInto(c.windowFn)
    .combinePerKey(sum())
    .apply(out);
  await run(p);
  return out.elements;
}

/** The batch window of the pane's key that contains the pane's window (sessions merge; others are equal). */
function placeIn(pane: WindowedValue<KV<string, number>>, windows: WindowedValue<KV<string, number>>[]): string {
  const home = windows.find((w) => w.value.key === pane.value.key && w.window.start <= pane.window.start && pane.window.end <= w.window.end);
  return `${pane.value.key}@${home?.window.id ?? `none(${pane.window.id})`}`;
}

describe('triggers against batch (property)', () => {
  it(`for random streams, triggers and bundlings, the on-time pane (accumulating) equals batch, and discarding panes sum to it (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    for (let trial = 0; trial < 40; trial++) {
      const c = randomCase(random);
      const label = `trial ${trial}, ${c.windowFn.description}, ${describeTrigger(c.trigger)}`;
      const expected = await batch(c);
      const want = Object.fromEntries(expected.map((e) => [`${e.value.key}@${e.window.id}`, e.value.value]));

      const accumulating = await streamed(c, 'accumulating');
      const onTime = accumulating.filter((e) => e.pane.timing === 'onTime');
      expect(Object.fromEntries(onTime.map((e) => [`${e.value.key}@${e.window.id}`, e.value.value])), label).toEqual(want);
      expect(onTime.length, `${label}: one on-time pane per key and window`).toBe(expected.length);
      expect(
        accumulating.every((e) => e.pane.timing !== 'late'),
        `${label}: nothing is late`,
      ).toBe(true);

      const summed: Record<string, number> = {};
      for (const pane of await streamed(c, 'discarding')) {
        const home = placeIn(pane, expected);
        summed[home] = (summed[home] ?? 0) + pane.value.value;
      }
      expect(summed, label).toEqual(want);
    }
  });
});
