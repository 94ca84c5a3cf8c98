import { describe } from '../config.js';
import { configOf, ERROR_HANDLING, LANGUAGE, OUTPUT_NAME, ROW_VALUE } from '../schema/parts.js';
import { languageOf, rowFunction } from '../expressions.js';
import { applyRowStep, errorOutputOf } from './row-step.js';
import type { YamlTransform } from './yaml-transform.js';

/**
 * `Partition`: sends each row to one of `outputs:`, the one `by:` (a field, an expression or a
 * callable) names; read as `<Partition>.<output>`. As in Beam, a name outside the list (or null)
 * goes to `unknown_output` when given and is the row's failure otherwise, as is a value that is
 * not a string.
 */
export const Partition: YamlTransform = {
  kind: 'step',
  configSchema: configOf(
    {
      by: ROW_VALUE,
      outputs: { type: 'array', minItems: 1, uniqueItems: true, items: OUTPUT_NAME, expected: 'a list of output names', messages: { uniqueItems: 'lists an output twice' } },
      unknown_output: OUTPUT_NAME,
      language: LANGUAGE,
      error_handling: ERROR_HANDLING,
    },
    ['by', 'outputs'],
  ),
  build(input, { config }) {
    const by = rowFunction(config, 'by', config.required('by'), languageOf(config));
    const outputs = config.names('outputs');
    const unknown = config.optionalString('unknown_output');
    const errorOutput = errorOutputOf(config);
    const listed = new Set(outputs);
    for (const [key, name] of [
      ['unknown_output', unknown],
      ['error_handling', errorOutput],
    ] as const) {
      if (name !== undefined && listed.has(name)) throw config.error(key, `"${name}" is one of the outputs; give it a name of its own`);
    }
    if (errorOutput !== undefined && errorOutput === unknown) throw config.error('error_handling', `"${errorOutput}" is the unknown_output; give it a name of its own`);
    const named = unknown === undefined ? outputs : [...outputs, unknown];
    return applyRowStep(
      input,
      'partition',
      (row, out) => {
        const value = by(row) ?? unknown;
        if (typeof value !== 'string') throw new Error(`"by" gave ${describe(value)} for this row; it must give an output name, a string (outputs: ${outputs.join(', ')})`);
        if (listed.has(value)) out.emitTo(value, row);
        else if (unknown !== undefined) out.emitTo(unknown, row);
        else throw new Error(`"by" gave "${value}", which is not one of the outputs (${outputs.join(', ')}); list it, or set unknown_output`);
      },
      { errorOutput, named, main: false },
    );
  },
};
