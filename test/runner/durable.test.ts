import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, Store, create, fixedWindows, kv, mean, sum, writeOutbox, run, type PaneInfo } from '../../src/index.js';
import { eventStream, readOutbox, runWithKills, runWithStops, seededRandom, timestamped, type OutboxRow } from '../../src/testing/index.js';
import { buildPipeline } from './fixtures/windowed-job.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'runnel-durable-')), 'runnel.db');
// The job as a device runs it: compiled JS (npm test builds dist/ first).
const JOB = join(import.meta.dirname, '..', '..', 'dist', 'test', 'runner', 'fixtures', 'windowed-job.js');

function deadLetterCount(path: string): number {
  const store = Store.open(path);
  try {
    return (store.db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
  } finally {
    store.close();
  }
}

async function uncrashedRun(): Promise<{ rows: OutboxRow[]; deadLetters: number }> {
  const path = tempDb();
  const store = Store.open(path);
  await run(buildPipeline(), { store });
  store.close();
  return { rows: readOutbox(path), deadLetters: deadLetterCount(path) };
}

describe('durable runs', () => {
  it('a run stopped after any step and resumed produces exactly the uninterrupted outputs', async () => {
    const reference = await uncrashedRun();
    expect(reference.rows.length).toBeGreaterThan(100);
    expect(reference.rows.some((r) => (JSON.parse(r.pane) as PaneInfo).timing === 'late')).toBe(true);
    expect(reference.deadLetters).toBeGreaterThan(0); // some readings are later than the allowed lateness
    const random = seededRandom(3);
    for (let trial = 0; trial < 5; trial++) {
      const path = tempDb();
      const stops = await runWithStops(
        path,
        buildPipeline,
        Array.from({ length: 50 }, () => 1 + Math.floor(random() * 80)),
      );
      expect(stops).toBeGreaterThan(1);
      expect(readOutbox(path)).toEqual(reference.rows);
      expect(deadLetterCount(path)).toBe(reference.deadLetters);
    }
  });

  it('hundreds of keys changed per step (batched state upserts, window deletes): stop and resume equals one run', async () => {
    const random = seededRandom(5);
    const events = Array.from({ length: 20_000 }, (_, i) => timestamped(kv(`k${Math.floor(random() * 400)}`, Math.round(random() * 1000)), i * 5));
    const job = (store: Store, signal?: AbortSignal, onProgress?: () => void) => {
      const p = new Pipeline();
      p.apply(eventStream(events, { maxLateness: 0 }))
        .windowInto(fixedWindows(10_000))
        .combinePerKey(mean())
        .apply(writeOutbox());
      return run(p, { store, bundleSize: 1000, ...(signal ? { signal } : {}), ...(onProgress ? { onProgress } : {}) });
    };
    const referencePath = tempDb();
    const referenceStore = Store.open(referencePath);
    await job(referenceStore);
    referenceStore.close();
    const reference = readOutbox(referencePath);
    expect(reference.length).toBeGreaterThan(3000); // 10 windows × ~400 keys

    const path = tempDb();
    let stops = 0;
    for (let run = 0; run < 30; run++) {
      const store = Store.open(path);
      const controller = new AbortController();
      const stopAfter = 1 + Math.floor(random() * 4);
      let steps = 0;
      await job(store, controller.signal, () => ++steps >= stopAfter && controller.abort());
      const stateRows = (store.db.prepare("SELECT count(*) AS n FROM state WHERE window <> ''").get() as { n: number }).n;
      store.close();
      if (!controller.signal.aborted) {
        expect(stateRows).toBe(0); // every window fired and was deleted (the operator's own row has window '')
        break;
      }
      expect(stateRows).toBeGreaterThan(64); // more than one batch of upserts was committed
      stops++;
    }
    expect(stops).toBeGreaterThan(3);
    expect(readOutbox(path)).toEqual(reference);
  });

  it('survives SIGKILL at random points: the final outbox equals an uncrashed run', async () => {
    const reference = await uncrashedRun();
    const path = tempDb();
    const { kills } = await runWithKills({ command: process.execPath, args: [JOB, path, '2'], random: seededRandom(11) });
    expect(kills).toBeGreaterThanOrEqual(20);
    const rows = readOutbox(path);
    // Outputs are committed with the step that made them, so there is nothing to deduplicate:
    // same rows, same ids, same order as the run that was never killed.
    expect(new Set(rows.map((r) => r.outputId)).size).toBe(rows.length);
    expect(rows).toEqual(reference.rows);
    expect(deadLetterCount(path)).toBe(reference.deadLetters);
  }, 120_000);

  it('writeOutbox without a store is refused with what to do', async () => {
    const p = new Pipeline();
    p.apply(create([kv('a', 1)]))
      .windowInto(fixedWindows(1000))
      .combinePerKey(sum())
      .apply(writeOutbox());
    await expect(run(p)).rejects.toThrow('writes to the outbox, which needs a durable run: run(pipeline, { store })');
  });
});
