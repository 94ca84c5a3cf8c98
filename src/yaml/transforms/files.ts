import { resolve } from 'node:path';
import { readCsv, writeCsv } from '../../io/csv.js';
import { readJsonl, writeJsonl } from '../../io/jsonl.js';
import { readText, writeText } from '../../io/text.js';
import { describe, isMapping, type ConfigReader } from '../config.js';
import type { Row } from '../expressions.js';
import type { BuildContext, YamlTransform } from './yaml-transform.js';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function pathOf(config: ConfigReader, baseDir: string): string {
  return resolve(baseDir, config.string('path'));
}

function delimiterOf(config: ConfigReader): string | undefined {
  const delimiter = config.optionalString('delimiter');
  if (delimiter !== undefined && delimiter.length !== 1) throw config.error('delimiter', `expected one character, got ${describe(delimiter)}`);
  return delimiter;
}

/**
 * `ReadFromCsv`: one row per record, keyed by the header. Beam reads CSV with pandas, which
 * types columns; Runnel reads a stream, so it types each value: one that reads as a decimal
 * number becomes a number, an empty one null, any other stays a string.
 */
export const ReadFromCsv: YamlTransform = {
  kind: 'root',
  build(begin, { config, baseDir }: BuildContext) {
    config.allowOnly(['path', 'delimiter']);
    const delimiter = delimiterOf(config);
    return begin.pipeline
      .apply(readCsv(pathOf(config, baseDir), delimiter === undefined ? {} : { delimiter }))
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
  build(input, { config, baseDir }) {
    config.allowOnly(['path', 'delimiter']);
    const delimiter = delimiterOf(config);
    input.apply(writeCsv<Row>(pathOf(config, baseDir), delimiter === undefined ? {} : { delimiter }));
  },
};

/** `ReadFromJson`: one row per line of a JSON-lines file; a line that is not a JSON object is a dead letter. */
export const ReadFromJson: YamlTransform = {
  kind: 'root',
  build(begin, { config, baseDir }) {
    config.allowOnly(['path']);
    return begin.pipeline.apply(readJsonl<unknown>(pathOf(config, baseDir))).map((value: unknown) => {
      if (!isMapping(value)) throw new Error(`expected a JSON object per line, got ${describe(value)}`);
      return value;
    }, 'rows');
  },
};

/** `WriteToJson`: one JSON object per line. */
export const WriteToJson: YamlTransform = {
  kind: 'sink',
  build(input, { config, baseDir }) {
    config.allowOnly(['path']);
    input.apply(writeJsonl<Row>(pathOf(config, baseDir)));
  },
};

/** `ReadFromText`: one row `{ line }` per line, as in Beam. */
export const ReadFromText: YamlTransform = {
  kind: 'root',
  build(begin, { config, baseDir }) {
    config.allowOnly(['path']);
    return begin.pipeline.apply(readText(pathOf(config, baseDir))).map((line: string): Row => ({ line }), 'rows');
  },
};

/** `WriteToText`: rows of exactly one field, that field's value per line (Beam asks the same). */
export const WriteToText: YamlTransform = {
  kind: 'sink',
  build(input, { config, baseDir }) {
    config.allowOnly(['path']);
    input.apply(writeText<Row>(pathOf(config, baseDir), { format: singleField }));
  },
};

function singleField(row: Row): string {
  const values = Object.values(row);
  if (values.length !== 1)
    throw new Error(`WriteToText writes rows of one field; this one has ${values.length} (${Object.keys(row).join(', ')}): select one with MapToFields first`);
  return String(values[0]);
}
