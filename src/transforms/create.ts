import { Bundle } from '../core/bundle.js';
import type { PBegin } from '../core/pipeline.js';
import type { PCollection } from '../core/pcollection.js';
import type { PTransform } from '../core/ptransform.js';
import type { ReadResult, Source, SourceReader } from '../core/source.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../core/time.js';
import { read } from './read.js';

class ArrayReader<T> implements SourceReader<T> {
  #next: number;

  constructor(
    private readonly values: readonly T[],
    start = 0,
  ) {
    this.#next = start;
  }

  read(max: number): ReadResult<T> {
    const end = Math.min(this.values.length, this.#next + max);
    const bundle = Bundle.of(this.values.slice(this.#next, end));
    this.#next = end;
    return { bundle, done: end === this.values.length };
  }

  watermark(): number {
    return this.#next === this.values.length ? MAX_TIMESTAMP : MIN_TIMESTAMP;
  }

  checkpoint(): { next: number } {
    return { next: this.#next };
  }

  close(): void {}
}

/** A bounded source over an in-memory array. */
export function arraySource<T>(values: readonly T[]): Source<T> {
  return { bounded: true, open: (_context, checkpoint) => new ArrayReader(values, (checkpoint as { next?: number } | undefined)?.next ?? 0) };
}

/** A bounded collection of the given values, in the global window (as Beam's Create). */
export function create<T>(values: readonly T[]): PTransform<PBegin, PCollection<T>> {
  if (!Array.isArray(values)) throw new TypeError('create(values): values must be an array');
  return read(arraySource<T>(values), 'create');
}
