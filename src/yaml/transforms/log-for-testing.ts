import type { Row } from '../expressions.js';
import { configOf } from '../schema/parts.js';
import type { YamlTransform } from './yaml-transform.js';

/** `LogForTesting`: prints each row as one JSON object per line (to stdout in `runnel run`) and passes it on. */
export const LogForTesting: YamlTransform = {
  kind: 'step',
  configSchema: configOf({ level: { type: 'string', expected: 'a log level such as INFO (Runnel ignores it)' } }),
  build(input, { log }) {
    return input.map((row: Row) => {
      log(JSON.stringify(row));
      return row;
    }, 'log');
  },
};
