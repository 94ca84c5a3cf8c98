import { describe, expect, it } from 'vitest';
import { DeadLetterTally } from '../../src/observe/dead-letter-tally.js';
import { DeadLetterTable } from '../../src/store/dead-letters.js';
import { Store } from '../../src/store/store.js';

describe('DeadLetterTally', () => {
  it('counts rows added since it started by stage and code, keeping the latest reason of each group', () => {
    const store = Store.open(':memory:');
    const letters = new DeadLetterTable(store);
    letters.add({ stage: 'ingest', reason: 'before the tally', code: 'BAD_JSON', payload: null, at: 0 });
    const tally = new DeadLetterTally(store);
    for (let i = 0; i < 250; i++) {
      letters.add({
        stage: 'ingest',
        reason: `json payload rejected: Unexpected token '${String.fromCharCode(97 + (i % 26))}', "${i}…" is not valid JSON`,
        code: 'BAD_JSON',
        payload: null,
        at: i,
      });
    }
    expect(tally.update()).toEqual([{ stage: 'ingest', code: 'BAD_JSON', reason: `json payload rejected: Unexpected token 'p', "249…" is not valid JSON`, count: 250 }]);
    for (let i = 0; i < 300; i++) letters.add({ stage: 'check', reason: `late: window [${i}, ${i + 1}) is closed`, code: 'LATE', payload: null, at: i });
    // A row without a code is grouped by the kind of its reason.
    for (let i = 0; i < 3; i++) letters.add({ stage: 'check', reason: `line ${i}: field "t": "${i}x" is not a number`, payload: null, at: i });
    expect(tally.update().map(({ stage, code, count }) => ({ stage, code, count }))).toEqual([
      { stage: 'check', code: 'LATE', count: 300 },
      { stage: 'ingest', code: 'BAD_JSON', count: 250 },
      { stage: 'check', code: null, count: 3 },
    ]);
    store.close();
  });
});
