import { languageOf, rowFunction, type Row, type RowFn } from '../expressions.js';
import { applyRowFunction, errorOutputOf } from './row-step.js';
import type { YamlTransform } from './yaml-transform.js';

/**
 * `MapToFields`: a new row of `fields:` (name → field, literal or expression); with
 * `append: true` the input's fields are kept too, less those in `drop:`.
 */
export const MapToFields: YamlTransform = {
  kind: 'step',
  build(input, { config }) {
    config.allowOnly(['fields', 'append', 'drop', 'language', 'error_handling']);
    const language = languageOf(config);
    const append = config.boolean('append', false);
    const drop = new Set(config.has('drop') ? config.names('drop') : []);
    if (drop.size > 0 && !append) throw config.error('drop', `"drop" needs "append: true" (without it only the listed fields are kept anyway)`);
    const fieldsConfig = append && !config.has('fields') ? undefined : config.mapping('fields');
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
