import { languageOf, rowFunction, type Row, type RowFn } from '../expressions.js';
import { configOf, ERROR_HANDLING, FIELD_NAMES, LANGUAGE, ROW_VALUE } from '../schema/parts.js';
import { applyRowFunction, errorOutputOf } from './row-step.js';
import type { YamlTransform } from './yaml-transform.js';

/**
 * `MapToFields`: a new row of `fields:` (name → field, literal or expression); with
 * `append: true` the input's fields are kept too, less those in `drop:`.
 */
export const MapToFields: YamlTransform = {
  kind: 'step',
  configSchema: {
    ...configOf({
      fields: { type: 'object', additionalProperties: ROW_VALUE, expected: 'a mapping of new field names to fields, literals or expressions' },
      append: { type: 'boolean', expected: 'true or false' },
      drop: FIELD_NAMES,
      language: LANGUAGE,
      error_handling: ERROR_HANDLING,
    }),
    // Without append the new row has only `fields`, so they are needed.
    if: { not: { properties: { append: { const: true } }, required: ['append'] } },
    then: { required: ['fields'] },
  },
  build(input, { config }) {
    const language = languageOf(config);
    const append = config.boolean('append', false);
    const drop = new Set(config.names('drop'));
    if (drop.size > 0 && !append) throw config.error('drop', `"drop" needs "append: true" (without it only the listed fields are kept anyway)`);
    const fieldsConfig = config.has('fields') ? config.child('fields') : undefined;
    const fields: [string, RowFn][] = (fieldsConfig?.entries() ?? []).map(([name, value]) => [name, rowFunction(fieldsConfig!, name, value, language)]);
    const map = (row: Row): Row => {
      const out: Row = {};
      if (append) for (const key of Object.keys(row)) if (!drop.has(key)) out[key] = row[key];
      for (const [name, fn] of fields) out[name] = fn(row);
      return out;
    };
    return applyRowFunction(input, 'fields', { map }, errorOutputOf(config));
  },
};
