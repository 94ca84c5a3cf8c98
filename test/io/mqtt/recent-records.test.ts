import { expect, it } from 'vitest';
import { RecentRecords } from '../../../src/io/mqtt/recent-records.js';
import { seededRandom } from '../../../src/ml/evaluate/split.js';

const SEED = Number(process.env['RUNNEL_TEST_SEED'] ?? Date.now() % 1e9);

it(`hands each committed row's record over once, forgets rows read past, keeps at most 10,000 (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const records = new RecentRecords();
  // Reference: a plain list of [id, record], oldest first.
  let kept: [number, Record<string, unknown>][] = [];
  let nextId = 1;
  let readTo = 0;
  for (let op = 0; op < 20_000; op++) {
    if (random() < 0.55) {
      // A commit of 1–300 rows (ids grow; some rows were duplicates and got no id).
      for (let n = 1 + Math.floor(random() * 300); n > 0; n--) {
        nextId += random() < 0.1 ? 2 : 1;
        const record = { seq: nextId };
        records.put(nextId, record);
        kept.push([nextId, record]);
        if (kept.length > 10_000) kept.shift();
      }
    } else if (readTo < nextId) {
      // The reader takes the next row (sometimes one it skipped to, after a lag).
      readTo = Math.min(nextId, readTo + 1 + Math.floor(random() * (random() < 0.05 ? 12_000 : 3)));
      const expected = kept.find(([id]) => id === readTo)?.[1];
      kept = kept.filter(([id]) => id > readTo);
      expect(records.take(readTo)).toBe(expected);
    }
  }
  expect(records.take(readTo)).toBeUndefined();
});
