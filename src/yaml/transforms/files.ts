import { resolve } from 'node:path';
import { readCsv, writeCsv } from '../../io/csv.js';
import { readJsonl, writeJsonl } from '../../io/jsonl.js';
import { readText, writeText } from '../../io/text.js';
import { describe, isMapping, type ConfigReader } from '../config.js';
import type { Row } from '../expressions.js';
import { configOf, NAME } from '../schema/parts.js';
import type { BuildContext, YamlTransform } from './yaml-transform.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function pathOf(config: ConfigReader, baseDir: string): string {
  return resolve(baseDir, config.string('path'));
}

/** The config of a file reader or writer: `path`, and for CSV a one-character `delimiter`. */
const FILE_CONFIG = configOf({ path: NAME }, ['path']);
const CSV_CONFIG = configOf({ path: NAME, delimiter: { type: 'string', minLength: 1, maxLength: 1, expected: 'one character' } }, ['path']);

function csvOptions(config: ConfigReader): { delimiter?: string } {
  const delimiter = config.optionalString('delimiter');
  return delimiter === undefined ? {} : { delimiter };
}

/**
 * `ReadFromCsv`: one row per record, keyed by the header. Beam reads CSV with pandas, which
 * types columns; Runnel reads a stream, so it types each value: one that reads as a decimal
 * number becomes a number, an empty one null, any other stays a string.
 */
export const ReadFromCsv: YamlTransform = {
  kind: 'root',
  configSchema: CSV_CONFIG,
  build(begin, { config, baseDir }: BuildContext) {
    return begin.pipeline
      .apply(readCsv(pathOf(config, baseDir), csvOptions(config)))
      .map((record: Record<string, string>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, typed(v)])), 'types');
  },
};

function typed(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return null;
  return NUMBER.test(trimmed) && Number.isFinite(Number(trimmed)) ? Number(trimmed) : text;
}

/** `WriteToCsv`: the rows to the file `path` (one file, not Beam's shards), header from the first row. */
export const WriteToCsv: YamlTransform = {
  kind: 'sink',
  configSchema: CSV_CONFIG,
  build(input, { config, baseDir }) {
    input.apply(writeCsv<Row>(pathOf(config, baseDir), csvOptions(config)));
  },
};

/** `ReadFromJson`: one row per line of a JSON-lines file; a line that is not a JSON object is a dead letter. */
export const ReadFromJson: YamlTransform = {
  kind: 'root',
  configSchema: FILE_CONFIG,
  build(begin, { config, baseDir }) {
    return begin.pipeline.apply(readJsonl<unknown>(pathOf(config, baseDir))).map((value: unknown) => {
      if (!isMapping(value)) throw new Error(`expected a JSON object per line, got ${describe(value)}`);
      return value;
    }, 'rows');
  },
};

/** `WriteToJson`: one JSON object per line. */
export const WriteToJson: YamlTransform = {
  kind: 'sink',
  configSchema: FILE_CONFIG,
  build(input, { config, baseDir }) {
    input.apply(writeJsonl<Row>(pathOf(config, baseDir)));
  },
};

/** `ReadFromText`: one row `{ line }` per line, as in Beam. */
export const ReadFromText: YamlTransform = {
  kind: 'root',
  configSchema: FILE_CONFIG,
  build(begin, { config, baseDir }) {
    return begin.pipeline.apply(readText(pathOf(config, baseDir))).map((line: string): Row => ({ line }), 'rows');
  },
};

/** `WriteToText`: rows of exactly one field, that field's value per line (Beam asks the same). */
export const WriteToText: YamlTransform = {
  kind: 'sink',
  configSchema: FILE_CONFIG,
  build(input, { config, baseDir }) {
    input.apply(writeText<Row>(pathOf(config, baseDir), { format: singleField }));
  },
};

function singleField(row: Row): string {
  const values = Object.values(row);
  if (values.length !== 1)
    throw new Error(`WriteToText writes rows of one field; this one has ${values.length} (${Object.keys(row).join(', ')}): select one with MapToFields first`);
  return String(values[0]);
}
