import { open, stat, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

/** A line of a text file with its 1-based line number. */
export interface NumberedLine {
  readonly text: string;
  readonly lineNumber: number;
  /**
   * Set when the line is longer than the stream's `maxLineBytes`: its full length in bytes. Its
   * `text` is then only its first `OVERLONG_KEPT_BYTES` (at most), and the rest was never held.
   */
  readonly overlongBytes?: number;
}

/** Where a line starts in its file: the byte offset, and how many lines come before it. */
export interface LinePosition {
  readonly offset: number;
  readonly lineNumber: number;
}

/** The default cap on a line's length in bytes (1 MiB). */
export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

/** How much of an overlong line is kept (bytes, cut back to a whole character). */
export const OVERLONG_KEPT_BYTES = 1024;

const CHUNK_BYTES = 64 * 1024;
const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;

/**
 * Reads a UTF-8 text file line by line, in batches. Lines end at LF, CRLF or a lone CR (as
 * `node:readline` splits them); a leading byte-order mark is dropped. A line longer than
 * `maxLineBytes` is never held whole: once past the cap only its first bytes are kept and the
 * rest is counted as it streams by, so a 50 MB line costs a chunk, not 50 MB (readline held it,
 * several times over). Each chunk is decoded once and lines are cut from the text, as readline
 * does: per-line decoding cost 40% more CPU.
 */
export class LineStream {
  readonly #file: FileHandle;
  readonly #maxLineBytes: number;
  /** One buffer for every read; the decoder keeps a character split between reads. */
  readonly #buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  readonly #decoder = new StringDecoder('utf8');
  readonly #ready: NumberedLine[] = [];
  /** The byte offset just past each ready line's end (its line ending, or the end of the file). */
  readonly #readyEnds: number[] = [];
  #readyFrom = 0;
  /** Where the next chunk is read from. */
  #position: number;
  /**
   * The byte offsets of the CR and LF bytes read and not yet met in the decoded text, in order
   * (from `#terminatorsFrom`): each CR or LF character of the text is one of these bytes, so a
   * line's end in the file is known without measuring its text (a malformed UTF-8 sequence
   * decodes to U+FFFD, whose length says nothing of the bytes it replaced).
   */
  #terminators: number[] = [];
  #terminatorsFrom = 0;
  #lineNumber = 0;
  /** The current line's text so far (all of it, or the kept prefix once it is overlong). */
  #parts: string[] = [];
  #partsLength = 0;
  /** The current line's length in bytes once it is past the cap (0 before). */
  #overlongBytes = 0;
  /** The last chunk ended with a CR: an LF starting the next one belongs to it. */
  #afterCr = false;
  #started = false;
  #ended = false;

  private constructor(file: FileHandle, maxLineBytes: number, from: LinePosition, afterCr: boolean) {
    this.#file = file;
    this.#maxLineBytes = maxLineBytes;
    this.#position = from.offset;
    this.#lineNumber = from.lineNumber;
    this.#afterCr = afterCr;
    this.#started = from.offset > 0; // a byte-order mark only counts at the very start
  }

  /**
   * Opens `path`, failing at once with a clear message when it is missing or not a file. `from`
   * starts at a line other than the first: a position `ends` gave earlier, on the same file.
   */
  static async open(path: string, options: { maxLineBytes?: number } = {}, from: LinePosition = { offset: 0, lineNumber: 0 }): Promise<LineStream> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `file "${path}" does not exist` : `cannot read "${path}" (${code ?? String(error)})`, { cause: error });
    }
    if (!info.isFile()) throw new Error(`"${path}" is not a file`);
    const file = await open(path, 'r');
    // A line that ended with a CR ends at the CR: an LF after it is the rest of that line ending.
    let afterCr = false;
    if (from.offset > 0) {
      const byte = Buffer.alloc(1);
      afterCr = (await file.read(byte, 0, 1, from.offset - 1)).bytesRead === 1 && byte[0] === CR;
    }
    return new LineStream(file, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, from, afterCr);
  }

  /**
   * Up to `max` lines; `done` once the file is exhausted. `ends[i]` is the byte offset just past
   * `lines[i]`: `{ offset: ends[i], lineNumber: lines[i].lineNumber }` opens the stream after it.
   */
  async next(max: number): Promise<{ lines: NumberedLine[]; ends: number[]; done: boolean }> {
    while (this.#ready.length - this.#readyFrom < max && !this.#ended) await this.#readChunk();
    const lines = this.#ready.slice(this.#readyFrom, this.#readyFrom + max);
    const ends = this.#readyEnds.slice(this.#readyFrom, this.#readyFrom + max);
    this.#readyFrom += lines.length;
    if (this.#readyFrom === this.#ready.length) {
      this.#ready.length = 0;
      this.#readyEnds.length = 0;
      this.#readyFrom = 0;
    }
    return { lines, ends, done: this.#ended && this.#readyFrom === 0 };
  }

  async close(): Promise<void> {
    await this.#file.close();
  }

  async #readChunk(): Promise<void> {
    const { bytesRead } = await this.#file.read(this.#buffer, 0, CHUNK_BYTES, this.#position);
    if (bytesRead === 0) {
      this.#split(this.#decoder.end());
      if (this.#partsLength > 0 || this.#overlongBytes > 0) this.#endLine(this.#position);
      this.#ended = true;
      return;
    }
    const chunk = this.#buffer.subarray(0, bytesRead);
    this.#findTerminators(chunk);
    this.#position += bytesRead;
    this.#split(this.#decoder.write(chunk));
  }

  /** Queues the offsets of the chunk's CR and LF bytes, in file order. */
  #findTerminators(chunk: Buffer): void {
    if (this.#terminatorsFrom === this.#terminators.length) {
      this.#terminators = [];
      this.#terminatorsFrom = 0;
    }
    let lf = chunk.indexOf(LF);
    let cr = chunk.indexOf(CR);
    while (lf !== -1 || cr !== -1) {
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        this.#terminators.push(this.#position + lf);
        lf = chunk.indexOf(LF, lf + 1);
      } else {
        this.#terminators.push(this.#position + cr);
        cr = chunk.indexOf(CR, cr + 1);
      }
    }
  }

  /** The offset just past the next CR or LF byte of the file, as its character is met in the text. */
  #pastTerminator(): number {
    return this.#terminators[this.#terminatorsFrom++]! + 1;
  }

  /** Cuts decoded text into lines; the text after the last line end starts the next line. */
  #split(text: string): void {
    if (text.length === 0) return;
    let pos = 0;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    if (this.#afterCr && text.charCodeAt(pos) === LF) {
      pos++;
      this.#pastTerminator();
    }
    this.#afterCr = false;
    // The next LF and CR at or after `pos` (-1: none in this text), each found once.
    let lf = text.indexOf('\n', pos);
    let cr = text.indexOf('\r', pos);
    for (;;) {
      if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf('\r', pos);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) {
        if (pos < text.length) this.#append(pos === 0 ? text : text.slice(pos));
        return;
      }
      const line = text.slice(pos, end);
      let lineEnd = this.#pastTerminator();
      pos = end + 1;
      if (text.charCodeAt(end) === CR) {
        if (pos === text.length) this.#afterCr = true;
        else if (text.charCodeAt(pos) === LF) {
          pos++;
          lineEnd = this.#pastTerminator();
        }
      }
      if (this.#partsLength === 0 && this.#overlongBytes === 0) this.#push(line, lineEnd);
      else {
        this.#append(line);
        this.#endLine(lineEnd);
      }
    }
  }

  #append(part: string): void {
    if (this.#overlongBytes > 0) {
      this.#overlongBytes += Buffer.byteLength(part);
      return;
    }
    this.#parts.push(part);
    this.#partsLength += part.length;
    // A UTF-16 code unit is at least one byte: more units than the cap means more bytes.
    if (this.#partsLength <= this.#maxLineBytes) return;
    const held = this.#parts.join('');
    this.#overlongBytes = Buffer.byteLength(held);
    this.#parts = [this.#prefix(held)];
    this.#partsLength = 0;
  }

  #endLine(end: number): void {
    if (this.#overlongBytes > 0) {
      this.#ready.push({ text: this.#parts[0]!, lineNumber: ++this.#lineNumber, overlongBytes: this.#overlongBytes });
      this.#readyEnds.push(end);
    } else this.#push(this.#parts.length === 1 ? this.#parts[0]! : this.#parts.join(''), end);
    this.#parts = [];
    this.#partsLength = 0;
    this.#overlongBytes = 0;
  }

  /** Adds a whole line, checking its length in bytes only when its length in characters leaves a doubt. */
  #push(text: string, end: number): void {
    this.#readyEnds.push(end);
    const lineNumber = ++this.#lineNumber;
    const bytes = text.length * 3 <= this.#maxLineBytes ? 0 : Buffer.byteLength(text);
    this.#ready.push(bytes > this.#maxLineBytes ? { text: this.#prefix(text), lineNumber, overlongBytes: bytes } : { text, lineNumber });
  }

  /** The first bytes of an overlong line, cut back to a whole character. */
  #prefix(text: string): string {
    const limit = Math.min(OVERLONG_KEPT_BYTES, this.#maxLineBytes);
    const bytes = Buffer.from(text.slice(0, limit));
    let kept = Math.min(limit, bytes.length);
    while (kept > 0 && kept < bytes.length && (bytes[kept]! & 0xc0) === 0x80) kept--;
    return bytes.toString('utf8', 0, kept);
  }
}
