import { Bundle } from '../core/bundle.js';
import type { ReadResult, Source, SourceContext, SourceReader } from '../core/source.js';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from '../core/time.js';
import { fileChange, fingerprintFile, type FileFingerprint } from './file-fingerprint.js';
import { DEFAULT_MAX_LINE_BYTES, LineStream, type LinePosition, type NumberedLine } from './line-stream.js';

/** Turns lines of a file into records; rejects bad lines through `context.deadLetter`. */
export interface LineDecoder<T> {
  /**
   * Decodes a batch of consecutive lines, pushing records to `out`. `last` is true for the
   * final batch of the file, when anything still pending must be emitted or rejected. A line
   * with `overlongBytes` set was cut at the cap: `rejectOverlong` dead-letters it.
   */
  decode(lines: readonly NumberedLine[], out: T[], last: boolean): void;
  /** How many of the last lines given belong to a record not yet complete (default 0). */
  held?(): number;
  /** What the decoder learnt from the lines before the held ones (a CSV header), as JSON-serialisable data. */
  state?(): unknown;
}

/** Makes a file source's decoder, resuming with the `state` a checkpoint kept, if any. */
export type LineDecoderFactory<T> = (context: SourceContext, state: unknown) => LineDecoder<T>;

/**
 * Where a line-oriented file source resumes: just after the last line of the last complete
 * record (its byte offset and line number), how many lines after it the decoder held (a CSV
 * record still open), the decoder's state, and the file as it was opened.
 */
interface LineFileCheckpoint {
  readonly offset: number;
  readonly lineNumber: number;
  readonly held?: number;
  readonly decoder?: unknown;
  readonly file: FileFingerprint;
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
  /** The byte offsets just past the last lines handed to the decoder (enough to reach before the held ones) … */
  #ends: number[];
  /** … and the line number of the last of them. */
  #lastLine: number;

  constructor(
    private readonly lines: LineStream,
    private readonly decoder: LineDecoder<T>,
    private readonly file: FileFingerprint,
    from: LinePosition,
  ) {
    this.#ends = [from.offset];
    this.#lastLine = from.lineNumber;
  }

  async read(max: number): Promise<ReadResult<T>> {
    const { lines, ends, done } = await this.lines.next(max);
    const values: T[] = [];
    this.decoder.decode(lines, values, done);
    this.#done = done;
    this.#track(lines.length, ends);
    return { bundle: Bundle.of(values), done };
  }

  /**
   * Gives the decoder again the lines it held at the checkpoint (an open record, which produced
   * nothing yet), so that the reads after it take the same lines, and make the same steps and
   * output ids, as a run that never stopped.
   */
  async replayHeld(count: number): Promise<void> {
    const { lines, ends } = await this.lines.next(count);
    this.decoder.decode(lines, [], false);
    this.#track(lines.length, ends);
  }

  /** Keeps the ends of the last lines given, back to the line before the first one the decoder holds. */
  #track(count: number, ends: readonly number[]): void {
    for (const end of ends) this.#ends.push(end);
    this.#lastLine += count;
    const keep = (this.decoder.held?.() ?? 0) + 1;
    if (this.#ends.length > keep) this.#ends = this.#ends.slice(-keep);
  }

  checkpoint(): LineFileCheckpoint {
    const held = this.#ends.length - 1;
    const state = this.decoder.state?.();
    return { offset: this.#ends[0]!, lineNumber: this.#lastLine - held, ...(held > 0 ? { held } : {}), ...(state === undefined ? {} : { decoder: state }), file: this.file };
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

/**
 * A bounded source of the records in a line-oriented text file. Its checkpoint resumes just after
 * the last complete record, without reading the lines before it again; a file that changed since
 * the checkpoint is refused (one that only grew is read on), see `fileChange`.
 */
export function lineFileSource<T>(path: string, makeDecoder: LineDecoderFactory<T>, options: LineFileOptions = {}): Source<T> {
  return {
    bounded: true,
    open: async (context, checkpoint) => {
      const from = checkpoint as LineFileCheckpoint | undefined;
      const start = { offset: from?.offset ?? 0, lineNumber: from?.lineNumber ?? 0 };
      const lines = await LineStream.open(path, options, start);
      try {
        const change = from && (await fileChange(path, from.file));
        if (change !== undefined) {
          throw new Error(
            `"${path}" changed since this database's run read it up to line ${from!.lineNumber} (${change}), so resuming would skip or repeat records. ` +
              'Put the file back as it was to resume, or start over with a new database (another --db file).',
          );
        }
        const reader = new LineFileReader(lines, makeDecoder(context, from?.decoder), await fingerprintFile(path), start);
        if (from?.held) await reader.replayHeld(from.held);
        return reader;
      } catch (error) {
        await lines.close();
        throw error;
      }
    },
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
