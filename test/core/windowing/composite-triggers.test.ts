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
  defaultTrigger,
  fixedWindows,
  kv,
  never,
  orFinally,
  repeatedly,
  run,
  sessions,
  type AccumulationMode,
  type KV,
  type Trigger,
  type WindowFn,
} from '../../../src/index.js';
import { testStream, timestamped, type TestStream } from '../../../src/testing/index.js';

type Data = readonly (readonly [timestamp: number, value: string])[];

/** Splits `data` into bundles of `size` (negative: in reverse order), as Beam's run_trigger_simple does. */
function bundle(data: Data, size: number): Data[] {
  const ordered = size < 0 ? [...data].reverse() : [...data];
  const n = Math.abs(size);
  return Array.from({ length: Math.ceil(ordered.length / n) }, (_, i) => ordered.slice(i * n, (i + 1) * n));
}

/**
 * Beam's `TriggerTest.run_trigger_simple` (sdks/python/apache_beam/transforms/trigger_test.py) on
 * Runnel's test stream: the data in bundles of `size`, then the watermark far past every window
 * (Beam: to the end of time; here 1000 with an allowed lateness that keeps every window), then
 * the late data in bundles of `size`. Returns each window's panes (values sorted, as Beam's sets),
 * leaving out what the end of the stream flushes (Beam's driver test never garbage-collects).
 */
async function panesByWindow(windowFn: WindowFn, trigger: Trigger, accumulation: AccumulationMode, data: Data, size: number, late: Data = []): Promise<Record<string, string[]>> {
  let stream: TestStream<KV<string, string>> = testStream<KV<string, string>>();
  const add = (bundles: Data[]) => {
    for (const b of bundles) stream = stream.addElements(...b.map(([t, v]) => timestamped(kv('k', v), t)));
  };
  add(bundle(data, size));
  stream = stream.advanceWatermarkTo(1000);
  add(bundle(late, size));
  stream = stream.advanceWatermarkToInfinity();
  const steps = bundle(data, size).length + 1 + bundle(late, size).length;
  const p = new Pipeline();
  const out = collect<KV<string, string[]>>();
  p.apply(stream).windowInto(windowFn, { trigger, accumulation, allowedLateness: 10_000 }).groupByKey().apply(out);
  let scripted = 0;
  let step = 0;
  await run(p, { clock: new VirtualClock(0), onProgress: () => ++step === steps && (scripted = out.elements.length) });
  const panes: Record<string, string[]> = {};
  for (const e of out.elements.slice(0, scripted)) (panes[`${e.window.start}..${e.window.end}`] ??= []).push([...e.value.value].sort().join(''));
  return panes;
}

const letters = (text: string, from = 0): Data => [...text].map((v, i) => [from + i, v] as const);

// Each case restates a test of Beam's TriggerTest (trigger_test.py), named after it, with its
// bundlings; Beam's expected panes are sets of values, here sorted strings.
describe("Beam's trigger tests (trigger_test.py TriggerTest), restated", () => {
  const cases: {
    name: string;
    windowFn: WindowFn;
    trigger: Trigger;
    accumulation: AccumulationMode;
    data: Data;
    late?: Data;
    sizes: number[];
    expected: Record<string, string[]>;
  }[] = [
    {
      name: 'test_fixed_watermark',
      windowFn: fixedWindows(10),
      trigger: afterWatermark(),
      accumulation: 'accumulating',
      data: [
        [1, 'a'],
        [2, 'b'],
        [13, 'c'],
      ],
      sizes: [1, 2, 3, -3, -2, -1],
      expected: { '0..10': ['ab'], '10..20': ['c'] },
    },
    {
      name: 'test_fixed_watermark_with_early (bundles of 2)',
      windowFn: fixedWindows(10),
      trigger: afterWatermark({ early: afterCount(2) }),
      accumulation: 'accumulating',
      data: letters('abc', 1),
      sizes: [2],
      expected: { '0..10': ['ab', 'abc'] },
    },
    {
      name: 'test_fixed_watermark_with_early (one bundle of 3: one early pane, asked after the bundle)',
      windowFn: fixedWindows(10),
      trigger: afterWatermark({ early: afterCount(2) }),
      accumulation: 'accumulating',
      data: letters('abc', 1),
      sizes: [3],
      expected: { '0..10': ['abc', 'abc'] },
    },
    {
      name: 'test_fixed_watermark_with_early_late',
      windowFn: fixedWindows(100),
      trigger: afterWatermark({ early: afterCount(3), late: afterCount(2) }),
      accumulation: 'discarding',
      data: letters('abcdefghi'),
      late: letters('vwxyz'),
      sizes: [2],
      expected: { '0..100': ['abcd', 'efgh', 'i', 'vw', 'xy'] },
    },
    {
      name: 'test_sessions_watermark_with_early_late',
      windowFn: sessions(10),
      trigger: afterWatermark({ early: afterCount(2), late: afterCount(1) }),
      accumulation: 'accumulating',
      data: [
        [1, 'a'],
        [15, 'b'],
        [7, 'c'],
        [30, 'd'],
      ],
      late: [
        [1, 'x'],
        [2, 'y'],
        [21, 'z'],
      ],
      sizes: [2],
      expected: { '1..25': ['abc', 'abc', 'abcxy'], '30..40': ['d'], '1..40': ['abcdxyz'] },
    },
    {
      name: 'test_fixed_after_count (bundles of 1 and 2)',
      windowFn: fixedWindows(10),
      trigger: afterCount(2),
      accumulation: 'accumulating',
      data: [...letters('abc', 1), [11, 'z']],
      sizes: [1, 2],
      expected: { '0..10': ['ab'] },
    },
    {
      name: 'test_fixed_after_count (bundles of 3 and 4)',
      windowFn: fixedWindows(10),
      trigger: afterCount(2),
      accumulation: 'accumulating',
      data: [...letters('abc', 1), [11, 'z']],
      sizes: [3, 4],
      expected: { '0..10': ['abc'] },
    },
    {
      name: 'test_fixed_after_first (count)',
      windowFn: fixedWindows(10),
      trigger: afterAny(afterCount(2), afterWatermark()),
      accumulation: 'accumulating',
      data: letters('abc', 1),
      sizes: [1, 2],
      expected: { '0..10': ['ab'] },
    },
    {
      name: 'test_fixed_after_first (watermark; late data finds the trigger finished)',
      windowFn: fixedWindows(10),
      trigger: afterAny(afterCount(5), afterWatermark()),
      accumulation: 'accumulating',
      data: letters('abc', 1),
      late: letters('xyz', 1),
      sizes: [1, 2],
      expected: { '0..10': ['abc'] },
    },
    {
      name: 'test_repeatedly_after_first',
      windowFn: fixedWindows(100),
      trigger: repeatedly(afterAny(afterCount(3), afterWatermark())),
      accumulation: 'accumulating',
      data: letters('abcdefg'),
      late: letters('xyz'),
      sizes: [1],
      expected: { '0..100': ['abc', 'abcdef', 'abcdefg', 'abcdefgx', 'abcdefgxy', 'abcdefgxyz'] },
    },
    {
      name: 'test_sessions_after_all (count first)',
      windowFn: sessions(10),
      trigger: afterAll(afterCount(2), afterWatermark()),
      accumulation: 'accumulating',
      data: letters('abc', 1),
      sizes: [1, 2],
      expected: { '1..13': ['abc'] },
    },
    {
      name: 'test_sessions_after_all (watermark first, the count reached by late data)',
      windowFn: sessions(10),
      trigger: afterAll(afterCount(5), afterWatermark()),
      accumulation: 'accumulating',
      data: letters('abc', 1),
      late: letters('xyz', 1),
      sizes: [1, 2],
      expected: { '1..13': ['abcxy'] },
    },
    {
      name: 'test_sessions_default',
      windowFn: sessions(10),
      trigger: defaultTrigger(),
      accumulation: 'accumulating',
      data: [
        [1, 'a'],
        [2, 'b'],
        [15, 'c'],
        [16, 'd'],
        [30, 'z'],
        [9, 'e'],
        [10, 'f'],
        [30, 'y'],
      ],
      sizes: [1, 2, 3, 4, 5, 6, -4, -2, -1],
      expected: { '1..26': ['abcdef'], '30..40': ['yz'] },
    },
    {
      name: 'test_sessions_after_count',
      windowFn: sessions(10),
      trigger: afterCount(2),
      accumulation: 'accumulating',
      data: [
        [1, 'a'],
        [15, 'b'],
        [6, 'c'],
        [30, 's'],
        [31, 't'],
        [50, 'z'],
        [50, 'y'],
      ],
      sizes: [1, 2, 3],
      expected: { '1..25': ['abc'], '30..41': ['st'], '50..60': ['yz'] },
    },
    {
      name: 'test_sessions_repeatedly_after_count (accumulating)',
      windowFn: sessions(10),
      trigger: repeatedly(afterCount(2)),
      accumulation: 'accumulating',
      data: [
        [1, 'a'],
        [15, 'b'],
        [6, 'c'],
        [2, 'd'],
        [7, 'e'],
      ],
      sizes: [1, 3],
      expected: { '1..25': ['abc', 'abcde'] },
    },
    {
      name: 'test_sessions_repeatedly_after_count (discarding)',
      windowFn: sessions(10),
      trigger: repeatedly(afterCount(2)),
      accumulation: 'discarding',
      data: [
        [1, 'a'],
        [15, 'b'],
        [6, 'c'],
        [2, 'd'],
        [7, 'e'],
      ],
      sizes: [1, 3],
      expected: { '1..25': ['abc', 'de'] },
    },
    {
      name: 'test_sessions_after_each',
      windowFn: sessions(10),
      trigger: afterEach(afterCount(2), afterCount(3)),
      accumulation: 'accumulating',
      data: letters('abcdefghij'),
      sizes: [2],
      expected: { '0..11': ['ab'], '0..15': ['abcdef'] },
    },
    {
      name: 'test_sessions_after_each (repeatedly)',
      windowFn: sessions(10),
      trigger: repeatedly(afterEach(afterCount(2), afterCount(3))),
      accumulation: 'accumulating',
      data: letters('abcdefghij'),
      sizes: [2],
      expected: { '0..11': ['ab'], '0..15': ['abcdef'], '0..17': ['abcdefgh'] },
    },
  ];

  for (const c of cases) {
    for (const size of c.sizes) {
      it(`${c.name}, bundles of ${size}`, async () => {
        expect(await panesByWindow(c.windowFn, c.trigger, c.accumulation, c.data, size, c.late)).toEqual(c.expected);
      });
    }
  }

  it('test_multiple_accumulating_firings: AfterAll(AfterCount(1), AfterProcessingTime(5)) early, on a virtual clock', async () => {
    // TriggerPipelineTest: ten one-element bundles; after every fifth the watermark moves to it and the clock by 5.
    let stream = testStream<KV<string, string>>().advanceWatermarkTo(0);
    for (let i = 1; i <= 10; i++) {
      stream = stream.addElements(kv('key', String(i)));
      if (i % 5 === 0) stream = stream.advanceWatermarkTo(i).advanceProcessingTime(5);
    }
    const p = new Pipeline();
    const out = collect<KV<string, string[]>>();
    p.apply(stream)
      .windowInto(fixedWindows(10), { trigger: afterWatermark({ early: afterAll(afterCount(1), afterProcessingTime(5)) }), accumulation: 'accumulating' })
      .groupByKey()
      .apply(out);
    await run(p, { clock: new VirtualClock(0) });
    expect(out.elements.map((e) => [e.value.value.length, e.pane.timing])).toEqual([
      [5, 'early'],
      [10, 'onTime'],
    ]);
  });
});

describe('the rest of the trigger algebra', () => {
  const script = (s: TestStream<KV<string, number>>) =>
    s
      .addElements(timestamped(kv('a', 1), 1), timestamped(kv('a', 2), 2))
      .advanceProcessingTime(4)
      .addElements(timestamped(kv('a', 3), 3))
      .advanceProcessingTime(4)
      .addElements(timestamped(kv('a', 4), 4), timestamped(kv('a', 5), 5), timestamped(kv('a', 6), 6))
      .advanceWatermarkTo(100);
  const runSums = async (trigger: Trigger, allowedLateness = 0) => {
    const p = new Pipeline();
    const out = collect<KV<string, number[]>>();
    p.apply(script(testStream<KV<string, number>>())).windowInto(fixedWindows(50), { trigger, allowedLateness }).groupByKey().apply(out);
    await run(p, { clock: new VirtualClock(1) });
    return out.elements.map((e) => [e.value.value.join(','), e.pane.timing, e.pane.isLast]);
  };

  it('orFinally: fires as the main trigger does until the until-trigger fires, with a last pane', async () => {
    expect(await runSums(orFinally(repeatedly(afterCount(2)), afterCount(5)))).toEqual([
      ['1,2', 'early', false],
      ['3,4,5,6', 'early', true], // the until-count (5) is reached in this bundle: the last pane
    ]);
  });

  it('never: one pane when the window expires', async () => {
    expect(await runSums(never())).toEqual([['1,2,3,4,5,6', 'onTime', true]]);
  });

  it('afterProcessingTime aligned to a period: the deadline rounds up to the next multiple', async () => {
    // First element at clock 1; delay 2 gives 3, aligned to periods of 8 gives 8: not due at 5, due at 9.
    expect(await runSums(repeatedly(afterProcessingTime(2, { alignTo: { period: 8 } })))).toEqual([
      ['1,2,3', 'early', false],
      ['4,5,6', 'onTime', true],
    ]);
    // Unaligned, the deadline 3 is due at 5.
    expect(await runSums(repeatedly(afterProcessingTime(2)))).toEqual([
      ['1,2', 'early', false],
      ['3', 'early', false],
      ['4,5,6', 'onTime', true],
    ]);
  });
});
