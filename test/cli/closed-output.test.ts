/**
 * A reader that goes away (`runnel … | head -1`): the compiled CLI stops as on SIGTERM, exit 0,
 * with no unhandled EPIPE; a durable run has committed what it did and its database reopens.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'runnel-closed-output-'));

/** Runs the CLI, reads its first stdout chunk, then closes the pipe; resolves with the exit code and stderr. */
async function closeAfterFirstOutput(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('node', [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += String(chunk)));
  await once(child.stdout, 'data');
  child.stdout.destroy();
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

it('runnel run with LogForTesting piped into a reader that closes: exit 0, no EPIPE', { timeout: 60_000 }, async () => {
  const pipeline = join(dir, 'many.yaml');
  const elements = Array.from({ length: 200_000 }, (_, i) => i);
  writeFileSync(pipeline, `pipeline:\n  type: chain\n  transforms:\n    - type: Create\n      config:\n        elements: [${elements.join(', ')}]\n    - type: LogForTesting\n`);
  const { code, stderr } = await closeAfterFirstOutput(['run', pipeline]);
  expect(stderr).not.toMatch(/EPIPE|Unhandled/);
  expect(code).toBe(0);
});

it('runnel demo whose output closes stops cleanly: exit 0, its database reopens', { timeout: 90_000 }, async () => {
  const demoDir = join(dir, 'demo');
  const { code, stderr } = await closeAfterFirstOutput(['demo', '--duration', '60', '--dir', demoDir, '--http', 'off', '--sensors', '2']);
  expect(stderr).not.toMatch(/EPIPE|Unhandled/);
  expect(code).toBe(0);
  Store.open(join(demoDir, 'runnel.db')).close();
});
