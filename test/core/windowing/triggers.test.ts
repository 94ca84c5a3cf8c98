import { describe, expect, it } from 'vitest';
import {
  Pipeline,
  VirtualClock,
  afterCount,
  afterProcessingTime,
  afterWatermark,
  collect,
  fixedWindows,
  kv,
  sum,
  run,
  type AccumulationMode,
  type KV,
  type PipelineResult,
  type Trigger,
  type WindowedValue,
} from '../../../src/index.js';
import { testStream, timestamped, type TestStream } from '../../../src/testing/index.js';

const S = 1000;

type Pane = [value: number, timing: string, index: number, isLast: boolean];

async function runSums(
  script: (s: TestStream<KV<string, number>>) => TestStream<KV<string, number>>,
  options: { trigger?: Trigger; accumulation?: AccumulationMode; allowedLateness?: number },
): Promise<{ panes: Pane[]; elements: WindowedValue<KV<string, number>>[]; result: PipelineResult }> {
  const p = new Pipeline();
  const out = collect<KV<string, number>>();
  p.apply(script(testStream<KV<string, number>>()))
    .windowInto(fixedWindows(10 * S), options)
    .combinePerKey(sum())
    .apply(out);
  const result = await run(p, { clock: new VirtualClock(1_000_000) });
  const panes = out.elements.map((e): Pane => [e.value.value, e.pane.timing, e.pane.index, e.pane.isLast]);
  return { panes, elements: out.elements, result };
}

const a = (value: number, seconds: number) => timestamped(kv('a', value), seconds * S);

describe('triggers on a test stream', () => {
  const earlyEveryTwo = (s: TestStream<KV<string, number>>) =>
    s
      .addElements(a(1, 1), a(2, 2))
      .addElements(a(3, 3))
      .addElements(a(4, 4))
      .addElements(a(5, 5))
      .advanceWatermarkTo(10 * S);

  it('early panes by count, then the on-time pane — discarding: each pane holds what is new', async () => {
    const { panes, elements } = await runSums(earlyEveryTwo, { trigger: afterWatermark({ early: afterCount(2) }), accumulation: 'discarding' });
    expect(panes).toEqual([
      [3, 'early', 0, false],
      [7, 'early', 1, false],
      [5, 'onTime', 2, true],
    ]);
    // Every pane is stamped with the end of its window.
    expect(elements.every((e) => e.timestamp === 10 * S - 1)).toBe(true);
  });

  it('accumulating: each pane holds everything so far', async () => {
    const { panes } = await runSums(earlyEveryTwo, { trigger: afterWatermark({ early: afterCount(2) }), accumulation: 'accumulating' });
    expect(panes).toEqual([
      [3, 'early', 0, false],
      [10, 'early', 1, false],
      [15, 'onTime', 2, true],
    ]);
  });

  it('the on-time pane fires even with nothing new after an early pane (Beam FIRE_ALWAYS)', async () => {
    const { panes } = await runSums((s) => s.addElements(a(1, 1), a(2, 2)).advanceWatermarkTo(10 * S), {
      trigger: afterWatermark({ early: afterCount(2) }),
    });
    expect(panes).toEqual([
      [3, 'early', 0, false],
      [0, 'onTime', 1, true],
    ]);
  });

  it('default trigger with allowed lateness: a late pane per late element, then too-late data is a dead letter', async () => {
    const script = (s: TestStream<KV<string, number>>) =>
      s
        .addElements(a(1, 1))
        .advanceWatermarkTo(10 * S) // on time: [1]
        .addElements(a(2, 2)) // late but within 5 s
        .addElements(a(4, 4))
        .advanceWatermarkTo(16 * S) // window expires (end 10 s + 5 s lateness)
        .addElements(a(8, 3)); // too late
    const discarding = await runSums(script, { allowedLateness: 5 * S });
    expect(discarding.panes).toEqual([
      [1, 'onTime', 0, false],
      [2, 'late', 1, false],
      [4, 'late', 2, false],
    ]);
    expect(discarding.result.deadLetters).toHaveLength(1);
    expect(discarding.result.deadLetters[0]!.payload).toEqual({ key: 'a', value: 8 });
    expect(discarding.result.deadLetters[0]!.reason).toMatch(
      /^late: event time 1970-01-01T00:00:03.000Z in window .* arrived 6000 ms after the window closed .*allowed lateness 5000 ms/,
    );
    expect(discarding.result.deadLetters[0]!.code).toBe('LATE');

    const accumulating = await runSums(script, { allowedLateness: 5 * S, accumulation: 'accumulating' });
    expect(accumulating.panes.map((p) => p[0])).toEqual([1, 3, 7]);
  });

  it('late firings by count; what is pending when the window expires is the last pane', async () => {
    const { panes } = await runSums(
      (s) =>
        s
          .addElements(a(1, 1))
          .advanceWatermarkTo(10 * S)
          .addElements(a(2, 2), a(3, 3))
          .addElements(a(4, 4))
          .advanceWatermarkTo(20 * S),
      { trigger: afterWatermark({ late: afterCount(2) }), allowedLateness: 5 * S },
    );
    expect(panes).toEqual([
      [1, 'onTime', 0, false],
      [5, 'late', 1, false],
      [4, 'late', 2, true],
    ]);
  });

  it('afterWatermark() without late firings rejects late data even within the allowed lateness', async () => {
    const { panes, result } = await runSums(
      (s) =>
        s
          .addElements(a(1, 1))
          .advanceWatermarkTo(10 * S)
          .addElements(a(2, 2)),
      {
        trigger: afterWatermark(),
        allowedLateness: 60 * S,
      },
    );
    // The trigger finishes with the on-time pane, so that pane is the last (Beam: isLast).
    expect(panes).toEqual([[1, 'onTime', 0, true]]);
    expect(result.deadLetters.map((d) => d.reason)).toEqual([
      expect.stringMatching(/^late: window .* is closed \(its on-time pane has fired and the trigger has no late firings\)/),
    ]);
    expect(result.deadLetters.map((d) => d.code)).toEqual(['LATE']);
  });

  it('early panes by processing time on a virtual clock', async () => {
    const { panes } = await runSums(
      (s) =>
        s
          .addElements(a(1, 1))
          .advanceProcessingTime(30 * S) // 30 s after the first element: not yet
          .addElements(a(2, 2))
          .advanceProcessingTime(30 * S) // 60 s: fire
          .addElements(a(3, 3))
          .advanceWatermarkTo(10 * S),
      { trigger: afterWatermark({ early: afterProcessingTime(60 * S) }) },
    );
    expect(panes).toEqual([
      [3, 'early', 0, false],
      [3, 'onTime', 1, true],
    ]);
  });

  it('keys and windows fire independently; windows fire in event-time order', async () => {
    const b = (value: number, seconds: number) => timestamped(kv('b', value), seconds * S);
    const { elements } = await runSums(
      (s) =>
        s
          .addElements(a(1, 15), b(10, 1), a(2, 2))
          .advanceWatermarkTo(10 * S)
          .addElements(b(20, 12))
          .advanceWatermarkTo(30 * S),
      {},
    );
    expect(elements.map((e) => `${e.value.key}@${e.window.start / S}=${e.value.value}`)).toEqual(['b@0=10', 'a@0=2', 'a@10=1', 'b@10=20']);
  });
});
