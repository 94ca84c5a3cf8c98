import type { PBegin } from '../core/pipeline.js';
import type { PCollection } from '../core/pcollection.js';
import type { PTransform } from '../core/ptransform.js';
import { read } from '../transforms/read.js';
import { lineFileSource } from './file-source.js';
import { fileSink, type FileSinkOptions } from './file-sink.js';

/** Reads a text file as one element per line (line endings removed). */
export function readText(path: string): PTransform<PBegin, PCollection<string>> {
  return read(
    lineFileSource<string>(path, () => ({
      decode: (lines, out) => {
        for (const line of lines) out.push(line.text);
      },
    })),
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
