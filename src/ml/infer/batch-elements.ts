/**
 * Holds examples across bundles until enough are waiting, as Beam's GroupIntoBatches: a bag of
 * examples per key and window, flushed when it holds `minBatchSize`, when the oldest has waited
 * `maxWaitMs` (a processing-time timer), or when the window ends (an event-time timer, which
 * also flushes at the end of bounded input). The bag is keyed state, so in a durable run held
 * examples are committed with the step that read them and survive a crash.
 */
import { bagState, eventTimer, processingTimer, type BagStateSpec, type StatefulContext, type StatefulDoFn, type TimerSpec } from '../../core/state.js';

/** An example held with its own event time. */
export interface HeldExample<T> {
  readonly value: T;
  readonly timestamp: number;
}

/** Examples of one key released together. */
export interface HeldBatch<K, T> {
  readonly key: K;
  readonly items: readonly HeldExample<T>[];
}

type Bag<T> = { items: BagStateSpec<HeldExample<T>> };
type Timers = { wait: TimerSpec; windowEnd: TimerSpec };

/** The batching DoFn; apply with `statefulParDo` to `{ key, value }` pairs. */
export function batchElementsFn<K, T>(minBatchSize: number, maxWaitMs: number): StatefulDoFn<K, T, HeldBatch<K, T>, Bag<T>, Timers> {
  const flush = (ctx: StatefulContext<K, HeldBatch<K, T>, Bag<T>, Timers>): void => {
    const items = ctx.state.items.read();
    if (items.length > 0) ctx.output({ key: ctx.key, items: [...items] });
    ctx.state.items.clear();
    ctx.timers.wait.clear();
    ctx.timers.windowEnd.clear();
  };
  return {
    state: { items: bagState<HeldExample<T>>() },
    timers: { wait: processingTimer(), windowEnd: eventTimer() },
    process(value, ctx) {
      const items = ctx.state.items;
      if (items.read().length === 0) {
        ctx.timers.wait.set(ctx.processingTime + maxWaitMs);
        ctx.timers.windowEnd.set(ctx.window.maxTimestamp());
      }
      // Typed arrays as plain arrays: bag state is stored as JSON in a durable run.
      const plain = (value instanceof Float32Array || value instanceof Float64Array ? Array.from(value) : value) as T;
      items.add({ value: plain, timestamp: ctx.timestamp });
      if (items.read().length >= minBatchSize) flush(ctx);
    },
    onTimer(_timer, ctx) {
      flush(ctx);
    },
  };
}
