import { languageOf, rowFunction, type Row } from '../expressions.js';
import type { YamlTransform } from './yaml-transform.js';

/** `Filter`: keeps the rows for which `keep:` (a field, an expression or a callable) is truthy. */
export const Filter: YamlTransform = {
  kind: 'step',
  build(input, { config }) {
    config.allowOnly(['keep', 'language']);
    const keep = rowFunction(config, 'keep', config.required('keep'), languageOf(config));
    return input.filter((row: Row) => Boolean(keep(row)), 'keep');
  },
};
