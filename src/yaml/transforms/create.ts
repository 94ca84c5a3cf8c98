import { create } from '../../transforms/create.js';
import { isMapping } from '../config.js';
import { configOf } from '../schema/parts.js';
import type { YamlTransform } from './yaml-transform.js';

/** `Create`: `elements:` as rows; an element that is not a mapping becomes `{ element: … }`, as in Beam. */
export const Create: YamlTransform = {
  kind: 'root',
  configSchema: configOf({ elements: { type: 'array', expected: 'a list of elements' }, reshuffle: { type: 'boolean', expected: 'true or false' } }, ['elements']),
  build(begin, { config }) {
    const rows = (config.required('elements') as unknown[]).map((e) => (isMapping(e) ? e : { element: e }));
    return begin.pipeline.apply(create(rows));
  },
};
