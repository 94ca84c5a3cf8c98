import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, collect, create, readCsv, writeCsv, run } from '../../src/index.js';

function tempFile(name: string, content?: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'runnel-csv-')), name);
  if (content !== undefined) writeFileSync(path, content);
  return path;
}

const MESSY = [
  'sensor,temp,ok,at', //                          1 header
  's1,21.5,true,2024-01-01T00:00:00Z', //          2 good
  's2,oops,true,2024-01-01T00:00:01Z', //          3 temp not a number
  's3,22', //                                      4 too few fields
  '"s4, north",23.5,no,1704067203000', //          5 good, quoted delimiter
  '"s5 ""quoted""",NaN,1,2024-01-01T00:00:04Z', // 6 NaN reading (escaped quotes are fine)
  's6,"unterminated,24,yes,2024-01-01T00:00:05Z', //7 unterminated quote
  's7,25,maybe,2024-01-01T00:00:06Z', //           8 bad boolean
  '"s8',
  'two lines",26,false,2024-01-01T00:00:07Z', //   9-10 good, field spans lines
  '', //                                           11 blank, skipped
  's9,27,true,2024-01-01T00:00:08Z', //            12 good
  's10,"bad"quote,true,2024-01-01T00:00:09Z', //   13 invalid closing quote
  's11,28,false,not-a-date', //                    14 bad timestamp
  's12,29,false,2024-01-01T00:00:10Z', //          15 good
].join('\r\n');

describe('readCsv', () => {
  it('reads good rows typed by the schema; each bad row is a dead letter with its line number', async () => {
    const path = tempFile('messy.csv', `${MESSY}\n`);
    for (const bundleSize of [1, 3, 1000]) {
      const p = new Pipeline();
      const out = collect<{ sensor: string; temp: number; ok: boolean; at: number }>();
      p.apply(readCsv(path, { schema: { temp: 'number', ok: 'boolean', at: 'timestamp' } })).apply(out);
      const result = await run(p, { bundleSize });
      expect(out.values.map((r) => r.sensor)).toEqual(['s1', 's4, north', 's8\ntwo lines', 's9', 's12']);
      expect(out.values[0]).toEqual({ sensor: 's1', temp: 21.5, ok: true, at: Date.UTC(2024, 0, 1) });
      expect(out.values[1]).toMatchObject({ temp: 23.5, ok: false, at: Date.UTC(2024, 0, 1, 0, 0, 3) });
      const lines = result.deadLetters.map((d) => (d.payload as { line: number }).line).sort((a, b) => a - b);
      expect(lines).toEqual([3, 4, 6, 7, 8, 13, 14]);
      const reasons = Object.fromEntries(result.deadLetters.map((d) => [(d.payload as { line: number }).line, d.reason]));
      expect(reasons[3]).toBe('line 3: field "temp": "oops" is not a number');
      expect(reasons[4]).toBe('line 4: expected 4 fields (sensor, temp, ok, at), got 2');
      expect(reasons[6]).toBe('line 6: field "temp": "NaN" is not a number (for a missing value, make the field optional and leave it empty)');
      expect(reasons[7]).toBe('line 7: unterminated quoted field');
      expect(reasons[8]).toMatch(/line 8: field "ok": "maybe" is not a boolean/);
      expect(reasons[13]).toMatch(/^line 13: Invalid Closing Quote/);
      expect(reasons[14]).toMatch(/line 14: field "at": "not-a-date" is not a timestamp/);
      expect(result.deadLetters.every((d) => d.stage === 'readCsv')).toBe(true);
      const codes = Object.fromEntries(result.deadLetters.map((d) => [(d.payload as { line: number }).line, d.code]));
      expect(codes).toEqual({ 3: 'SCHEMA_TYPE', 4: 'FIELD_COUNT', 6: 'SCHEMA_TYPE', 7: 'BAD_CSV', 8: 'SCHEMA_TYPE', 13: 'BAD_CSV', 14: 'SCHEMA_TYPE' });
    }
  });

  it('reads a headerless file with given columns and another delimiter', async () => {
    const path = tempFile('plain.tsv', 'a\t1\nb\t2\n');
    const p = new Pipeline();
    const out = collect<Record<string, unknown>>();
    p.apply(readCsv(path, { columns: ['name', 'n'], delimiter: '\t', schema: { n: 'integer' } })).apply(out);
    await run(p);
    expect(out.values).toEqual([
      { name: 'a', n: 1 },
      { name: 'b', n: 2 },
    ]);
  });

  it('fails the run with a clear message for a missing file or a schema column the header lacks', async () => {
    const missing = new Pipeline();
    missing.apply(readCsv('/nonexistent/readings.csv'));
    await expect(run(missing)).rejects.toThrow('[readCsv] cannot open source: file "/nonexistent/readings.csv" does not exist');

    const path = tempFile('h.csv', 'a,b\n1,2\n');
    const wrong = new Pipeline();
    wrong.apply(readCsv(path, { schema: { c: 'number' } }));
    await expect(run(wrong)).rejects.toThrow(`the schema names column(s) "c" that the header of "${path}" (a, b) lacks`);
  });

  it('rejects an unknown schema type when the pipeline is built', () => {
    expect(() => readCsv('x.csv', { schema: { t: 'float' as never } })).toThrow(/field "t" has unknown type "float"/);
  });
});

describe('writeCsv', () => {
  it('round-trips records, quoting fields that need it', async () => {
    const rows = [
      { sensor: 's1', temp: 21.5, note: 'plain' },
      { sensor: 's2, east', temp: -3, note: 'has "quotes"' },
      { sensor: 's3', temp: 0.1, note: 'two\nlines' },
    ];
    const path = tempFile('out.csv');
    const w = new Pipeline();
    w.apply(create(rows)).apply(writeCsv(path));
    await run(w, { bundleSize: 2 });
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe('sensor,temp,note');

    const r = new Pipeline();
    const out = collect<Record<string, unknown>>();
    r.apply(readCsv(path, { schema: { temp: 'number' } })).apply(out);
    const result = await run(r);
    expect(result.deadLetterCount).toBe(0);
    expect(out.values).toEqual(rows);
  });
});
