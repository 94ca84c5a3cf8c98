import type { Row } from '../expressions.js';
import type { YamlTransform } from './yaml-transform.js';

/** `LogForTesting`: prints each row as one JSON object per line (to stdout in `runnel run`) and passes it on. */
export const LogForTesting: YamlTransform = {
  kind: 'step',
  build(input, { config, log }) {
    config.allowOnly(['level']);
    return input.map((row: Row) => {
      log(JSON.stringify(row));
      return row;
    }, 'log');
  },
};
