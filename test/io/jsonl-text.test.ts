import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, collect, create, readJsonl, readText, writeJsonl, writeText, run } from '../../src/index.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'runnel-io-'));
}

describe('readJsonl', () => {
  it('checks the schema; bad JSON and mismatched records are dead letters with line numbers', async () => {
    const path = join(tempDir(), 'in.jsonl');
    writeFileSync(
      path,
      [
        '{"sensor":"a","temp":20.5,"at":"2024-01-01T00:00:00Z"}',
        '{"sensor":"b","temp":"hot","at":1}',
        '{not json',
        '',
        '[1,2]',
        '{"sensor":"c","temp":null,"at":2}',
        '{"sensor":"d","temp":21,"at":3,"extra":true}',
      ].join('\n'),
    );
    const p = new Pipeline();
    const out = collect<Record<string, unknown>>();
    p.apply(readJsonl(path, { schema: { sensor: 'string', temp: 'number', at: 'timestamp' } })).apply(out);
    const result = await run(p, { bundleSize: 2 });
    expect(out.values).toEqual([
      { sensor: 'a', temp: 20.5, at: Date.UTC(2024, 0, 1) },
      { sensor: 'd', temp: 21, at: 3, extra: true },
    ]);
    expect(result.deadLetters.map((d) => d.reason)).toEqual([
      'line 2: field "temp" should be number, got "hot"',
      expect.stringMatching(/^line 3: .*JSON/),
      'line 5: expected a JSON object, got an array',
      'line 6: field "temp" is null but required (number)',
    ]);
    expect(result.deadLetters[1]!.payload).toEqual({ line: 3, text: '{not json' });
    expect(result.deadLetters.map((d) => d.code)).toEqual(['SCHEMA_TYPE', 'BAD_JSON', 'NOT_A_RECORD', 'SCHEMA_MISSING']);
  });

  it('round-trips with writeJsonl; a value JSON cannot hold is a dead letter', async () => {
    const path = join(tempDir(), 'nested', 'out.jsonl');
    const values = [{ a: 1, b: [1, 2] }, 'text', 3.5, null];
    const w = new Pipeline();
    w.apply(create<unknown>([...values, undefined])).apply(writeJsonl(path));
    const written = await run(w);
    expect(written.deadLetters).toEqual([expect.objectContaining({ stage: 'writeJsonl', reason: 'cannot write undefined as JSON', code: 'UNWRITABLE' })]);

    const r = new Pipeline();
    const out = collect<unknown>();
    r.apply(readJsonl(path)).apply(out);
    await run(r);
    expect(out.values).toEqual(values);
  });
});

describe('readText / writeText', () => {
  it('reads lines with LF or CRLF endings and writes them back formatted', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'in.txt'), 'alpha\r\nbeta\n\ngamma');
    const p = new Pipeline();
    p.apply(readText(join(dir, 'in.txt')))
      .map((line) => line.toUpperCase())
      .apply(writeText(join(dir, 'out.txt'), { format: (s: string) => `<${s}>` }));
    await run(p, { bundleSize: 3 });
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('<ALPHA>\n<BETA>\n<>\n<GAMMA>\n');
  });

  it('appends when asked', async () => {
    const path = join(tempDir(), 'log.txt');
    for (const word of ['one', 'two']) {
      const p = new Pipeline();
      p.apply(create([word])).apply(writeText(path, { append: true }));
      await run(p);
    }
    expect(readFileSync(path, 'utf8')).toBe('one\ntwo\n');
  });
});
