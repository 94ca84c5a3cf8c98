import { Bundle } from '../core/bundle.js';
import type { ReadResult, Source, SourceContext, SourceReader } from '../core/source.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../core/time.js';
import { LineStream, type NumberedLine } from './line-stream.js';

/** Turns lines of a file into records; rejects bad lines through `context.deadLetter`. */
export interface LineDecoder<T> {
  /**
   * Decodes a batch of consecutive lines, pushing records to `out`. `last` is true for the
   * final batch of the file, when anything still pending must be emitted or rejected.
   */
  decode(lines: readonly NumberedLine[], out: T[], last: boolean): void;
}

class LineFileReader<T> implements SourceReader<T> {
  #done = false;

  constructor(
    private readonly lines: LineStream,
    private readonly decoder: LineDecoder<T>,
  ) {}

  async read(max: number): Promise<ReadResult<T>> {
    const { lines, done } = await this.lines.next(max);
    const values: T[] = [];
    this.decoder.decode(lines, values, done);
    this.#done = done;
    return { bundle: Bundle.of(values), done };
  }

  watermark(): number {
    return this.#done ? MAX_TIMESTAMP : MIN_TIMESTAMP;
  }

  close(): void {
    this.lines.close();
  }
}

/** A bounded source of the records in a line-oriented text file. */
export function lineFileSource<T>(path: string, makeDecoder: (context: SourceContext) => LineDecoder<T>): Source<T> {
  return {
    bounded: true,
    open: async (context) => new LineFileReader(await LineStream.open(path), makeDecoder(context)),
  };
}
