import { create } from '../../transforms/create.js';
import { describe, isMapping } from '../config.js';
import type { YamlTransform } from './yaml-transform.js';

/** `Create`: `elements:` as rows; an element that is not a mapping becomes `{ element: … }`, as in Beam. */
export const Create: YamlTransform = {
  kind: 'root',
  build(begin, { config }) {
    config.allowOnly(['elements', 'reshuffle']);
    const elements = config.required('elements');
    if (!Array.isArray(elements)) throw config.error('elements', `expected a list of elements, got ${describe(elements)}`);
    const rows = elements.map((e: unknown) => (isMapping(e) ? e : { element: e }));
    return begin.pipeline.apply(create(rows));
  },
};
