/**
 * File input at its edges: byte-order marks, lines beyond the cap, empty and header-only CSV.
 * (The 50 MB line and its memory are in long-line-memory.test.ts, a process of its own.)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, collect, readCsv, readJsonl, readText, run, type PBegin, type PCollection, type PTransform } from '../../src/index.js';

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function tempFile(name: string, content: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'runnel-input-')), name);
  writeFileSync(path, content);
  return path;
}

async function values<T>(transform: PTransform<PBegin, PCollection<T>>): Promise<{ values: T[]; result: Awaited<ReturnType<typeof run>> }> {
  const p = new Pipeline();
  const out = collect<T>();
  p.apply(transform).apply(out);
  const result = await run(p, { bundleSize: 2 });
  return { values: out.values, result };
}

describe('a leading byte-order mark', () => {
  it('is dropped by readJsonl: the first record is kept', async () => {
    const path = tempFile('bom.jsonl', Buffer.concat([BOM, Buffer.from('{"a":1}\r\n{"a":2}\r\n')]));
    const { values: records, result } = await values(readJsonl(path, { schema: { a: 'integer' } }));
    expect(records).toEqual([{ a: 1 }, { a: 2 }]);
    expect(result.deadLetters).toEqual([]);
  });

  it('is dropped by readText and readCsv', async () => {
    expect((await values(readText(tempFile('bom.txt', Buffer.concat([BOM, Buffer.from('one\ntwo\n')]))))).values).toEqual(['one', 'two']);
    const csv = tempFile('bom.csv', Buffer.concat([BOM, Buffer.from('id,t\n1,2.5\n')]));
    expect((await values(readCsv(csv, { schema: { id: 'integer', t: 'number' } }))).values).toEqual([{ id: 1, t: 2.5 }]);
  });
});

describe('maxLineBytes', () => {
  const long = `{"pad":"${'x'.repeat(5000)}"}`;

  it('makes a longer JSONL line a dead letter with its line number, length and first bytes; the lines after it are read', async () => {
    const path = tempFile('long.jsonl', `{"a":1}\n${long}\n{"a":3}\n`);
    const { values: records, result } = await values(readJsonl(path, { maxLineBytes: 4096 }));
    expect(records).toEqual([{ a: 1 }, { a: 3 }]);
    expect(result.deadLetters).toEqual([
      expect.objectContaining({
        stage: 'readJsonl',
        reason: 'line 2: 5010 bytes exceed maxLineBytes (4096); first 1024 bytes kept',
        code: 'LINE_TOO_LONG',
        payload: { line: 2, bytes: 5010, text: long.slice(0, 1024) },
      }),
    ]);
  });

  it('does the same in readText and readCsv; in a CSV the long line also ends a quoted field left open', async () => {
    const text = await values(readText(tempFile('long.txt', `a\n${'y'.repeat(300)}\nb`), { maxLineBytes: 100 }));
    expect(text.values).toEqual(['a', 'b']);
    expect(text.result.deadLetters.map((d) => d.reason)).toEqual(['line 2: 300 bytes exceed maxLineBytes (100); first 100 bytes kept']);
    expect(text.result.deadLetters.map((d) => d.code)).toEqual(['LINE_TOO_LONG']);

    const csv = tempFile('long.csv', ['id,note', '1,"open', `2,${'z'.repeat(300)}`, '3,fine', '4,"two', 'lines"'].join('\n'));
    const { values: rows, result } = await values(readCsv(csv, { maxLineBytes: 100 }));
    expect(rows).toEqual([
      { id: '3', note: 'fine' },
      { id: '4', note: 'two\nlines' },
    ]);
    expect(result.deadLetters.map((d) => d.reason)).toEqual(['line 2: unterminated quoted field', 'line 3: 302 bytes exceed maxLineBytes (100); first 100 bytes kept']);
    expect(result.deadLetters.map((d) => d.code)).toEqual(['BAD_CSV', 'LINE_TOO_LONG']);
  });

  it('caps a CSV record spanning lines too: an open quote that would hold more is judged unterminated', async () => {
    // Without the cap, the quote closing on the last line would make lines 2-13 one record.
    const lines = ['id,note', '1,"open', ...Array.from({ length: 10 }, (_, i) => `${i + 2},${'w'.repeat(30)}`), 'end"'];
    const { values: rows, result } = await values(readCsv(tempFile('open.csv', lines.join('\n')), { maxLineBytes: 100 }));
    expect(rows.map((r) => (r as { id: string }).id)).toEqual(['2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
    expect(result.deadLetters.map((d) => d.reason)).toEqual(['line 2: unterminated quoted field', 'line 13: unterminated quoted field']);
  });

  it('fails the read, naming the file, when the CSV header itself is too long', async () => {
    const path = tempFile('wide.csv', `${Array.from({ length: 100 }, (_, i) => `column${i}`).join(',')}\n1\n`);
    const p = new Pipeline();
    p.apply(readCsv(path, { maxLineBytes: 200 }));
    await expect(run(p)).rejects.toThrow(`the header of "${path}" (line 1) is 889 bytes, beyond maxLineBytes (200)`);
  });

  it('is checked when the pipeline is built', () => {
    expect(() => readJsonl('x.jsonl', { maxLineBytes: 0 })).toThrow('readJsonl: maxLineBytes must be a whole number of bytes ≥ 1 (default 1048576), got 0');
    expect(() => readCsv('x.csv', { maxLineBytes: 1.5 })).toThrow(/readCsv: maxLineBytes must be/);
    expect(() => readText('x.txt', { maxLineBytes: Number.NaN })).toThrow(/readText: maxLineBytes must be/);
  });
});

describe('an empty CSV file', () => {
  it('with only a header row is a valid empty dataset, still checked against the schema', async () => {
    const path = tempFile('header.csv', 'sensor,temp\r\n');
    const { values: rows, result } = await values(readCsv(path, { schema: { temp: 'number' } }));
    expect(rows).toEqual([]);
    expect(result.deadLetters).toEqual([]);

    const p = new Pipeline();
    p.apply(readCsv(path, { schema: { humidity: 'number' } }));
    await expect(run(p)).rejects.toThrow(`the schema names column(s) "humidity" that the header of "${path}" (sensor, temp) lacks`);
  });

  it('with no bytes (or only blank lines) fails a read with a schema, naming the file', async () => {
    for (const content of ['', '\n\n', BOM]) {
      const path = tempFile('empty.csv', content);
      const p = new Pipeline();
      p.apply(readCsv(path, { schema: { temp: 'number', at: 'timestamp' } }));
      await expect(run(p)).rejects.toThrow(
        `[readCsv] read failed: "${path}" has no header row (the file is empty), so the schema's columns (temp, at) cannot be found; give columns for a file without a header`,
      );
    }
  });

  it('with no bytes is an empty dataset when nothing needs a header: no schema, or columns given', async () => {
    const path = tempFile('empty.csv', '');
    expect((await values(readCsv(path))).values).toEqual([]);
    expect((await values(readCsv(path, { columns: ['temp'], schema: { temp: 'number' } }))).values).toEqual([]);
  });
});
