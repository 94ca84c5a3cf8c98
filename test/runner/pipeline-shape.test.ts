import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, RunnelError, Store, arraySource, fixedWindows, flatten, kv, pcollections, read, run, sum, writeOutbox, type KV } from '../../src/index.js';
import { readOutbox } from '../../src/testing/index.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'runnel-shape-')), 'runnel.db');

/** Readings of two sensors over 30 s, bounded: its watermark ends at the end of time. */
const READINGS = Array.from({ length: 30 }, (_, i) => ({ key: `sensor-${i % 2}`, value: i, at: i * 1000 }));

interface Shape {
  /** Names of the sources, flattened into one collection. */
  readonly sources?: readonly string[];
  /** Name of the windowed sum. */
  readonly sums?: string;
  /** Name of the stateless map before it. */
  readonly map?: string;
}

function pipeline({ sources = ['readings'], sums = 'sums', map = 'to kv' }: Shape): Pipeline {
  const p = new Pipeline();
  const inputs = sources.map((name) => p.apply(read(arraySource(READINGS), name)));
  const readings = inputs.length === 1 ? inputs[0]! : pcollections(...inputs).apply(flatten());
  readings
    .withTimestamps((r) => r.at)
    .map((r): KV<string, number> => kv(r.key, r.value), map)
    .windowInto(fixedWindows(10_000))
    .combinePerKey(sum(), sums)
    .apply(writeOutbox());
  return p;
}

async function runOn(path: string, shape: Shape): Promise<number> {
  const store = Store.open(path);
  try {
    return (await run(pipeline(shape), { store })).deadLetterCount;
  } finally {
    store.close();
  }
}

async function refusal(path: string, shape: Shape): Promise<RunnelError> {
  const error: unknown = await runOn(path, shape).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunnelError);
  expect((error as RunnelError).code).toBe('PIPELINE_CHANGED');
  return error as RunnelError;
}

describe('a durable run on a database written by another pipeline', () => {
  it('a source under a new name is refused at start, naming both names and what to do, with nothing read or dead-lettered', async () => {
    const path = tempDb();
    expect(await runOn(path, { sources: ['readings'] })).toBe(0);
    const outputs = readOutbox(path);
    expect(outputs).toHaveLength(6); // 3 windows × 2 sensors
    const error = await refusal(path, { sources: ['sensor readings'] });
    expect(error.message).toContain(path);
    expect(error.message).toContain('source "readings" is gone');
    expect(error.message).toContain('source "sensor readings" is new');
    expect(error.message).toContain('new database');
    expect(readOutbox(path)).toEqual(outputs);
    const store = Store.open(path);
    const deadLetters = (store.db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
    store.close();
    expect(deadLetters).toBe(0); // before the fix: all 30 readings, as late
  });

  it('a source added or removed is refused', async () => {
    const one = tempDb();
    await runOn(one, { sources: ['a'] });
    expect((await refusal(one, { sources: ['a', 'b'] })).message).toContain('source "b" is new');

    const two = tempDb();
    await runOn(two, { sources: ['a', 'b'] });
    expect((await refusal(two, { sources: ['a'] })).message).toContain('source "b" is gone');
  });

  it('a stateful stage renamed is refused; a stateless one is not', async () => {
    const path = tempDb();
    await runOn(path, { sums: 'sums' });
    const error = await refusal(path, { sums: 'totals' });
    expect(error.message).toContain('stateful stage "sums" is gone');
    expect(error.message).toContain('stateful stage "totals" is new');
    expect(await runOn(path, { map: 'as key and value' })).toBe(0);
    expect(readOutbox(path)).toHaveLength(6);
  });

  it('the same pipeline resumes a finished bounded run as before: nothing read again, nothing late', async () => {
    const path = tempDb();
    await runOn(path, {});
    const outputs = readOutbox(path);
    expect(await runOn(path, {})).toBe(0);
    expect(readOutbox(path)).toEqual(outputs);
  });

  it('a database written before pipelines were recorded takes the pipeline of its next run, then holds to it', async () => {
    const path = tempDb();
    await runOn(path, {});
    const store = Store.open(path);
    store.db.prepare("DELETE FROM meta WHERE key = 'pipeline'").run();
    store.close();
    expect(await runOn(path, {})).toBe(0);
    await refusal(path, { sources: ['renamed'] });
  });
});
