import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

it('docs/cli.md has a row for every command runnel --help lists', async () => {
  const { stdout } = await promisify(execFile)('node', [join(ROOT, 'dist', 'src', 'cli', 'main.js'), '--help']);
  const commands = [...stdout.slice(stdout.indexOf('Commands:'), stdout.indexOf('Options:')).matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]!);
  expect(commands.length).toBeGreaterThanOrEqual(7);
  const doc = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
  expect(commands.filter((command) => !doc.includes(`| \`runnel ${command}`))).toEqual([]);
});
