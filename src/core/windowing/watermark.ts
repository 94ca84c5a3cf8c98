import { MIN_TIMESTAMP } from '../time.js';

/**
 * The watermark of a source whose data arrives at most `maxLateness` ms out of order: the
 * largest event time seen so far minus `maxLateness`. Later data is late.
 */
export class BoundedOutOfOrderness {
  #maxSeen: number;

  constructor(
    readonly maxLateness: number,
    /** The largest event time already seen (when resuming from a checkpoint). */
    maxSeen = MIN_TIMESTAMP,
  ) {
    if (!(maxLateness >= 0)) throw new RangeError(`maxLateness must be >= 0 ms, got ${maxLateness}`);
    this.#maxSeen = maxSeen;
  }

  /** Records an element's event time. */
  observe(timestamp: number): void {
    if (timestamp > this.#maxSeen) this.#maxSeen = timestamp;
  }

  /** The largest event time seen. */
  get maxSeen(): number {
    return this.#maxSeen;
  }

  /** Event time before which no more data is expected. */
  watermark(): number {
    return this.#maxSeen === MIN_TIMESTAMP ? MIN_TIMESTAMP : this.#maxSeen - this.maxLateness;
  }
}
