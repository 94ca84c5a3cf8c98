import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { summarise } from '../../examples/sensor-summary.js';

describe('examples/sensor-summary', () => {
  it('summarises readings per sensor and reports the bad row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-example-'));
    const csv = join(dir, 'readings.csv');
    writeFileSync(csv, 'sensor,temp\na,20\nb,30\na,22\nb,oops\na,999\n');
    const result = await summarise(csv, join(dir, 'summary.jsonl'));
    const lines = readFileSync(join(dir, 'summary.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l): unknown => JSON.parse(l));
    expect(lines).toEqual([
      { key: 'a', value: { n: 2, mean: 21, max: 22 } },
      { key: 'b', value: { n: 1, mean: 30, max: 30 } },
    ]);
    expect(result.deadLetters.map((d) => d.reason)).toEqual(['line 5: field "temp": "oops" is not a number']);
  });
});
