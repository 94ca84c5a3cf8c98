/**
 * A 50 MB line costs a chunk, not the line: the file readers cap lines (maxLineBytes, 1 MiB by
 * default) while they stream, so the line becomes a dead letter and the peak RSS hardly moves.
 * Before the cap, node:readline held the line whole, several times over: reading the same file
 * raised the peak RSS by 170 MiB (JSONL), 350 MiB (CSV) and 120 MiB (text). Measured in a child
 * under a 64 MB heap (fixtures/long-line-child.ts), which the old readers could not live in.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(import.meta.dirname, 'fixtures', 'long-line-child.ts');

interface Figures {
  readonly beforeKiB: number;
  readonly afterKiB: number;
  readonly records: number;
  readonly deadLetters: readonly string[];
}

describe('a 50 MB line', () => {
  it('is a dead letter in readJsonl, readCsv and readText, and the peak RSS grows by less than 32 MiB', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--max-old-space-size=64', CHILD, '50'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const report = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<'jsonl' | 'csv' | 'text', Figures>;
    const mib = (kib: number): string => (kib / 1024).toFixed(1);
    for (const [reader, f] of Object.entries(report)) {
      console.log(`${reader}: peak RSS ${mib(f.beforeKiB)} MiB before the 50 MB line, ${mib(f.afterKiB)} MiB after (+${mib(f.afterKiB - f.beforeKiB)})`);
      expect(f.records, reader).toBe(2);
      expect(f.deadLetters, reader).toEqual([
        expect.stringMatching(new RegExp(`^LINE_TOO_LONG: line ${reader === 'csv' ? 3 : 2}: 524288\\d\\d bytes exceed maxLineBytes \\(1048576\\); first 1024 bytes kept$`)),
      ]);
      expect(f.afterKiB - f.beforeKiB, reader).toBeLessThan(32 * 1024);
    }
  }, 150_000);
});
