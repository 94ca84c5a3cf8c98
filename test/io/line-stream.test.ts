import { createReadStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { LineStream, type LinePosition, type NumberedLine } from '../../src/io/line-stream.js';
import { SEED } from '../seed.js';

function tempFile(content: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'runnel-lines-')), 'f.txt');
  writeFileSync(path, content);
  return path;
}

async function readAll(path: string, options: { maxLineBytes?: number } = {}, batch = 7, from?: LinePosition): Promise<NumberedLine[]> {
  return (await readWithEnds(path, options, batch, from)).lines;
}

/** Every line, and the byte offset just past each. */
async function readWithEnds(path: string, options: { maxLineBytes?: number } = {}, batch = 7, from?: LinePosition): Promise<{ lines: NumberedLine[]; ends: number[] }> {
  const stream = await LineStream.open(path, options, from);
  const all: NumberedLine[] = [];
  const allEnds: number[] = [];
  try {
    for (;;) {
      const { lines, ends, done } = await stream.next(batch);
      all.push(...lines);
      allEnds.push(...ends);
      if (done) return { lines: all, ends: allEnds };
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

  it(`opened at the offset just past any line, reads exactly the lines after it: CR, CRLF, bad UTF-8, BOM (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const pieces = ['a', '€', '\r', '\n', '\r\n', '\uFEFF', Buffer.from([0xc3]), Buffer.from([0xff, 0xfe])];
    for (let file = 0; file < 6; file++) {
      const parts: Buffer[] = random() < 0.5 ? [Buffer.from([0xef, 0xbb, 0xbf])] : [];
      const size = Math.floor(random() * 150_000);
      for (let n = 0; n < size;) {
        const piece = random() < 0.0005 ? 'x'.repeat(Math.floor(random() * 70_000)) : pieces[Math.floor(random() * pieces.length)]!;
        const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
        parts.push(bytes);
        n += bytes.length;
      }
      const content = Buffer.concat(parts);
      const path = tempFile(content);
      const cap = random() < 0.5 ? 1e9 : 1 + Math.floor(random() * 3000);
      const { lines, ends } = await readWithEnds(path, { maxLineBytes: cap }, 1 + Math.floor(random() * 500));
      expect(ends.length).toBe(lines.length);
      if (lines.length > 0) expect(ends.at(-1)).toBe(content.length);
      for (let probe = 0; probe < 20 && lines.length > 0; probe++) {
        const i = Math.floor(random() * lines.length);
        const rest = await readAll(path, { maxLineBytes: cap }, 1 + Math.floor(random() * 500), { offset: ends[i]!, lineNumber: lines[i]!.lineNumber });
        expect(rest, `file ${file}, after line ${i + 1} (offset ${ends[i]})`).toEqual(lines.slice(i + 1));
      }
    }
  });

  it('a CRLF split between two 64 KiB chunks: the line ends at its CR, and reading on from there skips the LF', async () => {
    const path = tempFile(`${'x'.repeat(64 * 1024 - 1)}\r\nnext\r\n`);
    const { lines, ends } = await readWithEnds(path, { maxLineBytes: 1e9 });
    expect(lines.map((l) => l.text.length)).toEqual([64 * 1024 - 1, 4]);
    expect(ends).toEqual([64 * 1024, 64 * 1024 + 7]);
    expect(await readAll(path, {}, 7, { offset: ends[0]!, lineNumber: 1 })).toEqual([{ text: 'next', lineNumber: 2 }]);
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
