/**
 * A missing or corrupt kernels file fails a pipeline of feature stages (or of inference on the WASM
 * fast path) when it sets up or is built, before it reads input: the process exits 1 with a
 * message naming the file and the fix, and the database holds no dead letter, output or offset.
 * (Before, each pane failed on its own and became a dead letter, and the job exited 0.) Run as a
 * device runs it: compiled JS (npm test builds dist/ first).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const MODES = ['windowStats', 'fitFeatures', 'fitOnWarmUp', 'runInference'];
const JOB = join(ROOT, 'dist', 'test', 'features', 'fixtures', 'feature-job.js');

/** Runs the job on a fresh database with `RUNNEL_KERNELS` set to `kernels` (unset when undefined). */
function runJob(mode: string, kernels: string | undefined): { status: number | null; stdout: string; stderr: string; db: string } {
  const db = join(mkdtempSync(join(tmpdir(), 'runnel-kernels-')), 'runnel.db');
  const env = { ...process.env };
  delete env['RUNNEL_KERNELS'];
  if (kernels !== undefined) env['RUNNEL_KERNELS'] = kernels;
  const r = spawnSync(process.execPath, [JOB, db, mode], { encoding: 'utf8', env, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, db };
}

/** Rows of the tables a run writes to. */
function written(path: string): { deadLetters: number; outbox: number; offsets: number } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { deadLetters: count('dead_letters'), outbox: count('outbox'), offsets: count('offsets') };
  } finally {
    db.close();
  }
}

function badKernels(): { missing: string; corrupt: string; truncated: string } {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-bad-kernels-'));
  const corrupt = join(dir, 'corrupt.wasm');
  writeFileSync(corrupt, 'this is not WebAssembly');
  const truncated = join(dir, 'truncated.wasm');
  writeFileSync(truncated, readFileSync(join(ROOT, 'build', 'kernels.wasm')).subarray(0, 4096));
  return { missing: join(dir, 'nowhere', 'kernels.wasm'), corrupt, truncated };
}

describe('a missing or bad kernels file fails a feature or fast-path inference pipeline at start', () => {
  it('control: with the package kernels the job reads its input (one malformed reading becomes a dead letter)', () => {
    for (const mode of MODES) {
      const r = runJob(mode, undefined);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const rows = written(r.db);
      expect(rows.deadLetters).toBe(1);
      expect(rows.outbox).toBeGreaterThan(0);
      expect(rows.offsets).toBeGreaterThan(0);
    }
  });

  it('missing, corrupt or truncated: exit 1 naming the file and the fix; no dead letter, output or offset', () => {
    const bad = badKernels();
    const cases = [
      { file: bad.missing, code: 'KERNELS_MISSING', why: /no such file/ },
      { file: bad.corrupt, code: 'KERNELS_INVALID', why: /is not a valid kernels module/ },
      { file: bad.truncated, code: 'KERNELS_INVALID', why: /is not a valid kernels module/ },
    ];
    for (const mode of MODES) {
      for (const { file, code, why } of mode === 'windowStats' ? cases : cases.slice(0, 2)) {
        const r = runJob(mode, file);
        expect(r.status, `${mode} with ${file}: ${r.stdout}${r.stderr}`).toBe(1);
        expect(r.stderr).toContain(file);
        expect(r.stderr).toMatch(why);
        expect(r.stderr).toContain(`(${code})`);
        expect(r.stderr).toContain('npm run build:wasm');
        expect(r.stderr).toContain('RUNNEL_KERNELS');
        expect(written(r.db)).toEqual({ deadLetters: 0, outbox: 0, offsets: 0 });
      }
    }
  });
});
