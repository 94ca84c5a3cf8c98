import type { Row } from '../expressions.js';
import { configOf, ERROR_HANDLING, FIELD_NAMES } from '../schema/parts.js';
import { applyRowFunction, errorOutputOf } from './row-step.js';
import type { YamlTransform } from './yaml-transform.js';

/**
 * `Explode`: one row per item of the list field(s) in `fields:`. With several fields,
 * `cross_product: true` gives every combination, `false` pairs the lists item by item (the
 * shorter padded with null), as in Beam.
 */
export const Explode: YamlTransform = {
  kind: 'step',
  configSchema: configOf({ fields: FIELD_NAMES, cross_product: { type: 'boolean', expected: 'true or false' }, error_handling: ERROR_HANDLING }, ['fields']),
  build(input, { config }) {
    const fields = config.names('fields');
    if (fields.length > 1 && !config.has('cross_product'))
      throw config.error('fields', 'with several fields, say how to combine them: cross_product: true (every combination) or false (item by item)');
    const cross = config.boolean('cross_product', true);
    const flatMap = (row: Row): Iterable<Row> => {
      const lists = fields.map((f) => listOf(row, f));
      return cross ? crossProduct(row, fields, lists) : zipped(row, fields, lists);
    };
    return applyRowFunction(input, 'explode', { flatMap }, errorOutputOf(config));
  },
};

function listOf(row: Row, field: string): readonly unknown[] {
  const value = row[field];
  if (!Array.isArray(value)) throw new Error(`field "${field}" is not a list (got ${value === undefined ? 'no such field' : JSON.stringify(value)})`);
  return value;
}

function* crossProduct(row: Row, fields: readonly string[], lists: readonly (readonly unknown[])[], at = 0): Generator<Row> {
  if (at === fields.length) {
    yield row;
    return;
  }
  for (const item of lists[at]!) yield* crossProduct({ ...row, [fields[at]!]: item }, fields, lists, at + 1);
}

function* zipped(row: Row, fields: readonly string[], lists: readonly (readonly unknown[])[]): Generator<Row> {
  const length = Math.max(...lists.map((l) => l.length));
  for (let i = 0; i < length; i++) {
    const out = { ...row };
    fields.forEach((f, j) => (out[f] = lists[j]![i] ?? null));
    yield out;
  }
}
