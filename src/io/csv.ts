import { stringify } from 'csv-stringify/sync';
import { deadLetterCodeOf } from '../common/dead-letter-codes.js';
import { messageOf } from '../common/errors.js';
import type { PBegin } from '../core/pipeline.js';
import type { PCollection } from '../core/pcollection.js';
import type { PTransform } from '../core/ptransform.js';
import type { SourceContext } from '../core/source.js';
import { read } from '../transforms/read.js';
import { CsvRecordReader } from './csv-records.js';
import { isOverlong, lineFileSource, rejectOverlong, validateLineFileOptions, type LineDecoder, type LineFileOptions } from './file-source.js';
import { fileSink, type FileSinkOptions } from './file-sink.js';
import { DEFAULT_MAX_LINE_BYTES, type NumberedLine } from './line-stream.js';
import { castTextRecord, validateSchema, type RecordOf, type Schema } from './schema.js';

/** Options of `readCsv`. */
export interface ReadCsvOptions<S extends Schema> extends LineFileOptions {
  /** Field separator (default `,`). */
  delimiter?: string;
  /** Column names for a file without a header row; by default the first row is the header. */
  columns?: readonly string[];
  /** Types of (some of) the columns; untyped columns stay strings. */
  schema?: S;
}

/** What a CSV read's checkpoint keeps besides its position: the columns its header named. */
interface CsvDecoderState {
  readonly columns: readonly string[];
}

class CsvDecoder implements LineDecoder<Record<string, unknown>> {
  readonly #records: CsvRecordReader;
  #columns: readonly string[] | undefined;

  constructor(
    private readonly path: string,
    private readonly context: SourceContext,
    private readonly options: ReadCsvOptions<Schema>,
    /** The header a checkpoint kept (a resumed read starts after it). */
    restored: CsvDecoderState | undefined,
  ) {
    // A record spanning lines is held until it ends: it gets the cap of one line too.
    this.#records = new CsvRecordReader(options.delimiter ?? ',', 64, options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.#columns = restored?.columns ?? options.columns;
  }

  held(): number {
    return this.#records.pendingLines;
  }

  state(): CsvDecoderState | undefined {
    return this.#columns === undefined || this.#columns === this.options.columns ? undefined : { columns: this.#columns };
  }

  decode(lines: readonly NumberedLine[], out: Record<string, unknown>[], last: boolean): void {
    let from = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!isOverlong(line)) continue;
      // An overlong line ends any record in progress: the lines before it are framed as at the end of the file.
      this.#decodeRecords(lines.slice(from, i), out, true);
      if (this.#columns === undefined) {
        throw new Error(
          `the header of "${this.path}" (line ${line.lineNumber}) is ${line.overlongBytes} bytes, beyond maxLineBytes (${this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES})`,
        );
      }
      rejectOverlong(this.context, line, this.options);
      from = i + 1;
    }
    this.#decodeRecords(from === 0 ? lines : lines.slice(from), out, last);
    if (last && this.#columns === undefined && this.options.schema) {
      // A header-only file is an empty dataset; a file without even a header cannot be checked against the schema.
      const names = Object.keys(this.options.schema).join(', ');
      throw new Error(`"${this.path}" has no header row (the file is empty), so the schema's columns (${names}) cannot be found; give columns for a file without a header`);
    }
  }

  #decodeRecords(lines: readonly NumberedLine[], out: Record<string, unknown>[], last: boolean): void {
    const { records, rejects } = this.#records.read(lines, last);
    for (const r of rejects) this.context.deadLetter(r.reason, { line: r.firstLine, text: r.text }, 'BAD_CSV');
    for (const { fields, firstLine, text } of records) {
      if (this.#columns === undefined) {
        this.#columns = this.#header(fields);
        continue;
      }
      const columns = this.#columns;
      if (fields.length !== columns.length) {
        this.context.deadLetter(`line ${firstLine}: expected ${columns.length} fields (${columns.join(', ')}), got ${fields.length}`, { line: firstLine, text }, 'FIELD_COUNT');
        continue;
      }
      const record: Record<string, string> = {};
      for (let i = 0; i < columns.length; i++) record[columns[i]!] = fields[i]!;
      try {
        out.push(this.options.schema ? castTextRecord(record, this.options.schema) : record);
      } catch (error) {
        this.context.deadLetter(`line ${firstLine}: ${messageOf(error)}`, { line: firstLine, text }, deadLetterCodeOf(error, 'SCHEMA_TYPE'));
      }
    }
  }

  #header(fields: string[]): string[] {
    const columns = fields.map((f) => f.trim());
    const duplicate = columns.find((c, i) => columns.indexOf(c) !== i);
    if (duplicate !== undefined) throw new Error(`the header of "${this.path}" names column "${duplicate}" twice`);
    const missing = Object.keys(this.options.schema ?? {}).filter((name) => !columns.includes(name));
    if (missing.length > 0) {
      throw new Error(`the schema names column(s) ${missing.map((m) => `"${m}"`).join(', ')} that the header of "${this.path}" (${columns.join(', ')}) lacks`);
    }
    return columns;
  }
}

/**
 * Reads a CSV file as one record (an object keyed by column name) per row. A row that cannot
 * be parsed, has the wrong number of fields, does not match `schema`, or has a line longer than
 * `maxLineBytes` becomes a dead letter with its line number; the rest of the file is read. A
 * file with only a header row is an empty dataset; with a `schema` and no `columns`, a file
 * without a header row (an empty file) fails the read, naming the file.
 */
export function readCsv<S extends Schema>(path: string, options: ReadCsvOptions<S> & { schema: S }): PTransform<PBegin, PCollection<RecordOf<S> & Record<string, unknown>>>;
export function readCsv(path: string, options?: ReadCsvOptions<Schema>): PTransform<PBegin, PCollection<Record<string, string>>>;
export function readCsv(path: string, options: ReadCsvOptions<Schema> = {}): PTransform<PBegin, PCollection<unknown>> {
  if (options.schema) validateSchema(options.schema, 'readCsv');
  if (options.delimiter !== undefined && options.delimiter.length !== 1) {
    throw new TypeError(`readCsv: delimiter must be one character, got "${options.delimiter}"`);
  }
  validateLineFileOptions(options, 'readCsv');
  return read(
    lineFileSource(path, (context, state) => new CsvDecoder(path, context, options, state as CsvDecoderState | undefined), options),
    'readCsv',
  );
}

/** Options of `writeCsv`. */
export interface WriteCsvOptions extends FileSinkOptions {
  /** Columns in order (default: the keys of the first record). */
  columns?: readonly string[];
  /** Field separator (default `,`). */
  delimiter?: string;
  /** Write a header row (default true; never when appending). */
  header?: boolean;
}

/** Writes records (objects) as CSV rows, quoting fields as needed. */
export function writeCsv<T extends Record<string, unknown>>(path: string, options: WriteCsvOptions = {}): PTransform<PCollection<T>, void> {
  const delimiter = options.delimiter ?? ',';
  let columns = options.columns;
  const columnsOf = (first: T): readonly string[] => (columns ??= Object.keys(first));
  const row = (fields: unknown[]): string => stringify([fields], { delimiter, cast: { boolean: (b) => String(b) } });
  return fileSink<T>('writeCsv', path, options, {
    ...(options.header === false ? {} : { header: (first: T) => row([...columnsOf(first)]) }),
    format: (value) => row(columnsOf(value).map((c) => value[c])),
    layout: { save: () => columns, restore: (saved) => (columns = saved as readonly string[]) },
  });
}
