/**
 * `npm start`'s pre-step: nothing to do where the compiled code is current (a production install
 * without build tools), and a clear message instead of `asc: not found` where it is missing.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const exec = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'build-if-needed.mjs');

/** A package folder as a production install leaves it: compiled code, kernels, sources, no build tools. */
function productionInstall(): string {
  const root = mkdtempSync(join(tmpdir(), 'runnel-prestart-'));
  for (const dir of ['scripts', 'dist/src/cli', 'build', 'src']) mkdirSync(join(root, dir), { recursive: true });
  copyFileSync(SCRIPT, join(root, 'scripts', 'build-if-needed.mjs'));
  writeFileSync(join(root, 'src', 'index.ts'), 'export {};\n');
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(root, 'src', 'index.ts'), old, old);
  for (const file of ['dist/src/cli/main.js', 'dist/.tsbuildinfo', 'build/kernels.wasm']) writeFileSync(join(root, file), '');
  return root;
}

it('does nothing when the compiled code is newer than its sources, even without build tools', async () => {
  const root = productionInstall();
  const { stdout, stderr } = await exec('node', [join(root, 'scripts', 'build-if-needed.mjs')]);
  expect(stdout + stderr).toBe('');
});

it('without the compiled code and the build tools, exits 1 saying what is missing and what to run', async () => {
  const root = productionInstall();
  rmSync(join(root, 'dist', 'src', 'cli', 'main.js'));
  await expect(exec('node', [join(root, 'scripts', 'build-if-needed.mjs')])).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringMatching(/main\.js is missing, and the build tools are not installed .*npm ci && npm run build/) as unknown,
  });
});
