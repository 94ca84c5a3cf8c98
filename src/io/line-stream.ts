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
  #readyFrom = 0;
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

  private constructor(file: FileHandle, maxLineBytes: number) {
    this.#file = file;
    this.#maxLineBytes = maxLineBytes;
  }

  /** Opens `path`, failing at once with a clear message when it is missing or not a file. */
  static async open(path: string, options: { maxLineBytes?: number } = {}): Promise<LineStream> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `file "${path}" does not exist` : `cannot read "${path}" (${code ?? String(error)})`, { cause: error });
    }
    if (!info.isFile()) throw new Error(`"${path}" is not a file`);
    return new LineStream(await open(path, 'r'), options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
  }

  /** Up to `max` lines; `done` once the file is exhausted. */
  async next(max: number): Promise<{ lines: NumberedLine[]; done: boolean }> {
    while (this.#ready.length - this.#readyFrom < max && !this.#ended) await this.#readChunk();
    const lines = this.#ready.slice(this.#readyFrom, this.#readyFrom + max);
    this.#readyFrom += lines.length;
    if (this.#readyFrom === this.#ready.length) {
      this.#ready.length = 0;
      this.#readyFrom = 0;
    }
    return { lines, done: this.#ended && this.#readyFrom === 0 };
  }

  async close(): Promise<void> {
    await this.#file.close();
  }

  async #readChunk(): Promise<void> {
    const { bytesRead } = await this.#file.read(this.#buffer, 0, CHUNK_BYTES, null);
    if (bytesRead === 0) {
      this.#split(this.#decoder.end());
      if (this.#partsLength > 0 || this.#overlongBytes > 0) this.#endLine();
      this.#ended = true;
      return;
    }
    this.#split(this.#decoder.write(this.#buffer.subarray(0, bytesRead)));
  }

  /** Cuts decoded text into lines; the text after the last line end starts the next line. */
  #split(text: string): void {
    if (text.length === 0) return;
    let pos = 0;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    if (this.#afterCr && text.charCodeAt(pos) === LF) pos++;
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
      if (this.#partsLength === 0 && this.#overlongBytes === 0) this.#push(text.slice(pos, end));
      else {
        this.#append(text.slice(pos, end));
        this.#endLine();
      }
      pos = end + 1;
      if (text.charCodeAt(end) === CR) {
        if (pos === text.length) this.#afterCr = true;
        else if (text.charCodeAt(pos) === LF) pos++;
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

  #endLine(): void {
    if (this.#overlongBytes > 0) this.#ready.push({ text: this.#parts[0]!, lineNumber: ++this.#lineNumber, overlongBytes: this.#overlongBytes });
    else this.#push(this.#parts.length === 1 ? this.#parts[0]! : this.#parts.join(''));
    this.#parts = [];
    this.#partsLength = 0;
    this.#overlongBytes = 0;
  }

  /** Adds a whole line, checking its length in bytes only when its length in characters leaves a doubt. */
  #push(text: string): void {
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
