import { languageOf, rowFunction } from '../expressions.js';
import { applyRowStep, errorOutputOf } from './row-step.js';
import type { YamlTransform } from './yaml-transform.js';

/** `Filter`: keeps the rows for which `keep:` (a field, an expression or a callable) is truthy. */
export const Filter: YamlTransform = {
  kind: 'step',
  build(input, { config }) {
    config.allowOnly(['keep', 'language', 'error_handling']);
    const keep = rowFunction(config, 'keep', config.required('keep'), languageOf(config));
    return applyRowStep(input, 'keep', (row, out) => void (keep(row) && out.emit(row)), { errorOutput: errorOutputOf(config) });
  },
};
