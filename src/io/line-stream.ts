import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface, type Interface } from 'node:readline';

/** A line of a text file with its 1-based line number. */
export interface NumberedLine {
  readonly text: string;
  readonly lineNumber: number;
}

/** Reads a UTF-8 text file line by line, in batches (LF or CRLF endings). */
export class LineStream {
  readonly #lines: Interface;
  readonly #iterator: AsyncIterator<string>;
  #lineNumber = 0;

  private constructor(path: string) {
    this.#lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
    this.#iterator = this.#lines[Symbol.asyncIterator]();
  }

  /** Opens `path`, failing at once with a clear message when it is missing or not a file. */
  static async open(path: string): Promise<LineStream> {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(code === 'ENOENT' ? `file "${path}" does not exist` : `cannot read "${path}" (${code ?? String(error)})`, { cause: error });
    }
    if (!info.isFile()) throw new Error(`"${path}" is not a file`);
    return new LineStream(path);
  }

  /** Up to `max` lines; `done` once the file is exhausted. */
  async next(max: number): Promise<{ lines: NumberedLine[]; done: boolean }> {
    const lines: NumberedLine[] = [];
    while (lines.length < max) {
      const result = await this.#iterator.next();
      if (result.done) return { lines, done: true };
      lines.push({ text: result.value, lineNumber: ++this.#lineNumber });
    }
    return { lines, done: false };
  }

  close(): void {
    this.#lines.close();
  }
}
