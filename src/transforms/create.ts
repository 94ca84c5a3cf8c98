import type { WindowedValue } from '../core/element.js';
import { NO_FIRING } from '../core/pane.js';
import type { PBegin } from '../core/pipeline.js';
import type { PCollection } from '../core/pcollection.js';
import type { PTransform } from '../core/ptransform.js';
import type { ReadResult, Source, SourceReader } from '../core/source.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../core/time.js';
import { GLOBAL_WINDOW } from '../core/window.js';
import { read } from './read.js';

class ArrayReader<T> implements SourceReader<T> {
  #next = 0;

  constructor(private readonly values: readonly T[]) {}

  read(max: number): ReadResult<T> {
    const end = Math.min(this.values.length, this.#next + max);
    const elements: WindowedValue<T>[] = new Array(end - this.#next);
    for (let i = this.#next; i < end; i++) {
      elements[i - this.#next] = { value: this.values[i]!, timestamp: MIN_TIMESTAMP, window: GLOBAL_WINDOW, pane: NO_FIRING };
    }
    this.#next = end;
    return { elements, done: end === this.values.length };
  }

  watermark(): number {
    return this.#next === this.values.length ? MAX_TIMESTAMP : MIN_TIMESTAMP;
  }

  close(): void {}
}

/** A bounded source over an in-memory array. */
export function arraySource<T>(values: readonly T[]): Source<T> {
  return { bounded: true, open: () => new ArrayReader(values) };
}

/** A bounded collection of the given values, in the global window (as Beam's Create). */
export function create<T>(values: readonly T[]): PTransform<PBegin, PCollection<T>> {
  if (!Array.isArray(values)) throw new TypeError('create(values): values must be an array');
  return read(arraySource(values), 'create');
}
