import { describe, expect, it } from 'vitest';
import {
  Pipeline,
  VirtualClock,
  afterCount,
  afterEach,
  afterProcessingTime,
  afterSynchronizedProcessingTime,
  afterWatermark,
  collect,
  continuationTrigger,
  fixedWindows,
  kv,
  orFinally,
  repeatedly,
  run,
  sessions,
  sum,
  afterAny,
  type KV,
  type TimestampCombiner,
} from '../../../src/index.js';
import { testStream, timestamped, type TestStream } from '../../../src/testing/index.js';

const a = (value: number, t: number) => timestamped(kv('a', value), t);

describe('timestamp combiners and watermark holds', () => {
  const sessionPane = async (timestampCombiner: TimestampCombiner) => {
    const p = new Pipeline();
    const out = collect<KV<string, number>>();
    // Sessions [12, 17) and [8, 13) merge into [8, 17).
    p.apply(testStream<KV<string, number>>().addElements(a(1, 12)).addElements(a(2, 8)).advanceWatermarkTo(100))
      .windowInto(sessions(5), { timestampCombiner })
      .combinePerKey(sum())
      .apply(out);
    await run(p);
    return out.elements.map((e) => [e.value.value, e.window.id, e.timestamp]);
  };

  it('merged sessions combine their holds: earliest, latest, end of the merged window', async () => {
    expect(await sessionPane('earliest')).toEqual([[3, '8..17', 8]]);
    expect(await sessionPane('latest')).toEqual([[3, '8..17', 12]]);
    expect(await sessionPane('endOfWindow')).toEqual([[3, '8..17', 16]]);
  });

  it('the earliest hold keeps the output watermark back, so the pane is not late downstream', async () => {
    const p = new Pipeline();
    const out = collect<KV<string, number>>();
    const script = testStream<KV<string, number>>().addElements(a(1, 1), a(2, 2)).advanceWatermarkTo(9).advanceWatermarkTo(20);
    p.apply(script)
      .windowInto(fixedWindows(10), { timestampCombiner: 'earliest' })
      .combinePerKey(sum())
      // Re-windowed downstream: the pane, stamped 1, falls in [0, 5), which ends before the
      // input watermark (9) upstream had when the pane fired. Without the hold it would be late.
      .windowInto(fixedWindows(5))
      .combinePerKey(sum())
      .apply(out);
    const result = await run(p);
    expect(result.deadLetters).toEqual([]);
    expect(out.elements.map((e) => [e.value.value, e.window.id, e.timestamp, e.pane.timing])).toEqual([[3, '0..5', 4, 'onTime']]);
  });

  it('windowInto refuses an unknown timestamp combiner, naming the choices', () => {
    const p = new Pipeline();
    expect(() => p.apply(testStream<number>()).windowInto(fixedWindows(10), { timestampCombiner: 'first' as TimestampCombiner })).toThrow(
      /timestampCombiner must be one of "endOfWindow", "earliest", "latest", got "first"/,
    );
  });
});

describe('continuation triggers', () => {
  it("Beam's continuations: counts to afterCount(1), processing time to synchronized, afterEach to repeatedly(afterAny)", () => {
    expect(continuationTrigger(afterWatermark({ early: afterCount(3), late: afterProcessingTime(10) }))).toEqual(
      afterWatermark({ early: afterCount(1), late: afterSynchronizedProcessingTime() }),
    );
    expect(continuationTrigger(afterEach(afterCount(2), afterCount(5)))).toEqual(repeatedly(afterAny(afterCount(1), afterCount(1))));
    expect(continuationTrigger(orFinally(repeatedly(afterCount(4)), afterCount(9)))).toEqual(orFinally(repeatedly(afterCount(1)), afterCount(1)));
  });

  it('an aggregation downstream of another fires on each upstream pane, not after counting again', async () => {
    const p = new Pipeline();
    const upstream = collect<KV<string, number>>();
    const downstream = collect<KV<string, number>>();
    let stream: TestStream<KV<string, number>> = testStream<KV<string, number>>();
    for (let i = 1; i <= 6; i++) stream = stream.addElements(timestamped(kv(`k${i % 2}`, i), i));
    const sums = p
      .apply(stream.advanceWatermarkTo(100))
      .windowInto(fixedWindows(10), { trigger: afterWatermark({ early: afterCount(2) }) })
      .combinePerKey(sum());
    sums.apply(upstream);
    expect(sums.windowing.trigger).toEqual(afterWatermark({ early: afterCount(1) }));
    sums
      .map((e) => kv('all', e.value))
      .combinePerKey(sum())
      .apply(downstream);
    await run(p);
    // Upstream: k1 (1, 3, 5) and k0 (2, 4, 6) each fire early after their second element, then on time.
    expect(upstream.elements.map((e) => [e.value.key, e.value.value, e.pane.timing])).toEqual([
      ['k1', 4, 'early'],
      ['k0', 6, 'early'],
      ['k1', 5, 'onTime'],
      ['k0', 6, 'onTime'],
    ]);
    // Downstream, on afterWatermark(early: afterCount(1)): a pane for each bundle of upstream panes
    // (the two on-time panes arrive in one bundle, before the watermark passes), then on time.
    expect(downstream.elements.map((e) => [e.value.value, e.pane.timing])).toEqual([
      [4, 'early'],
      [6, 'early'],
      [11, 'early'],
      [0, 'onTime'],
    ]);
  });
});

describe('processing-time continuation', () => {
  it('downstream of a processing-time early pane, afterSynchronizedProcessingTime fires as the pane arrives', async () => {
    const p = new Pipeline();
    const out = collect<KV<string, number>>();
    const stream = testStream<KV<string, number>>().addElements(a(1, 1), a(2, 2)).advanceProcessingTime(5).advanceWatermarkTo(100);
    p.apply(stream)
      .windowInto(fixedWindows(10), { trigger: afterWatermark({ early: afterProcessingTime(5) }) })
      .combinePerKey(sum())
      .map((e) => kv('all', e.value))
      .combinePerKey(sum())
      .apply(out);
    const steps: number[] = [];
    await run(p, { clock: new VirtualClock(0), onProgress: () => steps.push(out.elements.length) });
    // Step 2 moves the clock: the upstream early pane and, in the same step, the downstream one.
    // Step 3 passes the end: the upstream on-time pane (empty, discarding) reaches downstream before
    // its watermark does, so it fires early once more, then on time.
    expect(steps.slice(0, 3)).toEqual([0, 1, 3]);
    expect(out.elements.map((e) => [e.value.value, e.pane.timing])).toEqual([
      [3, 'early'],
      [0, 'early'],
      [0, 'onTime'],
    ]);
  });
});

describe('trigger checks', () => {
  it('windowInto refuses something that is not a trigger at once, saying how to build one', () => {
    const p = new Pipeline();
    const notATrigger = { kind: 'afterCounting', count: 3 } as unknown as ReturnType<typeof afterCount>;
    expect(() => p.apply(testStream<number>()).windowInto(fixedWindows(10), { trigger: afterWatermark({ early: notATrigger }) })).toThrow(
      /not a trigger: \{"kind":"afterCounting","count":3\}; build triggers with afterWatermark\(\)/,
    );
  });
});
