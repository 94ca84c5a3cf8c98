import { deadLetterCodeOf, RejectedInput } from '../common/dead-letter-codes.js';
import { messageOf } from '../common/errors.js';
import type { PBegin } from '../core/pipeline.js';
import type { PCollection } from '../core/pcollection.js';
import type { PTransform } from '../core/ptransform.js';
import { read } from '../transforms/read.js';
import { isOverlong, lineFileSource, rejectOverlong, validateLineFileOptions, type LineFileOptions } from './file-source.js';
import { fileSink, type FileSinkOptions } from './file-sink.js';
import { checkJsonRecord, validateSchema, type RecordOf, type Schema } from './schema.js';

/** Options of `readJsonl`. */
export interface ReadJsonlOptions<S extends Schema> extends LineFileOptions {
  /** Field types every record must have; a record that does not match is a dead letter. */
  schema?: S;
}

/**
 * Reads a JSON Lines file: one JSON value per line, blank lines skipped, a leading byte-order
 * mark dropped. A line that is not valid JSON, does not match `schema`, or is longer than
 * `maxLineBytes` becomes a dead letter with its line number.
 */
export function readJsonl<S extends Schema>(path: string, options: ReadJsonlOptions<S> & { schema: S }): PTransform<PBegin, PCollection<RecordOf<S>>>;
export function readJsonl<T = unknown>(path: string, options?: ReadJsonlOptions<Schema>): PTransform<PBegin, PCollection<T>>;
export function readJsonl(path: string, options: ReadJsonlOptions<Schema> = {}): PTransform<PBegin, PCollection<unknown>> {
  const schema = options.schema;
  if (schema) validateSchema(schema, 'readJsonl');
  validateLineFileOptions(options, 'readJsonl');
  return read(
    lineFileSource<unknown>(
      path,
      (context) => ({
        decode: (lines, out) => {
          for (const line of lines) {
            const { text, lineNumber } = line;
            if (isOverlong(line)) {
              rejectOverlong(context, line, options);
              continue;
            }
            if (text.trim() === '') continue;
            let value: unknown;
            try {
              value = JSON.parse(text) as unknown;
            } catch (error) {
              context.deadLetter(`line ${lineNumber}: ${messageOf(error)}`, { line: lineNumber, text }, 'BAD_JSON');
              continue;
            }
            try {
              out.push(schema ? checkJsonRecord(value, schema) : value);
            } catch (error) {
              context.deadLetter(`line ${lineNumber}: ${messageOf(error)}`, { line: lineNumber, text }, deadLetterCodeOf(error, 'SCHEMA_TYPE'));
            }
          }
        },
      }),
      options,
    ),
    'readJsonl',
  );
}

/** Writes one JSON value per line to `path`. */
export function writeJsonl<T>(path: string, options: FileSinkOptions = {}): PTransform<PCollection<T>, void> {
  return fileSink<T>('writeJsonl', path, options, { format: (v) => `${jsonLine(v)}\n` });
}

function jsonLine(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new RejectedInput('UNWRITABLE', `cannot write ${typeof value} as JSON`);
  return text;
}
