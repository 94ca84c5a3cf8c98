/**
 * A full disk under a durable run's file sink pauses the run like a full disk under its database:
 * the CSV is written to a small tmpfs made by the test (as root; where mounting is refused the test
 * is skipped, as a page limit cannot fill a file's disk), the database to the usual temp folder. A
 * ballast file fills the tmpfs after the 5th step, so the next step's write fails with ENOSPC. The
 * run must wait (not fail) without committing, log one line naming the file and its disk, resume
 * by itself once the ballast is deleted, and end with a file byte-identical to an undisturbed run's.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline, RunnelError, Store, readCsv, run, writeCsv, type PipelineResult } from '../../src/index.js';
import { seededRandom } from '../../src/testing/index.js';
import { SEED } from '../seed.js';
import { fullDisk, until, type FullDisk } from '../store/fixtures/full-disk.js';

const TMPFS_MIB = 4;
const FILL_AFTER_STEP = 5;
const SCHEMA = { device: 'string', value: 'number', note: 'string' } as const;

/** 12,000 random readings (some notes quoted over two lines, some not ASCII): about 300 kB of CSV out. */
function randomCsv(random: () => number): string {
  const notes = ['', 'plain é€', '"a note\nover lines, ""quoted"""'];
  const rows = Array.from({ length: 12_000 }, (_, i) => `d${Math.floor(random() * 50)},${i * 3 + Math.floor(random() * 3)},${notes[Math.floor(random() * 3)]}\n`);
  return `device,value,note\n${rows.join('')}`;
}

function job(input: string, output: string): Pipeline {
  const p = new Pipeline();
  p.apply(readCsv(input, { schema: SCHEMA })).apply(writeCsv(output));
  return p;
}

describe(`a full disk under a durable run's file sink (seed ${SEED})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-sink-full-'));
  const input = join(dir, 'readings.csv');
  let disk: FullDisk;

  beforeAll(() => {
    writeFileSync(input, randomCsv(seededRandom(SEED)));
    disk = fullDisk(TMPFS_MIB);
    console.info(`file-sink disk-full test mode: ${disk.mode}`);
  });

  afterAll(() => {
    disk.free();
    disk.dispose();
  });

  it(
    'pauses without committing, one log line naming the file and its disk; freed space resumes it and the file equals an undisturbed run',
    { timeout: 30_000 },
    async (context) => {
      if (!disk.tmpfs) context.skip();
      const reference = join(dir, 'reference.csv');
      const referenceStore = Store.open(join(dir, 'reference.db'));
      await run(job(input, reference), { store: referenceStore, bundleSize: 500 });
      referenceStore.close();
      const expected = readFileSync(reference);
      expect(expected.length).toBeGreaterThan(250_000);

      const output = join(disk.dir, 'out.csv');
      const store = Store.open(join(dir, 'runnel.db'));
      const log: string[] = [];
      let steps = 0;
      let settled: { result?: PipelineResult; error?: unknown } | undefined;
      const running = run(job(input, output), {
        store,
        bundleSize: 500,
        diskFullRetryMs: 20,
        log: (m) => log.push(m),
        onProgress: () => ++steps === FILL_AFTER_STEP && disk.fill(),
      }).then(
        (result) => (settled = { result }),
        (error: unknown) => (settled = { error }),
      );
      const committedStep = (): number => Number((store.db.prepare("SELECT value FROM meta WHERE key = 'step'").get() as { value: string }).value);
      try {
        await until(() => log.length > 0 || settled !== undefined, 'the run to pause');
        expect(settled?.error ?? settled).toBeUndefined();
        expect(log).toHaveLength(1);
        expect(log[0]).toContain(`durable run paused: the disk holding ${output} is full (ENOSPC while writing sink "writeCsv"`);
        expect(log[0]).toContain(`free of 4.0 MiB in ${disk.dir}`);
        const pausedAt = committedStep();
        expect(pausedAt).toBe(FILL_AFTER_STEP);
        await new Promise((resolve) => setTimeout(resolve, 500)); // many retries meanwhile
        expect(settled).toBeUndefined();
        expect(committedStep()).toBe(pausedAt);
      } finally {
        disk.free();
        await running;
        store.close();
      }
      expect(settled?.error).toBeUndefined();
      expect(log).toHaveLength(2);
      expect(log[1]).toMatch(/^\[runnel\] durable run resumed after [\d.]+ s: space is back/);
      expect(settled!.result!.committedSteps).toBeGreaterThan(FILL_AFTER_STEP);
      expect(readFileSync(output).equals(expected)).toBe(true);
    },
  );

  it('a run without a store fails, naming the file and its full disk', { timeout: 30_000 }, async (context) => {
    if (!disk.tmpfs) context.skip();
    disk.fill();
    const output = join(disk.dir, 'no-store.csv');
    const failure = await run(job(input, output), { bundleSize: 500 }).then(
      () => undefined,
      (error: unknown) => error,
    );
    disk.free();
    expect(failure).toBeInstanceOf(RunnelError);
    expect((failure as RunnelError).code).toBe('SINK_FAILED');
    expect((failure as Error).message).toContain(`cannot write "${output}": ENOSPC: no space left on device`);
    expect((failure as Error).message).toContain(`The disk holding it is full (`);
  });
});
