import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { LineStream, type NumberedLine } from '../../src/io/line-stream.js';
import { SEED } from '../seed.js';

function tempFile(content: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'runnel-lines-')), 'f.txt');
  writeFileSync(path, content);
  return path;
}

async function readAll(path: string, options: { maxLineBytes?: number } = {}, batch = 7): Promise<NumberedLine[]> {
  const stream = await LineStream.open(path, options);
  const all: NumberedLine[] = [];
  try {
    for (;;) {
      const { lines, done } = await stream.next(batch);
      all.push(...lines);
      if (done) return all;
    }
  } finally {
    await stream.close();
  }
}

/** What node:readline makes of the file: the reference for where lines end. */
async function readlineLines(path: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })) lines.push(line);
  return lines;
}

describe('LineStream', () => {
  it('drops a leading UTF-8 byte-order mark, and only that one', async () => {
    const path = tempFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n\uFEFFsecond\n')]));
    expect((await readAll(path)).map((l) => l.text)).toEqual(['{"a":1}', '\uFEFFsecond']);
    expect(await readAll(tempFile(Buffer.from([0xef, 0xbb, 0xbf])))).toEqual([]);
  });

  it('ends lines at LF, CRLF and a lone CR, numbering them from 1', async () => {
    const lines = await readAll(tempFile('a\r\nb\rc\n\nd'));
    expect(lines).toEqual([
      { text: 'a', lineNumber: 1 },
      { text: 'b', lineNumber: 2 },
      { text: 'c', lineNumber: 3 },
      { text: '', lineNumber: 4 },
      { text: 'd', lineNumber: 5 },
    ]);
    expect(await readAll(tempFile(''))).toEqual([]);
  });

  it(`splits random files as node:readline does, across chunk boundaries and multi-byte characters (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const alphabet = ['a', 'b', ',', '"', ' ', 'é', '€', '𝄞', '\r', '\n', '\r\n'];
    for (let file = 0; file < 12; file++) {
      // Long runs without a line end cross the 64 KiB chunks; a CR may end one chunk and its LF start the next.
      const pieces: string[] = [];
      const size = Math.floor(random() * 300_000);
      for (let n = 0; n < size;) {
        const piece = random() < 0.001 ? 'x'.repeat(Math.floor(random() * 100_000)) : alphabet[Math.floor(random() * alphabet.length)]!;
        pieces.push(piece);
        n += piece.length;
      }
      const text = pieces.join('');
      const path = tempFile(text);
      const expected = await readlineLines(path);
      const lines = await readAll(path, { maxLineBytes: 1e9 }, 1 + Math.floor(random() * 2000));
      expect(lines.map((l) => l.text)).toEqual(expected);
      expect(lines.map((l) => l.lineNumber)).toEqual(expected.map((_, i) => i + 1));

      // With a cap, each longer line keeps its number and its first bytes, and reports its length.
      const cap = 1 + Math.floor(random() * 4000);
      const capped = await readAll(path, { maxLineBytes: cap });
      expect(capped.length).toBe(expected.length);
      capped.forEach((line, i) => {
        const whole = expected[i]!;
        const bytes = Buffer.byteLength(whole);
        if (bytes <= cap) expect(line).toEqual({ text: whole, lineNumber: i + 1 });
        else {
          expect(line.overlongBytes).toBe(bytes);
          expect(whole.startsWith(line.text.replace(/\uFFFD$/, ''))).toBe(true);
          expect(Buffer.byteLength(line.text)).toBeLessThanOrEqual(Math.min(1024, cap));
          expect(Buffer.byteLength(line.text)).toBeGreaterThan(Math.min(1024, cap) - 4);
        }
      });
    }
  });

  it('keeps an overlong line’s first 1 KiB, cut at a whole character, and reads on after it', async () => {
    const long = `${'a'.repeat(1023)}€${'b'.repeat(200_000)}`;
    const lines = await readAll(tempFile(`first\n${long}\r\nlast`), { maxLineBytes: 100_000 });
    expect(lines).toEqual([
      { text: 'first', lineNumber: 1 },
      { text: 'a'.repeat(1023), lineNumber: 2, overlongBytes: Buffer.byteLength(long) },
      { text: 'last', lineNumber: 3 },
    ]);
  });

  it('counts bytes, not characters, against the cap', async () => {
    const lines = await readAll(tempFile('€€€\n€€\n'), { maxLineBytes: 8 }); // 9 bytes, then 6
    expect(lines).toEqual([
      { text: '€€', lineNumber: 1, overlongBytes: 9 },
      { text: '€€', lineNumber: 2 },
    ]);
  });
});
