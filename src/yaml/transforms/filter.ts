import { languageOf, rowFunction } from '../expressions.js';
import { configOf, ERROR_HANDLING, LANGUAGE, ROW_VALUE } from '../schema/parts.js';
import { applyRowFunction, errorOutputOf } from './row-step.js';
import type { YamlTransform } from './yaml-transform.js';

/** `Filter`: keeps the rows for which `keep:` (a field, an expression or a callable) is truthy. */
export const Filter: YamlTransform = {
  kind: 'step',
  configSchema: configOf({ keep: ROW_VALUE, language: LANGUAGE, error_handling: ERROR_HANDLING }, ['keep']),
  build(input, { config }) {
    const keep = rowFunction(config, 'keep', config.required('keep'), languageOf(config));
    return applyRowFunction(input, 'keep', { filter: (row) => Boolean(keep(row)) }, errorOutputOf(config));
  },
};
