import { Bundle } from '../core/bundle.js';
import type { ReadResult, Source, SourceContext, SourceReader } from '../core/source.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../core/time.js';
import { DEFAULT_MAX_LINE_BYTES, LineStream, type NumberedLine } from './line-stream.js';

/** Turns lines of a file into records; rejects bad lines through `context.deadLetter`. */
export interface LineDecoder<T> {
  /**
   * Decodes a batch of consecutive lines, pushing records to `out`. `last` is true for the
   * final batch of the file, when anything still pending must be emitted or rejected. A line
   * with `overlongBytes` set was cut at the cap: `rejectOverlong` dead-letters it.
   */
  decode(lines: readonly NumberedLine[], out: T[], last: boolean): void;
}

/** Options shared by the line-oriented file sources. */
export interface LineFileOptions {
  /**
   * Longest line read, in bytes (default 1 MiB). A longer line is a dead letter with its line
   * number, its length and its first 1 KiB; the rest of it is never held in memory.
   */
  maxLineBytes?: number;
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

  close(): Promise<void> {
    return this.lines.close();
  }
}

/** Checks `maxLineBytes` when the pipeline is built, naming the option and the fix. */
export function validateLineFileOptions(options: LineFileOptions, where: string): void {
  const max = options.maxLineBytes;
  if (max !== undefined && !(Number.isSafeInteger(max) && max >= 1)) {
    throw new RangeError(`${where}: maxLineBytes must be a whole number of bytes ≥ 1 (default ${DEFAULT_MAX_LINE_BYTES}), got ${String(max)}`);
  }
}

/** A bounded source of the records in a line-oriented text file. */
export function lineFileSource<T>(path: string, makeDecoder: (context: SourceContext) => LineDecoder<T>, options: LineFileOptions = {}): Source<T> {
  return {
    bounded: true,
    open: async (context) => new LineFileReader(await LineStream.open(path, options), makeDecoder(context)),
  };
}

/** Dead-letters a line cut at the cap: its number, its length, and the first bytes that were kept. */
export function rejectOverlong(context: SourceContext, line: NumberedLine & { overlongBytes: number }, options: LineFileOptions): void {
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const kept = Buffer.byteLength(line.text);
  const reason = `line ${line.lineNumber}: ${line.overlongBytes} bytes exceed maxLineBytes (${max}); first ${kept} bytes kept`;
  context.deadLetter(reason, { line: line.lineNumber, bytes: line.overlongBytes, text: line.text }, 'LINE_TOO_LONG');
}

/** True for a line cut at the cap. */
export function isOverlong(line: NumberedLine): line is NumberedLine & { overlongBytes: number } {
  return line.overlongBytes !== undefined;
}
