/**
 * The demo's process leaves as soon as its job is over: after Ctrl-C once the job has shut down
 * (it used to linger 2 s on the egress drain's timer), and at once when the pipeline fails (it
 * used to linger until --duration ended, on a timer nobody cleared). Compiled CLI on plain node
 * (`npm run build:ts` first), as a device runs it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

interface Demo {
  readonly child: ChildProcess;
  readonly dir: string;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves once the output matches `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  /** Resolves with the exit code and the time of exit (performance.now()). */
  readonly exited: Promise<{ code: number | null; at: number }>;
}

const started: Demo[] = [];
afterEach(() => {
  for (const demo of started.splice(0)) {
    if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    rmSync(demo.dir, { recursive: true, force: true });
  }
});

/** A small demo for 60 s: long enough that waiting for --duration would fail the test. */
function startDemo(): Demo {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-exit-'));
  const child = spawn('node', [CLI, 'demo', '--duration', '60', '--sensors', '2', '--rate', '20', '--retrain-every', '60', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const onData = (chunk: Buffer): void => {
    text += chunk.toString();
    for (const w of waiters.filter((w) => w.pattern.test(text))) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('exit', (code) => resolve({ code, at: performance.now() })));
  const demo: Demo = {
    child,
    dir,
    output: () => text,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(text)) return resolve();
        waiters.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`the demo exited before printing ${String(pattern)}:\n${text}`)));
      }),
    exited,
  };
  started.push(demo);
  return demo;
}

/** Resolves once the demo has committed a step (its database has an offset). */
async function untilRunning(demo: Demo): Promise<void> {
  const path = join(demo.dir, 'runnel.db');
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (demo.child.exitCode !== null) throw new Error(`the demo exited early:\n${demo.output()}`);
    try {
      const db = new Database(path, { readonly: true, fileMustExist: true });
      try {
        if ((db.prepare('SELECT count(*) AS n FROM offsets').get() as { n: number }).n > 0) return;
      } finally {
        db.close();
      }
    } catch {
      // not created or migrated yet
    }
  }
}

describe('runnel demo: the process exits when the job is over', () => {
  it('Ctrl-C: exits 0 right after the summary (no 2 s drain timer left behind)', { timeout: 30_000 }, async () => {
    const demo = startDemo();
    await untilRunning(demo);
    demo.child.kill('SIGINT');
    await demo.waitFor(/steps committed in all runs/);
    const summaryAt = performance.now();
    const { code, at } = await demo.exited;
    expect(code, demo.output()).toBe(0);
    expect(at - summaryAt).toBeLessThan(1000);
  });

  it('a failed pipeline: exits 1 with the error at once, not when --duration ends', { timeout: 30_000 }, async () => {
    const demo = startDemo();
    await untilRunning(demo);
    // Another connection drops a table the runner commits to: its next step commit fails.
    const db = new Database(join(demo.dir, 'runnel.db'));
    db.exec('DROP TABLE offsets');
    db.close();
    const droppedAt = performance.now();
    const { code, at } = await demo.exited;
    expect(code, demo.output()).toBe(1);
    expect(demo.output()).toMatch(/no such table: offsets/);
    expect(at - droppedAt).toBeLessThan(10_000);
  });
});
