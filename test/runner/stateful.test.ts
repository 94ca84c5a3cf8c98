import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Pipeline,
  Store,
  VirtualClock,
  bagState,
  collect,
  combiningState,
  create,
  eventTimer,
  fixedWindows,
  kv,
  processingTimer,
  statefulParDo,
  sum,
  valueState,
  writeOutbox,
  run,
  type KV,
  type StatefulDoFn,
} from '../../src/index.js';
import { testStream, timestamped } from '../../src/testing/index.js';

const S = 1000;

describe('statefulParDo', () => {
  it('value state: a running count per key, across bundles', async () => {
    const counter: StatefulDoFn<string, number, string, { seen: ReturnType<typeof valueState<number>> }> = {
      state: { seen: valueState<number>() },
      process(value, ctx) {
        const n = (ctx.state.seen.read() ?? 0) + 1;
        ctx.state.seen.write(n);
        ctx.output(`${ctx.key}#${n}=${value}`);
      },
    };
    const p = new Pipeline();
    const out = collect<string>();
    p.apply(create([kv('a', 1), kv('b', 2), kv('a', 3), kv('a', 4), kv('b', 5)]))
      .apply(statefulParDo(counter))
      .apply(out);
    await run(p, { bundleSize: 2 });
    expect(out.values).toEqual(['a#1=1', 'b#1=2', 'a#2=3', 'a#3=4', 'b#2=5']);
  });

  it('bag state and an event-time timer: buffer per window, flush sorted when the watermark passes its end', async () => {
    const sorter = {
      state: { buffer: bagState<number>(), total: combiningState(sum()) },
      timers: { flush: eventTimer() },
      process(value: number, ctx) {
        ctx.state.buffer.add(value);
        ctx.state.total.add(value);
        ctx.timers.flush.set(ctx.window.maxTimestamp());
      },
      onTimer(_timer, ctx) {
        ctx.output({ key: ctx.key, sorted: [...ctx.state.buffer.read()].sort((x, y) => x - y), total: ctx.state.total.read(), at: ctx.timestamp });
        ctx.state.buffer.clear();
      },
    } satisfies StatefulDoFn<
      string,
      number,
      unknown,
      { buffer: ReturnType<typeof bagState<number>>; total: ReturnType<typeof combiningState<number, number, number>> },
      { flush: ReturnType<typeof eventTimer> }
    >;
    const p = new Pipeline();
    const out = collect<unknown>();
    p.apply(
      testStream<KV<string, number>>()
        .addElements(timestamped(kv('a', 5), 1 * S), timestamped(kv('a', 2), 2 * S), timestamped(kv('b', 9), 3 * S))
        .addElements(timestamped(kv('a', 7), 12 * S))
        .advanceWatermarkTo(10 * S) // window [0, 10) is done
        .addElements(timestamped(kv('a', 1), 11 * S)),
    )
      .windowInto(fixedWindows(10 * S))
      .apply(statefulParDo(sorter))
      .apply(out);
    await run(p);
    expect(out.values).toEqual([
      { key: 'a', sorted: [2, 5], total: 7, at: 9999 },
      { key: 'b', sorted: [9], total: 9, at: 9999 },
      { key: 'a', sorted: [1, 7], total: 8, at: 19_999 },
    ]);
  });

  it('a processing-time timer: report a sensor that went quiet', async () => {
    const watchdog = {
      state: { last: valueState<number>() },
      timers: { quiet: processingTimer() },
      process(value: number, ctx) {
        ctx.state.last.write(value);
        ctx.timers.quiet.set(ctx.processingTime + 60 * S);
      },
      onTimer(_timer, ctx) {
        ctx.output(`${ctx.key} quiet since its reading ${ctx.state.last.read()}`);
      },
    } satisfies StatefulDoFn<string, number, string, { last: ReturnType<typeof valueState<number>> }, { quiet: ReturnType<typeof processingTimer> }>;
    const clock = new VirtualClock(0);
    const p = new Pipeline();
    const out = collect<string>();
    p.apply(
      testStream<KV<string, number>>()
        .addElements(kv('a', 1), kv('b', 1))
        .advanceProcessingTime(40 * S)
        .addElements(kv('b', 2)) // b re-arms its timer
        .advanceProcessingTime(30 * S) // a fires at 60 s; b not until 100 s
        .advanceProcessingTime(40 * S),
    )
      .apply(statefulParDo(watchdog))
      .apply(out);
    await run(p, { clock });
    expect(out.values).toEqual(['a quiet since its reading 1', 'b quiet since its reading 2']);
  });

  it('an exception in process() is a dead letter; state of other elements is kept', async () => {
    const picky = {
      state: { total: combiningState(sum()) },
      process(value: number, ctx) {
        if (value < 0) throw new Error(`negative reading ${value}`);
        ctx.state.total.add(value);
        ctx.output(ctx.state.total.read());
      },
    } satisfies StatefulDoFn<string, number, number, { total: ReturnType<typeof combiningState<number, number, number>> }>;
    const p = new Pipeline();
    const out = collect<number>();
    p.apply(create([kv('a', 1), kv('a', -1), kv('a', 2)]))
      .apply(statefulParDo(picky))
      .apply(out);
    const result = await run(p);
    expect(out.values).toEqual([1, 3]);
    expect(result.deadLetters.map((d) => d.reason)).toEqual(['negative reading -1']);
  });

  it('state and timers survive a restart of a durable run', async () => {
    const buildPipeline = () => {
      const p = new Pipeline();
      const events = testStream<KV<string, number>>();
      for (let i = 0; i < 40; i++) events.addElements(timestamped(kv(`k${i % 3}`, i), i * S)).advanceWatermarkTo(i * S - 2 * S);
      p.apply(events)
        .windowInto(fixedWindows(10 * S))
        .apply(
          statefulParDo({
            state: { values: bagState<number>() },
            timers: { end: eventTimer() },
            process(value: number, ctx) {
              ctx.state.values.add(value);
              ctx.timers.end.set(ctx.window.maxTimestamp());
            },
            onTimer(_t, ctx) {
              ctx.output(`${ctx.key}@${ctx.window.start}:${ctx.state.values.read().join(',')}`);
            },
          } satisfies StatefulDoFn<string, number, string, { values: ReturnType<typeof bagState<number>> }, { end: ReturnType<typeof eventTimer> }>),
        )
        .apply(writeOutbox());
      return p;
    };
    const payloads = (path: string) => {
      const store = Store.open(path);
      const rows = (store.db.prepare('SELECT output_id, payload FROM outbox ORDER BY id').all() as { output_id: string; payload: string }[]).map(
        (r) => `${r.output_id} ${r.payload}`,
      );
      store.close();
      return rows;
    };
    const dir = mkdtempSync(join(tmpdir(), 'runnel-stateful-'));
    const reference = Store.open(join(dir, 'ref.db'));
    await run(buildPipeline(), { store: reference });
    reference.close();
    const path = join(dir, 'resumed.db');
    for (const stopAfter of [7, 23, 31, 55, 1000]) {
      const store = Store.open(path);
      const controller = new AbortController();
      let steps = 0;
      await run(buildPipeline(), { store, signal: controller.signal, onProgress: () => ++steps >= stopAfter && controller.abort() });
      store.close();
    }
    expect(payloads(path)).toEqual(payloads(join(dir, 'ref.db')));
    expect(payloads(path).length).toBe(12);
  });
});
