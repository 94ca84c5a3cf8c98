import { Bundle } from '../core/bundle.js';
import { VirtualClock } from '../core/clock.js';
import type { PBegin } from '../core/pipeline.js';
import type { PCollection } from '../core/pcollection.js';
import { PTransform, type ExpandContext } from '../core/ptransform.js';
import { NO_FIRING as NO_PANE } from '../core/pane.js';
import type { ReadResult, Source, SourceContext, SourceReader } from '../core/source.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../core/time.js';
import { read } from '../transforms/read.js';
import { GLOBAL_WINDOW as GLOBAL } from '../core/window.js';

/** A value with its event time, for `testStream().addElements(...)`. */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number;
}

/** Makes a `TimestampedValue`. */
export function timestamped<T>(value: T, timestamp: number): TimestampedValue<T> {
  return { value, timestamp };
}

type Event<T> =
  | { readonly kind: 'elements'; readonly elements: readonly TimestampedValue<T>[] }
  | { readonly kind: 'watermark'; readonly to: number }
  | { readonly kind: 'processingTime'; readonly by: number };

/** Where a test stream stands: the next event and the watermark. */
interface TestStreamCheckpoint {
  readonly next: number;
  readonly watermark: number;
}

class TestStreamReader<T> implements SourceReader<T> {
  #next: number;
  #watermark: number;

  constructor(
    private readonly events: readonly Event<T>[],
    private readonly context: SourceContext,
    from: TestStreamCheckpoint = { next: 0, watermark: MIN_TIMESTAMP },
  ) {
    this.#next = from.next;
    this.#watermark = from.watermark;
  }

  /** One scripted event per read, so each is its own step of the runner. */
  read(): ReadResult<T> {
    const event = this.events[this.#next++];
    const done = this.#next >= this.events.length;
    const bundle = new Bundle<T>();
    if (event?.kind === 'elements') {
      for (const { value, timestamp } of event.elements) bundle.push(value, timestamp, GLOBAL, NO_PANE);
    } else if (event?.kind === 'watermark') {
      this.#watermark = Math.max(this.#watermark, event.to);
    } else if (event?.kind === 'processingTime') {
      const clock = this.context.clock;
      if (!(clock instanceof VirtualClock)) {
        throw new TypeError('testStream().advanceProcessingTime() needs the run to use a VirtualClock: run({ clock: new VirtualClock() })');
      }
      clock.advance(event.by);
    }
    if (done) this.#watermark = MAX_TIMESTAMP;
    return { bundle, done };
  }

  watermark(): number {
    return this.#watermark;
  }

  checkpoint(): TestStreamCheckpoint {
    return { next: this.#next, watermark: this.#watermark };
  }

  close(): void {}
}

/**
 * A scripted stream for deterministic tests of event-time behaviour, like Beam's TestStream:
 * add timestamped elements, advance the watermark and the (virtual) processing clock, in order.
 * Each scripted event is one step of the runner; at the end the watermark goes to infinity.
 */
export class TestStream<T> extends PTransform<PBegin, PCollection<T>> {
  readonly defaultName = 'testStream';
  readonly #events: Event<T>[] = [];

  /** Emits elements (one bundle). */
  addElements(...elements: (TimestampedValue<T> | T)[]): this {
    const timestampedElements = elements.map((e) => (typeof e === 'object' && e !== null && 'timestamp' in e && 'value' in e ? e : { value: e, timestamp: this.#lastWatermark() }));
    this.#events.push({ kind: 'elements', elements: timestampedElements });
    return this;
  }

  /** Advances the watermark (never backward). */
  advanceWatermarkTo(to: number): this {
    if (to < this.#lastWatermark()) throw new RangeError(`advanceWatermarkTo(${to}): the watermark cannot move back from ${this.#lastWatermark()}`);
    this.#events.push({ kind: 'watermark', to });
    return this;
  }

  /** Advances the run's VirtualClock by `by` ms. */
  advanceProcessingTime(by: number): this {
    if (!(by > 0)) throw new RangeError(`advanceProcessingTime(by): by must be > 0 ms, got ${by}`);
    this.#events.push({ kind: 'processingTime', by });
    return this;
  }

  /** Ends the script; the watermark goes to infinity (done automatically at the end). */
  advanceWatermarkToInfinity(): this {
    this.#events.push({ kind: 'watermark', to: MAX_TIMESTAMP });
    return this;
  }

  expand(input: PBegin, context: ExpandContext): PCollection<T> {
    const events = [...this.#events];
    const source: Source<T> = {
      bounded: false,
      open: (ctx, checkpoint) => new TestStreamReader(events, ctx, checkpoint as TestStreamCheckpoint | undefined),
    };
    return read(source, 'testStream').expand(input, context);
  }

  #lastWatermark(): number {
    for (let i = this.#events.length - 1; i >= 0; i--) {
      const e = this.#events[i]!;
      if (e.kind === 'watermark') return e.to;
    }
    return MIN_TIMESTAMP;
  }
}

/** Starts a scripted stream: `testStream<number>().addElements(...).advanceWatermarkTo(t)…`. */
export function testStream<T>(): TestStream<T> {
  return new TestStream<T>();
}
