import { languageOf, rowFunction } from '../expressions.js';
import { applyRowFunction, errorOutputOf } from './row-step.js';
import type { YamlTransform } from './yaml-transform.js';

/** `Filter`: keeps the rows for which `keep:` (a field, an expression or a callable) is truthy. */
export const Filter: YamlTransform = {
  kind: 'step',
  build(input, { config }) {
    config.allowOnly(['keep', 'language', 'error_handling']);
    const keep = rowFunction(config, 'keep', config.required('keep'), languageOf(config));
    return applyRowFunction(input, 'keep', { filter: (row) => Boolean(keep(row)) }, errorOutputOf(config));
  },
};
