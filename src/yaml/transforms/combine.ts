import type { CombineFn } from '../../core/combine-fn.js';
import { kv, type KV } from '../../core/element.js';
import { allOf, count, max, mean, min, sum } from '../../transforms/combiners.js';
import { isMapping, type ConfigReader } from '../config.js';
import { languageOf, rowFunction, type Row, type RowFn } from '../expressions.js';
import { configOf, FIELD_NAMES, LANGUAGE, ROW_VALUE, type JsonSchema } from '../schema/parts.js';
import type { YamlTransform } from './yaml-transform.js';

const COMBINERS: Readonly<Record<string, () => CombineFn<never, unknown, unknown>>> = { sum, count, mean, min, max };

/** A combine function: its name, or `{ type: name }`. */
const COMBINE_FN: JsonSchema = {
  anyOf: [{ enum: Object.keys(COMBINERS) }, configOf({ type: { enum: Object.keys(COMBINERS) } }, ['type'])],
  expected: `a combine function (Runnel has ${Object.keys(COMBINERS).join(', ')})`,
};

/** One `combine:` output: a combine function of the field of its name, or `{ value, fn }`. */
const COMBINE_OUTPUT: JsonSchema = {
  anyOf: [COMBINE_FN, configOf({ value: ROW_VALUE, fn: COMBINE_FN }, ['value', 'fn'])],
  expected: 'a combine function, or { value: <field or expression>, fn: <function> }',
};

/**
 * `Combine`: per `group_by:` key (one field, several, or none for one global result) and
 * window, one row holding the key fields and each output of `combine:`:
 * `out: { value: field-or-expression, fn: sum }`, `out: { value: …, fn: { type: sum } }`, or
 * `field: sum` (output named as its input field). All outputs are computed in one pass.
 */
export const Combine: YamlTransform = {
  kind: 'step',
  configSchema: configOf(
    {
      group_by: FIELD_NAMES,
      combine: {
        type: 'object',
        minProperties: 1,
        additionalProperties: COMBINE_OUTPUT,
        expected: 'a mapping of outputs, e.g. "total: { value: price, fn: sum }"',
        messages: { minProperties: 'give at least one output, e.g. "total: { value: price, fn: sum }"' },
      },
      language: LANGUAGE,
    },
    ['combine'],
  ),
  build(input, { config }) {
    const language = languageOf(config);
    const groupBy = config.names('group_by');
    const outputs = config.child('combine');
    const entries = outputs.entries().map(([name, spec]) => [name, combinerOf(outputs, name, spec, language)] as const);
    // Every value of a row is computed before any accumulator sees it, so a row whose value
    // fails is a dead letter that counts in none of the outputs.
    const valuesOf = (row: Row): unknown[] => entries.map(([, c]) => c.value(row));
    const combined = allOf(Object.fromEntries(entries.map(([name, c], i) => [name, pick(c.fn, i)])));
    if (groupBy.length === 0) return input.map(valuesOf, 'values').combineGlobally(combined, 'combine');
    // One key field is the key itself: keys compare by value, and an array key costs its JSON form per row.
    const [only] = groupBy;
    const keyOf = groupBy.length === 1 ? (row: Row) => keyField(row, only!) : (row: Row) => groupBy.map((f) => keyField(row, f));
    const keyFields =
      groupBy.length === 1 ? (key: unknown): Row => ({ [only!]: key }) : (key: unknown): Row => Object.fromEntries(groupBy.map((f, i) => [f, (key as unknown[])[i]]));
    return input
      .map((row: Row) => kv(keyOf(row), valuesOf(row)), 'values')
      .combinePerKey(combined, 'combine')
      .map(({ key, value }: KV<unknown, Record<string, unknown>>) => ({ ...keyFields(key), ...value }), 'row');
  },
};

function keyField(row: Row, field: string): unknown {
  if (!(field in row)) throw new Error(`the row has no group_by field "${field}" (it has ${Object.keys(row).join(', ')})`);
  return row[field];
}

/** One `combine:` entry (valid under `COMBINE_OUTPUT`): the value it reads from a row, and the combine function applied to it. */
function combinerOf(outputs: ConfigReader, name: string, spec: unknown, language: string): { value: RowFn; fn: CombineFn<unknown, unknown, unknown> } {
  const entry = isMapping(spec) && 'value' in spec ? outputs.child(name) : undefined;
  const fnSpec = entry ? entry.required('fn') : spec;
  const fnName = (isMapping(fnSpec) ? fnSpec.type : fnSpec) as string;
  const value = entry ? rowFunction(entry, 'value', entry.required('value'), language) : rowFunction(outputs, name, name, language);
  return { value, fn: COMBINERS[fnName]!() };
}

/** `fn` over item `i` of an array of values. */
function pick<Acc, Out>(fn: CombineFn<unknown, Acc, Out>, i: number): CombineFn<unknown[], Acc, Out> {
  return { ...fn, addInput: (acc, values) => fn.addInput(acc, values[i]) };
}
