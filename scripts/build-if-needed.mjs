#!/usr/bin/env node
// `npm start`'s pre-step: builds (npm run build) only when the compiled code or the kernels are
// missing or older than their sources. Where Runnel was installed for production (a bundle, or
// npm ci --omit=dev), the build tools are not there: with the compiled code present it does
// nothing, and without it it says what to do instead of failing on `asc: not found`.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const at = (...parts) => join(ROOT, ...parts);

/** Newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((latest, entry) => Math.max(latest, statSync(join(entry.parentPath, entry.name)).mtimeMs), 0);
}

const outputs = [at('dist', 'src', 'cli', 'main.js'), at('build', 'kernels.wasm')];
const missing = outputs.filter((file) => !existsSync(file));
const builtAt = missing.length > 0 ? 0 : Math.min(...[at('dist', '.tsbuildinfo'), at('build', 'kernels.wasm')].filter(existsSync).map((file) => statSync(file).mtimeMs));
const stale = Math.max(newest(at('src')), newest(at('assembly'))) > builtAt;
if (missing.length === 0 && !stale) process.exit(0);

if (!existsSync(at('node_modules', '.bin', 'asc')) || !existsSync(at('node_modules', '.bin', 'tsc'))) {
  const why = missing.length > 0 ? `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing` : 'the compiled code is older than its sources';
  console.error(`runnel: ${why}, and the build tools are not installed (an npm ci --omit=dev install). Install them and build: npm ci && npm run build`);
  process.exit(1);
}
execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
