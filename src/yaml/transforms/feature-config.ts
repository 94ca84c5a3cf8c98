/** What the feature steps share: the schemas of their common options, and reading them. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { messageOf } from '../../common/errors.js';
import type { NonFinitePolicy } from '../../features/records.js';
import type { ConfigReader } from '../config.js';
import type { Row } from '../expressions.js';
import type { JsonSchema } from '../schema/parts.js';

/** `non_finite:` (default `reject`: a row with NaN or ±Infinity in a feature is a dead letter). */
export const NON_FINITE: JsonSchema = { enum: ['reject', 'keep'], expected: 'reject (a dead letter) or keep (passed on as NaN/Infinity)' };

/** A count: a whole number of at least 1. */
export const COUNT: JsonSchema = { type: 'integer', minimum: 1, expected: 'a whole number of at least 1' };

/** A bound or constant: one for every feature, or one per feature. */
export const NUMBERS: JsonSchema = {
  anyOf: [{ type: 'number' }, { type: 'array', items: { type: 'number' }, minItems: 1 }],
  expected: 'a number or a list of numbers (one per feature)',
};

/** One of `choices`. */
export function oneOf(choices: readonly string[]): JsonSchema {
  return { enum: [...choices], expected: `one of ${choices.join(', ')}` };
}

/** The policy `non_finite:` names. */
export function nonFiniteOf(config: ConfigReader): NonFinitePolicy {
  return (config.raw('non_finite') as NonFinitePolicy | undefined) ?? 'reject';
}

/** `group_by:` fields: the key of a row (one field's value, or the list of several), and the row fields a key stands for. */
export interface Grouping {
  readonly key: ((row: Row) => unknown) | undefined;
  readonly fields: (key: unknown) => Row;
}

export function groupingOf(config: ConfigReader): Grouping {
  const fields = config.names('group_by');
  if (fields.length === 0) return { key: undefined, fields: () => ({}) };
  const field = (row: Row, name: string): unknown => {
    if (!(name in row)) throw new Error(`the row has no group_by field "${name}" (it has ${Object.keys(row).join(', ')})`);
    return row[name];
  };
  if (fields.length === 1) return { key: (row) => field(row, fields[0]!), fields: (key) => ({ [fields[0]!]: key }) };
  return { key: (row) => fields.map((f) => field(row, f)), fields: (key) => Object.fromEntries(fields.map((f, i) => [f, (key as unknown[])[i]])) };
}

/** The text of a file named at `key`, relative to the pipeline file's folder (a fitted-statistics artifact). */
export function fileText(config: ConfigReader, key: string, pipelineDir: string): string {
  const path = resolve(pipelineDir, config.string(key));
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : messageOf(error);
    throw config.error(key, `cannot read ${path}: ${reason} (a relative path is read from the pipeline file's folder)`);
  }
}

/**
 * Calls a library factory (`windowStats`, `scaleToZScore`, …), which checks its options eagerly:
 * a `TypeError` or `RangeError` it throws (options that do not fit together, an artifact of the
 * wrong kind) becomes a load error at `key`.
 */
export function atKey<T>(config: ConfigReader, key: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof TypeError || error instanceof RangeError) throw config.error(key, error.message, !config.has(key));
    throw error;
  }
}
