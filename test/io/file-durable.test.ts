import { appendFileSync, mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, Store, kv, type PCollection, readCsv, readJsonl, run, sum, writeOutbox } from '../../src/index.js';
import { readOutbox, runWithStops, seededRandom, type OutboxRow } from '../../src/testing/index.js';
import { SEED } from '../seed.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'runnel-file-durable-'));

/** Every dead letter of the database, in the order committed (time left out). */
function deadLetters(path: string): { stage: string; reason: string; payload: string }[] {
  const store = Store.open(path);
  try {
    return store.db.prepare('SELECT stage, reason, payload FROM dead_letters ORDER BY id').all() as { stage: string; reason: string; payload: string }[];
  } finally {
    store.close();
  }
}

/** Each record into the outbox, and a sum per device once the file has ended. */
function job(read: (p: Pipeline) => PCollection<{ device: string; value: number }>): Pipeline {
  const p = new Pipeline();
  const records = read(p);
  records.apply(writeOutbox());
  records
    .map((r) => kv(r.device, r.value))
    .combinePerKey(sum(), 'total')
    .apply(writeOutbox());
  return p;
}

const SCHEMA = { device: 'string', value: 'number' } as const;
function recordsOf(p: Pipeline, path: string) {
  return p.apply(readCsv(path, { schema: SCHEMA }));
}

/** A CSV file of `rows` random rows: quoted notes spanning lines, CRLF and CR endings, and bad rows. */
function randomCsv(random: () => number, rows: number): string {
  const lines = ['device,value,note'];
  for (let i = 0; i < rows; i++) {
    const device = `d${Math.floor(random() * 5)}`;
    const roll = random();
    if (roll < 0.05) lines.push(`${device},not-a-number,x`);
    else if (roll < 0.08)
      lines.push(`${device},1`); // a field short
    else if (roll < 0.1) lines.push(`${device},2,"unterminated`);
    else if (roll < 0.25) lines.push(`${device},${i},"a note\nover ${1 + Math.floor(random() * 3)}\nlines, ""quoted"""`);
    else lines.push(`${device},${i},${random() < 0.5 ? '' : 'plain'}`);
  }
  return lines.map((line) => line + (random() < 0.1 ? '\r\n' : random() < 0.05 ? '\r' : '\n')).join('');
}

async function uncrashed(build: () => Pipeline, bundleSize = 7): Promise<{ rows: OutboxRow[]; dead: ReturnType<typeof deadLetters> }> {
  const path = join(tempDir(), 'reference.db');
  const store = Store.open(path);
  await run(build(), { store, bundleSize });
  store.close();
  return { rows: readOutbox(path), dead: deadLetters(path) };
}

/** Runs `build` stopped after random steps and resumed, and once uninterrupted: same outbox, same dead letters, each once. */
async function expectStopsChangeNothing(build: () => Pipeline, random: () => number): Promise<void> {
  const bundleSize = 1 + Math.floor(random() * 12);
  const reference = await uncrashed(build, bundleSize);
  expect(reference.rows.length).toBeGreaterThan(200);
  expect(reference.dead.length).toBeGreaterThan(5);
  const path = join(tempDir(), 'runnel.db');
  const stops = await runWithStops(
    path,
    build,
    Array.from({ length: 30 }, () => 1 + Math.floor(random() * 4)),
    { bundleSize },
  );
  expect(stops).toBeGreaterThan(5);
  expect(readOutbox(path)).toEqual(reference.rows);
  expect(deadLetters(path)).toEqual(reference.dead);
}

describe('durable runs of file pipelines', () => {
  it(`CSV: stopped after random steps and resumed, the outbox and dead letters equal an uninterrupted run's (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const csv = join(tempDir(), 'readings.csv');
    writeFileSync(csv, randomCsv(random, 300));
    await expectStopsChangeNothing(() => job((p) => recordsOf(p, csv)), random);
  });

  it(`JSONL: stopped after random steps and resumed, the outbox and dead letters equal an uninterrupted run's (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const file = join(tempDir(), 'readings.jsonl');
    const lines = Array.from({ length: 300 }, (_, i) => {
      const roll = random();
      if (roll < 0.05) return '{"device": "d1", "value": ';
      if (roll < 0.1) return JSON.stringify({ device: 'd2', value: 'high' });
      if (roll < 0.15) return '';
      return JSON.stringify({ device: `d${Math.floor(random() * 5)}`, value: i, note: random() < 0.3 ? 'é€𝄞' : undefined });
    });
    writeFileSync(file, `\uFEFF${lines.join(random() < 0.5 ? '\n' : '\r\n')}`);
    await expectStopsChangeNothing(() => job((p) => p.apply(readJsonl(file, { schema: SCHEMA }))), random);
  });

  it('a quoted CSV record spanning lines is not split by a stop in its middle', async () => {
    const csv = join(tempDir(), 'notes.csv');
    writeFileSync(csv, 'device,value,note\nd1,1,"one\ntwo\nthree\nfour"\nd2,2,after\n');
    const build = () => job((p) => recordsOf(p, csv));
    const reference = await uncrashed(build, 1);
    // One line per step: stops after the header and after each line of the quoted record.
    for (const stopAfter of [1, 2, 3, 4]) {
      const path = join(tempDir(), 'runnel.db');
      await runWithStops(path, build, [stopAfter, 1, 1, 1], { bundleSize: 1 });
      const rows = readOutbox(path);
      expect(rows, `stopped after step ${stopAfter}`).toEqual(reference.rows);
      expect(rows.map((r) => JSON.parse(r.payload) as unknown)).toContainEqual({ device: 'd1', value: 1, note: 'one\ntwo\nthree\nfour' });
      expect(deadLetters(path)).toEqual([]);
    }
  });

  it('a file changed between runs is refused, saying what changed and what to do; put back, or only grown, it is read on', async () => {
    const dir = tempDir();
    const csv = join(dir, 'readings.csv');
    const original = `device,value,note\n${Array.from({ length: 40 }, (_, i) => `d${i % 3},${i},\n`).join('')}`;
    writeFileSync(csv, original);
    const { mtime } = statSync(csv);
    const build = () => job((p) => recordsOf(p, csv));
    const resume = async (path: string): Promise<void> => {
      const store = Store.open(path);
      try {
        await run(build(), { store, bundleSize: 5 });
      } finally {
        store.close();
      }
    };
    const reference = await uncrashed(build, 5);

    // Changed in place: refused, with what changed and what to do.
    const path = join(dir, 'stopped.db');
    const store = Store.open(path);
    const controller = new AbortController();
    await run(build(), { store, bundleSize: 5, signal: controller.signal, onProgress: () => controller.abort() });
    store.close();
    writeFileSync(csv, original.replace('d1,1,', 'd1,7,'));
    await expect(resume(path)).rejects.toThrow(
      /"[^"]*readings\.csv" changed since this database's run read it up to line 5 \(its first 288 bytes are different\), so resuming would skip or repeat records\. Put the file back as it was to resume, or start over with a new database/,
    );
    // The same bytes written again, with a new modification time: still refused (a change in the middle would look the same).
    writeFileSync(csv, original);
    const later = new Date(mtime.getTime() + 5000);
    utimesSync(csv, later, later);
    await expect(resume(path)).rejects.toThrow(/readings\.csv" changed .* \(it was modified at the same size: modification time .*, now .*\)/);
    // Put back as it was (cp -p keeps the time): the run resumes and ends as an uninterrupted one.
    utimesSync(csv, mtime, mtime);
    await resume(path);
    expect(readOutbox(path)).toEqual(reference.rows);

    // Rows appended after the stop are read on, as one run over the longer file reads them.
    const grown = join(tempDir(), 'runnel.db');
    const stopped = Store.open(grown);
    const stop = new AbortController();
    await run(build(), { store: stopped, bundleSize: 5, signal: stop.signal, onProgress: () => stop.abort() });
    stopped.close();
    appendFileSync(csv, 'd9,100,\nd9,200,\n');
    await resume(grown);
    const longer = await uncrashed(build, 5);
    expect(readOutbox(grown)).toEqual(longer.rows);
    expect(longer.rows.length).toBe(reference.rows.length + 3); // two records and d9's total
  });
});
