import { Bundle } from '../core/bundle.js';
import { NO_FIRING } from '../core/pane.js';
import type { PBegin } from '../core/pipeline.js';
import type { PCollection } from '../core/pcollection.js';
import type { PTransform } from '../core/ptransform.js';
import type { ReadResult, Source, SourceReader } from '../core/source.js';
import { MAX_TIMESTAMP } from '../core/time.js';
import { GLOBAL_WINDOW } from '../core/window.js';
import { BoundedOutOfOrderness } from '../core/windowing/watermark.js';
import { read } from '../transforms/read.js';
import type { TimestampedValue } from './test-stream.js';

interface Checkpoint {
  readonly next: number;
  readonly maxSeen: number;
}

class EventStreamReader<T> implements SourceReader<T> {
  #next: number;
  readonly #watermark: BoundedOutOfOrderness;

  constructor(
    private readonly events: readonly TimestampedValue<T>[],
    maxLateness: number,
    from: Checkpoint | undefined,
  ) {
    this.#next = from?.next ?? 0;
    this.#watermark = new BoundedOutOfOrderness(maxLateness, from?.maxSeen);
  }

  read(max: number): ReadResult<T> {
    const bundle = new Bundle<T>();
    const end = Math.min(this.events.length, this.#next + max);
    for (; this.#next < end; this.#next++) {
      const { value, timestamp } = this.events[this.#next]!;
      this.#watermark.observe(timestamp);
      bundle.push(value, timestamp, GLOBAL_WINDOW, NO_FIRING);
    }
    return { bundle, done: this.#next === this.events.length };
  }

  watermark(): number {
    return this.#next === this.events.length ? MAX_TIMESTAMP : this.#watermark.watermark();
  }

  checkpoint(): Checkpoint {
    return { next: this.#next, maxSeen: this.#watermark.maxSeen };
  }

  close(): void {}
}

/**
 * Replays timestamped values in the given (arrival) order as a stream whose watermark trails
 * the largest event time seen by `maxLateness`, as a live sensor source does.
 */
export function eventStream<T>(events: readonly TimestampedValue<T>[], options: { maxLateness: number }): PTransform<PBegin, PCollection<T>> {
  const source: Source<T> = {
    bounded: false,
    open: (_context, checkpoint) => new EventStreamReader(events, options.maxLateness, checkpoint as Checkpoint | undefined),
  };
  return read(source, 'eventStream');
}
