import { parse } from 'csv-parse/sync';
import type { NumberedLine } from './line-stream.js';

/** One CSV record: its fields and the lines it spans. */
export interface CsvRecord {
  readonly fields: string[];
  readonly firstLine: number;
  readonly text: string;
}

/** A record that could not be parsed, with the reason. */
export interface CsvReject {
  readonly firstLine: number;
  readonly text: string;
  readonly reason: string;
}

/**
 * Splits lines into CSV records and parses them with csv-parse. Records are framed by quote
 * parity, so a quoted field may span lines; an unterminated quote costs only its first line
 * (the lines after it are parsed again), never the rest of the file.
 */
export class CsvRecordReader {
  #pending: NumberedLine[] = [];
  #pendingLength = 0;
  #quotes = 0;

  constructor(
    private readonly delimiter: string,
    /** Lines a single record may span before its opening quote is judged unterminated. */
    private readonly maxRecordLines = 64,
    /** Characters a record spanning lines may hold before its opening quote is judged unterminated. */
    private readonly maxRecordLength = Infinity,
  ) {}

  /** How many of the last lines read belong to a record that has not ended yet. */
  get pendingLines(): number {
    return this.#pending.length;
  }

  /** Parses a batch of lines; `last` flushes what is pending at the end of the file. */
  read(lines: readonly NumberedLine[], last: boolean): { records: CsvRecord[]; rejects: CsvReject[] } {
    const framed: Framed[] = [];
    const rejects: CsvReject[] = [];
    let queue = lines;
    let next = 0;
    for (;;) {
      const line = next < queue.length ? queue[next++] : undefined;
      if (line === undefined && !(last && this.#pending.length > 0)) break;
      if (line !== undefined) {
        this.#pending.push(line);
        this.#pendingLength += line.text.length;
        this.#quotes += countQuotes(line.text);
      }
      const pending = this.#pending;
      let rejectFirst = false;
      if (this.#quotes % 2 === 0) {
        if (pending.length === 1) {
          if (pending[0]!.text.trim() !== '') framed.push({ fields: undefined, firstLine: pending[0]!.lineNumber, text: pending[0]!.text });
          this.#reset();
        } else {
          // A record spanning lines may be a bad quote that swallowed good lines: check it now.
          const text = pending.map((l) => l.text).join('\n');
          const fields = this.#parseOne(text);
          if (fields) {
            framed.push({ fields, firstLine: pending[0]!.lineNumber, text });
            this.#reset();
          } else rejectFirst = true;
        }
      } else if (pending.length >= this.maxRecordLines || this.#pendingLength > this.maxRecordLength || line === undefined) rejectFirst = true;
      if (rejectFirst) {
        // Reject the first line only and frame the lines after it again.
        const [first, ...rest] = pending;
        rejects.push({ firstLine: first!.lineNumber, text: first!.text, reason: this.#reasonFor(first!) });
        this.#reset();
        queue = [...rest, ...queue.slice(next)];
        next = 0;
      }
    }
    const { records, rejects: parseRejects } = this.#parse(framed);
    return { records, rejects: [...rejects, ...parseRejects] };
  }

  #reset(): void {
    this.#pending = [];
    this.#pendingLength = 0;
    this.#quotes = 0;
  }

  #reasonFor(line: NumberedLine): string {
    if (countQuotes(line.text) % 2 === 1) return `line ${line.lineNumber}: unterminated quoted field`;
    try {
      this.#parseText(line.text);
      return `line ${line.lineNumber}: malformed quoting`;
    } catch (error) {
      return `line ${line.lineNumber}: ${(error as Error).message}`;
    }
  }

  #parse(framed: Framed[]): { records: CsvRecord[]; rejects: CsvReject[] } {
    const unparsed = framed.filter((r) => r.fields === undefined);
    if (unparsed.length === 0) return { records: framed as CsvRecord[], rejects: [] };
    // Fast path: all single-line records at once. A grammar error can desynchronise the parser
    // for the rest of its input, so on any error parse each record alone to pin it down.
    let rows: string[][] | undefined;
    try {
      rows = this.#parseText(unparsed.map((r) => r.text).join('\n'));
    } catch {
      rows = undefined;
    }
    const records: CsvRecord[] = [];
    const rejects: CsvReject[] = [];
    let u = 0;
    for (const record of framed) {
      if (record.fields !== undefined) {
        records.push(record as CsvRecord);
        continue;
      }
      const fields = rows && rows.length === unparsed.length ? rows[u++] : this.#parseOne(record.text);
      if (fields) records.push({ ...record, fields });
      else rejects.push({ firstLine: record.firstLine, text: record.text, reason: this.#reasonFor({ text: record.text, lineNumber: record.firstLine }) });
    }
    return { records, rejects };
  }

  /** The fields of `text` when it is exactly one well-formed record, else undefined. */
  #parseOne(text: string): string[] | undefined {
    try {
      const rows = this.#parseText(text);
      return rows.length === 1 ? rows[0] : undefined;
    } catch {
      return undefined;
    }
  }

  #parseText(text: string): string[][] {
    return parse(text, { delimiter: this.delimiter, relax_column_count: true, skip_empty_lines: false });
  }
}

/** A framed record; `fields` is set once parsed. */
interface Framed {
  readonly fields: string[] | undefined;
  readonly firstLine: number;
  readonly text: string;
}

function countQuotes(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) n++;
  return n;
}
