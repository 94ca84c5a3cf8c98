/**
 * Where the kernels load from and what a bad file does: the package's own build/kernels.wasm,
 * found from the module's location (src/ under vitest, dist/src/ compiled) and never by searching
 * parent folders, or the file RUNNEL_KERNELS names; a missing file is KERNELS_MISSING, a corrupt
 * or foreign one KERNELS_INVALID, each naming the path and the fix.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/common/errors.js';
import { instantiateKernels, loadKernels, locateKernels } from '../../src/kernels/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILT = join(ROOT, 'build', 'kernels.wasm');
const saved = process.env['RUNNEL_KERNELS'];

afterEach(() => {
  if (saved === undefined) delete process.env['RUNNEL_KERNELS'];
  else process.env['RUNNEL_KERNELS'] = saved;
});

function thrown(fn: () => unknown): RunnelError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RunnelError) return error;
    throw error;
  }
  throw new Error('expected a RunnelError');
}

/** Runs `script` (an ES module body) in a child node with RUNNEL_KERNELS unset. */
function node(script: string): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env };
  delete env['RUNNEL_KERNELS'];
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

describe('locating the kernels', () => {
  it("is the package's own build/kernels.wasm from src/ (vitest) and from dist/src/ (compiled)", () => {
    delete process.env['RUNNEL_KERNELS'];
    expect(locateKernels()).toBe(BUILT);
    const compiled = node(`import { locateKernels } from ${JSON.stringify(join(ROOT, 'dist', 'src', 'kernels', 'locate.js'))}; console.log(locateKernels());`);
    expect(compiled.stderr).toBe('');
    expect(compiled.stdout).toBe(BUILT);
  });

  it('RUNNEL_KERNELS overrides it, relative to the working directory', () => {
    process.env['RUNNEL_KERNELS'] = relative(process.cwd(), BUILT);
    expect(locateKernels()).toBe(BUILT);
    process.env['RUNNEL_KERNELS'] = '/opt/kernels/k.wasm';
    expect(locateKernels()).toBe('/opt/kernels/k.wasm');
  });

  it('a stray copy in a parent folder is not picked up: a package without its build fails naming its own path', () => {
    // The compiled kernels modules laid out as a package without its build/, and a kernels.wasm in
    // the folder above the package (the old search, five folders up from dist/src/kernels, found it).
    const top = mkdtempSync(join(tmpdir(), 'runnel-stray-'));
    const pkg = join(top, 'runnel');
    for (const dir of ['kernels', 'common']) cpSync(join(ROOT, 'dist', 'src', dir), join(pkg, 'dist', 'src', dir), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ type: 'module' }));
    mkdirSync(join(top, 'build'));
    cpSync(BUILT, join(top, 'build', 'kernels.wasm'));
    const load = `import { kernels } from ${JSON.stringify(join(pkg, 'dist', 'src', 'kernels', 'index.js'))};
      try { kernels(); console.log('loaded'); } catch (e) { console.log(e.code + ': ' + e.message); }`;
    const own = join(pkg, 'build', 'kernels.wasm');
    const missing = node(load);
    expect(missing.stderr).toBe('');
    expect(missing.stdout).toMatch(/^KERNELS_MISSING: /);
    expect(missing.stdout).toContain(own);
    expect(missing.stdout).toContain('npm run build:wasm');
    mkdirSync(join(pkg, 'build'));
    cpSync(BUILT, own);
    expect(node(load).stdout).toBe('loaded');
  });
});

describe('loading the kernels', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-kernels-load-'));

  it('a missing file is KERNELS_MISSING naming the path, npm run build:wasm and RUNNEL_KERNELS', () => {
    delete process.env['RUNNEL_KERNELS'];
    const path = join(dir, 'absent.wasm');
    const error = thrown(() => instantiateKernels(path));
    expect(error.code).toBe('KERNELS_MISSING');
    expect(error.message).toBe(
      `cannot load the WebAssembly kernels: ${path}: no such file. To build them, run "npm run build:wasm" in the Runnel package ` +
        `(or reinstall Runnel: its package ships build/kernels.wasm); to use a kernels file elsewhere, set RUNNEL_KERNELS to its path.`,
    );
  });

  it('when RUNNEL_KERNELS named the file, the message says so', () => {
    const path = join(dir, 'absent.wasm');
    process.env['RUNNEL_KERNELS'] = path;
    const error = thrown(() => instantiateKernels());
    expect(error.code).toBe('KERNELS_MISSING');
    expect(error.message).toContain(`${path}: no such file`);
    expect(error.message).toContain('RUNNEL_KERNELS names this file');
  });

  it('a file that is not WebAssembly is KERNELS_INVALID naming the path', () => {
    const path = join(dir, 'corrupt.wasm');
    writeFileSync(path, new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff]));
    const error = thrown(() => instantiateKernels(path));
    expect(error.code).toBe('KERNELS_INVALID');
    expect(error.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a valid kernels module \\(.+\\)\\. To build them, run "npm run build:wasm"`));
  });

  it('a valid WebAssembly module without the kernels (another build) is KERNELS_INVALID listing what it lacks', () => {
    const path = join(dir, 'empty.wasm');
    writeFileSync(path, new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00])); // an empty module
    const error = thrown(() => instantiateKernels(path));
    expect(error.code).toBe('KERNELS_INVALID');
    expect(error.message).toContain(`${path} lacks the kernels memory, alloc, free, sumF32, meanF32 and `);
    expect(error.message).toContain('it is from another build of Runnel');
  });

  it('loadKernels loads once; asking for another file afterwards is refused', () => {
    const k = loadKernels(BUILT);
    expect(loadKernels()).toBe(k);
    expect(loadKernels(BUILT)).toBe(k);
    expect(() => loadKernels(join(dir, 'other.wasm'))).toThrow(/already loaded from .*build\/kernels\.wasm/);
  });
});
