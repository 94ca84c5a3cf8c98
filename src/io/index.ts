export { readCsv, writeCsv, type ReadCsvOptions, type WriteCsvOptions } from './csv.js';
export { readJsonl, writeJsonl, type ReadJsonlOptions } from './jsonl.js';
export { readText, writeText, type ReadTextOptions, type WriteTextOptions } from './text.js';
export { DEFAULT_MAX_LINE_BYTES } from './line-stream.js';
export type { LineFileOptions } from './file-source.js';
export { collect, Collect } from './collect.js';
export type { FileSinkOptions } from './file-sink.js';
export type { Schema, FieldSpec, FieldType, RecordOf } from './schema.js';
