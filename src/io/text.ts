import type { PBegin } from '../core/pipeline.js';
import type { PCollection } from '../core/pcollection.js';
import type { PTransform } from '../core/ptransform.js';
import { read } from '../transforms/read.js';
import { isOverlong, lineFileSource, rejectOverlong, validateLineFileOptions, type LineFileOptions } from './file-source.js';
import { fileSink, type FileSinkOptions } from './file-sink.js';

/** Options of `readText`. */
export type ReadTextOptions = LineFileOptions;

/**
 * Reads a text file as one element per line (line endings and a leading byte-order mark
 * removed). A line longer than `maxLineBytes` is a dead letter with its line number.
 */
export function readText(path: string, options: ReadTextOptions = {}): PTransform<PBegin, PCollection<string>> {
  validateLineFileOptions(options, 'readText');
  return read(
    lineFileSource<string>(
      path,
      (context) => ({
        decode: (lines, out) => {
          for (const line of lines) {
            if (isOverlong(line)) rejectOverlong(context, line, options);
            else out.push(line.text);
          }
        },
      }),
      options,
    ),
    'readText',
  );
}

/** Options of `writeText`. */
export interface WriteTextOptions<T> extends FileSinkOptions {
  /** Turns an element into its line (default: `String(value)`). */
  format?: (value: T) => string;
}

/** Writes one line per element to `path` (replaced at the start of the run). */
export function writeText<T>(path: string, options: WriteTextOptions<T> = {}): PTransform<PCollection<T>, void> {
  const format = options.format ?? String;
  return fileSink<T>('writeText', path, options, { format: (v) => `${format(v)}\n` });
}
