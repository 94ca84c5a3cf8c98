/**
 * One process per database: a store holds an OS-level lock (`<db>-lock`, SQLite's reserved lock)
 * while open. A second process is refused with STORE_LOCKED, naming the database, the holder's PID
 * and what to do; the holder's output is untouched; a holder killed with SIGKILL leaves nothing
 * behind; stores of one process share the lock; read-only `runnel inspect` works meanwhile. The
 * other processes run as a device runs them: compiled JS (npm test builds dist/ first).
 */
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { RunnelError } from '../../src/common/errors.js';
import { run } from '../../src/runner/direct-runner.js';
import { Store } from '../../src/store/store.js';
import { readOutbox } from '../../src/testing/durable-runs.js';
import { buildPipeline } from '../runner/fixtures/windowed-job.js';

const ROOT = join(import.meta.dirname, '..', '..');
const HOLD = join(ROOT, 'dist', 'test', 'store', 'fixtures', 'hold-store.js');
const JOB = join(ROOT, 'dist', 'test', 'runner', 'fixtures', 'windowed-job.js');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const exec = promisify(execFile);

const tempDb = (): string => join(mkdtempSync(join(tmpdir(), 'runnel-lock-')), 'runnel.db');

/** Starts `node <script> <args>` and resolves once it has written its first line on stdout. */
async function started(script: string, args: string[]): Promise<ChildProcessWithoutNullStreams> {
  const child = spawn(process.execPath, [script, ...args]);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code, signal) => reject(new Error(`${script} exited (${signal ?? code}) before it started: ${stderr}`)));
  });
  return child;
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | string> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode!);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code!)));
}

/** Opens the store in a fresh process and closes it at once: its exit status and stderr. */
function tryInAnotherProcess(path: string): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, [HOLD, path], { input: '', encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stderr: r.stderr };
}

function refusal(fn: () => unknown): RunnelError {
  try {
    fn();
  } catch (error) {
    if (error instanceof RunnelError) return error;
    throw error;
  }
  throw new Error('expected STORE_LOCKED');
}

describe('one process per database', () => {
  it("a second process is refused with STORE_LOCKED naming the database, the holder's PID and what to do; it gets the store once the holder closes", async () => {
    const path = tempDb();
    const holder = await started(HOLD, [path]);
    const error = refusal(() => Store.open(path));
    expect(error.code).toBe('STORE_LOCKED');
    expect(error.message).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by another Runnel process \\(PID ${holder.pid}, since \\d{4}-`));
    expect(error.message).toContain('Stop that process first');
    expect(error.message).toContain(`runnel inspect ${path}`);
    // Another path to the same file (a symbolic link to its folder) finds the same lock.
    const link = join(mkdtempSync(join(tmpdir(), 'runnel-lock-link-')), 'db');
    symlinkSync(join(path, '..'), link);
    expect(refusal(() => Store.open(join(link, 'runnel.db'))).code).toBe('STORE_LOCKED');
    holder.stdin.end();
    expect(await exited(holder)).toBe(0);
    const store = Store.open(path);
    store.close();
  });

  it('a holder killed with SIGKILL leaves no lock behind: the next start gets the store at once', async () => {
    const path = tempDb();
    for (let life = 0; life < 3; life++) {
      const holder = await started(HOLD, [path]);
      expect(tryInAnotherProcess(path).status).toBe(1);
      holder.kill('SIGKILL');
      expect(await exited(holder)).toBe('SIGKILL');
    }
    const before = performance.now();
    const store = Store.open(path);
    expect(performance.now() - before).toBeLessThan(1000); // no waiting out a stale lock
    store.close();
  });

  it("stores of one process share the lock (power durability's second connection works) and it goes with the last close", () => {
    const path = tempDb();
    const first = Store.open(path);
    const second = Store.open(path, { synchronous: 'FULL' });
    second.db.prepare("INSERT INTO dead_letters (stage, reason, payload, at) VALUES ('s', 'r', 'p', 0)").run();
    expect((first.db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n).toBe(1);
    const refused = tryInAnotherProcess(path);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`is in use by another Runnel process (PID ${process.pid},`);
    expect(refused.stderr).toContain('(STORE_LOCKED)');
    first.close();
    first.close(); // a second close gives nothing back twice
    expect(tryInAnotherProcess(path).status).toBe(1);
    second.close();
    expect(tryInAnotherProcess(path)).toEqual({ status: 0, stderr: '' });
  });

  it('runnel inspect reads the database while another process holds it', async () => {
    const path = tempDb();
    const holder = await started(HOLD, [path]);
    try {
      const { stdout } = await exec(process.execPath, [CLI, 'inspect', path]);
      expect(stdout).toContain(`${path}  (schema version`);
      expect(stdout).toContain('Dead letters: 0');
      const json = JSON.parse((await exec(process.execPath, [CLI, 'inspect', path, '--json'])).stdout) as { committedSteps: number };
      expect(json.committedSteps).toBe(0);
    } finally {
      holder.stdin.end();
      await exited(holder);
    }
  });

  it("two durable jobs on one database: the second exits 1 with the message, the first's outputs are exactly a lone run's", { timeout: 60_000 }, async () => {
    const referencePath = tempDb();
    const reference = Store.open(referencePath);
    await run(buildPipeline(), { store: reference });
    reference.close();
    const expected = readOutbox(referencePath);
    expect(expected.length).toBeGreaterThan(100);

    const path = tempDb();
    const first = await started(JOB, [path, '10']); // 10 ms per step: a few seconds in all
    const second = spawnSync(process.execPath, [JOB, path], { encoding: 'utf8', timeout: 30_000 });
    expect(first.exitCode).toBe(null); // still running: the second came while the first held the store
    expect(second.status).toBe(1);
    expect(second.stdout).toBe(''); // not one step
    expect(second.stderr).toContain(`${path} is in use by another Runnel process (PID ${first.pid},`);
    expect(await exited(first)).toBe(0);
    expect(readOutbox(path)).toEqual(expected);
  });

  it('a durable job killed with SIGKILL: the next start is not blocked and completes the job', { timeout: 60_000 }, async () => {
    const referencePath = tempDb();
    const reference = Store.open(referencePath);
    await run(buildPipeline(), { store: reference });
    reference.close();

    const path = tempDb();
    const first = await started(JOB, [path, '10']);
    first.kill('SIGKILL');
    expect(await exited(first)).toBe('SIGKILL');
    const next = spawnSync(process.execPath, [JOB, path], { encoding: 'utf8', timeout: 30_000 });
    expect(next.stderr).toBe('');
    expect(next.status).toBe(0);
    expect(readOutbox(path)).toEqual(readOutbox(referencePath));
  });

  it('two demos on one folder: the second exits 1 naming the database and the holder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-lock-demo-'));
    const path = join(dir, 'runnel.db');
    const holder = await started(HOLD, [path]);
    try {
      const demo = exec(process.execPath, [CLI, 'demo', '--duration', '5', '--dir', dir]);
      await expect(demo).rejects.toMatchObject({
        code: 1,
        stderr: expect.stringContaining(`runnel demo: ${path} is in use by another Runnel process (PID ${holder.pid},`) as unknown,
      });
      await expect(demo).rejects.toMatchObject({ stderr: expect.stringMatching(/runnel inspect .*\(STORE_LOCKED\)/) as unknown });
    } finally {
      holder.stdin.end();
      await exited(holder);
    }
  });
});
