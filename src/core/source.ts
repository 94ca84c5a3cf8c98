import type { DeadLetterCode } from '../common/dead-letter-codes.js';
import type { Clock } from './clock.js';
import type { Bundle } from './bundle.js';

/** What a source may report about input it could not turn into elements. */
export interface SourceContext {
  readonly clock: Clock;
  /** Aborted when the run is stopped: a source still waiting to open (for its broker, say) gives up. */
  readonly signal?: AbortSignal;
  /**
   * Records rejected input (a malformed row, say) as a dead letter with a stable `code` (default
   * `BAD_INPUT`); the read goes on.
   */
  deadLetter(reason: string, payload: unknown, code?: DeadLetterCode): void;
}

/** One read from a source: a bundle (maybe empty) and whether the source has ended. */
export interface ReadResult<T> {
  readonly bundle: Bundle<T>;
  readonly done: boolean;
  /** Nothing is available now: the runner may wait a little before reading again. */
  readonly idle?: boolean;
}

/** An open source, read in bundles. */
export interface SourceReader<T> {
  /** Reads up to `max` elements. A bounded source returns `done: true` once, at its end. */
  read(max: number): Promise<ReadResult<T>> | ReadResult<T>;
  /** Event time before which no more elements will come (MAX_TIMESTAMP once done). */
  watermark(): number;
  /**
   * The position after everything read so far, as JSON-serialisable data (watermark included);
   * `Source.open(context, checkpoint)` resumes from it. Durable runs need it.
   */
  checkpoint?(): unknown;
  close(): Promise<void> | void;
}

/** Where elements come from: a file, an array, an MQTT topic, the SQLite buffer. */
export interface Source<T> {
  /** True for data with an end (files, arrays); false for streams. */
  readonly bounded: boolean;
  /**
   * `'arrival'` when elements carry the time they arrived and the watermark follows it (an MQTT
   * source without `eventTimeField`): event times set downstream would fall behind that watermark
   * and be dropped as late, so the runner refuses `withTimestamps` after such a source.
   */
  readonly eventTime?: 'arrival' | 'payload';
  /** Opens the source, resuming after `checkpoint` when one is given. */
  open(context: SourceContext, checkpoint?: unknown): Promise<SourceReader<T>> | SourceReader<T>;
}
