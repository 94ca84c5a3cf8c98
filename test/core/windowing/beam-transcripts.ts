/**
 * Replays Apache Beam's trigger transcripts (see test/fixtures/beam-trigger-transcripts/README.md)
 * through `runnel/testing`'s test stream, as Beam's own TestStream transcript test does: each
 * transcript action is one scripted event (one runner step), and the panes each step emits are
 * matched against the `expect` that follows, attribute by attribute.
 */
import {
  Pipeline,
  afterAll,
  afterAny,
  afterCount,
  afterEach,
  afterProcessingTime,
  afterWatermark,
  collect,
  defaultTrigger,
  fixedWindows,
  globalWindows,
  kv,
  never,
  orFinally,
  repeatedly,
  run,
  sessions,
  slidingWindows,
  VirtualClock,
  type AccumulationMode,
  type CombineFn,
  type KV,
  type TimestampCombiner,
  type Trigger,
  type WindowFn,
  type WindowedValue,
} from '../../../src/index.js';
import { testStream, timestamped, type TestStream } from '../../../src/testing/index.js';

/** One transcript as the fixture holds it: Beam's YAML keys, plus Runnel's notes (`runnel_*`). */
export interface TranscriptSpec {
  readonly name: string;
  readonly window_fn?: string;
  readonly trigger_fn?: string;
  readonly timestamp_combiner?: string;
  readonly accumulation_mode?: string;
  readonly allowed_lateness?: number;
  readonly error?: string;
  readonly transcript: readonly Record<string, unknown>[];
  /** Why Runnel cannot express the case. */
  readonly runnel_skip?: string;
  /** Allowed lateness to run with instead of `allowed_lateness` (the README says why). */
  readonly runnel_allowed_lateness?: number;
}

/** A pane as Beam's transcript test describes it (`_windowed_value_info`). */
export type PaneDescription = Record<string, unknown>;

/** Parses Beam's notation: `AfterWatermark(early=AfterCount(2))`, `Sessions(10)`. */
function parseCall(text: string): { name: string; args: string[]; named: Record<string, string> } {
  const s = text.trim();
  const open = s.indexOf('(');
  if (open < 0) return { name: s, args: [], named: {} };
  if (!s.endsWith(')')) throw new Error(`cannot parse "${s}"`);
  const inner = s.slice(open + 1, -1);
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (inner.trim() !== '') parts.push(inner.slice(start).trim());
  const args: string[] = [];
  const named: Record<string, string> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq > 0 && !part.slice(0, eq).includes('(')) named[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    else args.push(part);
  }
  return { name: s.slice(0, open).trim(), args, named };
}

export function parseWindowFn(text = 'GlobalWindows'): WindowFn {
  const { name, args } = parseCall(text);
  const n = args.map(Number);
  switch (name) {
    case 'GlobalWindows':
      return globalWindows();
    // The custom window function differs from FixedWindows only for OUTPUT_AT_EARLIEST_TRANSFORMED.
    case 'FixedWindows':
    case 'CustomTimestampingFixedWindowsWindowFn':
      return fixedWindows(n[0]!, n[1] ?? 0);
    case 'SlidingWindows':
      return slidingWindows(n[0]!, n[1]!, n[2] ?? 0);
    case 'Sessions':
      return sessions(n[0]!);
    default:
      throw new Error(`unknown window function "${text}"`);
  }
}

export function parseTrigger(text = 'Default'): Trigger {
  const { name, args, named } = parseCall(text);
  switch (name) {
    case 'Default':
    case 'DefaultTrigger':
      return defaultTrigger();
    case 'AfterWatermark':
      return afterWatermark({
        ...(named['early'] ? { early: parseTrigger(named['early']) } : {}),
        ...(named['late'] ? { late: parseTrigger(named['late']) } : {}),
      });
    case 'AfterCount':
      return afterCount(Number(args[0]));
    case 'AfterProcessingTime':
      return afterProcessingTime(Number(args[0] ?? named['delay'] ?? 0));
    case 'Repeatedly':
      return repeatedly(parseTrigger(args[0]));
    case 'AfterAny':
      return afterAny(...args.map((a) => parseTrigger(a)));
    case 'AfterAll':
      return afterAll(...args.map((a) => parseTrigger(a)));
    case 'AfterEach':
      return afterEach(...args.map((a) => parseTrigger(a)));
    case 'OrFinally':
      return orFinally(parseTrigger(args[0]), parseTrigger(args[1]));
    case 'Never':
      return never();
    default:
      throw new Error(`unknown trigger "${text}"`);
  }
}

const COMBINERS: Record<string, TimestampCombiner> = { OUTPUT_AT_EOW: 'endOfWindow', OUTPUT_AT_EARLIEST: 'earliest', OUTPUT_AT_LATEST: 'latest' };

/** Beam's `_ConcatCombineFn`: the list of values. */
const concat: CombineFn<number, number[], number[]> = {
  createAccumulator: () => [],
  addInput: (acc, x) => [...acc, x],
  mergeAccumulators: (accs) => [...accs].flat(),
  extractOutput: (acc) => acc,
};

/** How the elements of each `input` action are split into bundles. */
export type Bundling = (values: readonly number[]) => number[][];

/** True when Beam's transcript test treats the case as independent of order and bundling. */
export function isOrderAgnostic(spec: TranscriptSpec): boolean {
  return (spec.trigger_fn ?? 'Default') === 'Default' && (spec.accumulation_mode ?? 'accumulating').toLowerCase() === 'accumulating';
}

interface Step {
  readonly action: number;
}

/**
 * Runs `spec` with each input action split by `bundling`; returns, per transcript action, the
 * panes emitted by the steps of that action, for `groupByKey` and for `combinePerKey`.
 */
export async function replay(spec: TranscriptSpec, bundling: Bundling): Promise<{ grouped: PaneDescription[][]; combined: PaneDescription[][] }> {
  const windowFn = parseWindowFn(spec.window_fn);
  const combiner = COMBINERS[spec.timestamp_combiner ?? 'OUTPUT_AT_EOW'];
  if (combiner === undefined) throw new Error(`timestamp combiner ${spec.timestamp_combiner} is not one Runnel has`);
  const options = {
    trigger: parseTrigger(spec.trigger_fn),
    accumulation: (spec.accumulation_mode ?? 'accumulating').toLowerCase() as AccumulationMode,
    allowedLateness: spec.runnel_allowed_lateness ?? spec.allowed_lateness ?? 0,
    timestampCombiner: combiner,
  };
  let stream: TestStream<KV<string, number>> = testStream<KV<string, number>>();
  const steps: Step[] = [];
  spec.transcript.forEach((line, action) => {
    const [kind, params] = Object.entries(line)[0]!;
    if (kind === 'input') {
      for (const bundle of bundling(params as number[])) {
        stream = stream.addElements(...bundle.map((t) => timestamped(kv('key', t), t)));
        steps.push({ action });
      }
    } else if (kind === 'watermark') {
      stream = stream.advanceWatermarkTo(params as number);
      steps.push({ action });
    } else if (kind === 'clock') {
      stream = stream.advanceProcessingTime(params as number);
      steps.push({ action });
    } else if (kind !== 'expect' && kind !== 'state') {
      throw new Error(`unknown transcript action "${kind}"`);
    }
  });
  // Beam checks nothing after the transcript: its stream then goes to infinity unchecked.
  stream = stream.advanceWatermarkToInfinity();

  const p = new Pipeline();
  const windowed = p.apply(stream).windowInto(windowFn, options);
  const grouped = collect<KV<string, number[]>>();
  const combined = collect<KV<string, number[]>>();
  windowed.groupByKey().apply(grouped);
  windowed.combinePerKey(concat).apply(combined);
  const marks: [number, number][] = [];
  await run(p, { clock: new VirtualClock(0), onProgress: () => marks.push([grouped.elements.length, combined.elements.length]) });
  const perAction = (which: 0 | 1, sink: { elements: WindowedValue<KV<string, number[]>>[] }): PaneDescription[][] => {
    const out: PaneDescription[][] = spec.transcript.map(() => []);
    steps.forEach((step, i) => {
      const from = i === 0 ? 0 : marks[i - 1]![which];
      out[step.action]!.push(...sink.elements.slice(from, marks[i]![which]).map(describe));
    });
    return out;
  };
  return { grouped: perAction(0, grouped), combined: perAction(1, combined) };
}

function describe(e: WindowedValue<KV<string, number[]>>): PaneDescription {
  return {
    window: [e.window.start, e.window.maxTimestamp()],
    values: [...e.value.value].sort((a, b) => a - b),
    timestamp: e.timestamp,
    index: e.pane.index,
    nonspeculative_index: e.pane.nonSpeculativeIndex,
    early: e.pane.timing === 'early',
    late: e.pane.timing === 'late',
    final: e.pane.isLast,
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Checks the panes of each action against the transcript as Beam's driver test does: an
 * `expect` consumes, for each expected pane, one emitted pane that agrees on every attribute the
 * expectation names; nothing may be left unconsumed when the next action comes, or at the end.
 * Throws "Unmatched output" or "Unexpected output" (Beam's words) with the details.
 */
export function check(spec: TranscriptSpec, panes: PaneDescription[][]): void {
  let pending: PaneDescription[] = [];
  spec.transcript.forEach((line, action) => {
    const [kind, params] = Object.entries(line)[0]!;
    if (kind !== 'expect') {
      if (pending.length > 0) throw new Error(`Unexpected output before ${kind} (action ${action}): ${JSON.stringify(pending)}`);
      pending = [...panes[action]!];
      return;
    }
    for (const expected of params as PaneDescription[]) {
      const at = pending.findIndex((candidate) => Object.entries(expected).every(([k, v]) => same(candidate[k], v)));
      if (at < 0) throw new Error(`Unmatched output ${JSON.stringify(expected)} (action ${action}) in ${JSON.stringify(pending)}`);
      pending.splice(at, 1);
    }
  });
  if (pending.length > 0) throw new Error(`Unexpected output at the end: ${JSON.stringify(pending)}`);
}
