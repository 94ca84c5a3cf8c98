import { appendFileSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, Store, kv, readCsv, run, sum, writeCsv, writeJsonl } from '../../src/index.js';
import { runWithStops, seededRandom } from '../../src/testing/index.js';
import { SEED } from '../seed.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'runnel-file-sink-durable-'));

/** A CSV of `rows` random readings: some bad (dead letters), some with a quoted note spanning lines, some not ASCII. */
function randomCsv(random: () => number, rows: number): string {
  const notes = ['', 'plain é€', '"a note\nover lines, ""quoted"""'];
  const row = (i: number): string => {
    const value = random() < 0.05 ? 'not-a-number' : String(i);
    return `d${Math.floor(random() * 5)},${value},${notes[Math.floor(random() * notes.length)]}\n`;
  };
  return `device,value,note\n${Array.from({ length: rows }, (_, i) => row(i)).join('')}`;
}

const SCHEMA = { device: 'string', value: 'number', note: 'string' } as const;

/** Each record to a CSV file and a JSONL file, and a sum per device (once the input ended) to a second CSV. */
function job(input: string, out: string): Pipeline {
  const p = new Pipeline();
  const records = p.apply(readCsv(input, { schema: SCHEMA }));
  records.apply(writeCsv(join(out, 'records.csv')));
  records.apply(writeJsonl(join(out, 'records.jsonl')).withName('records as JSON'));
  records
    .map((r) => kv(r.device, r.value))
    .combinePerKey(sum(), 'total')
    .map((t) => ({ device: t.key, total: t.value }))
    .apply(writeCsv(join(out, 'totals.csv')).withName('totals'));
  return p;
}

const FILES = ['records.csv', 'records.jsonl', 'totals.csv'];
const contents = (out: string): string[] => FILES.map((f) => readFileSync(join(out, f), 'utf8'));

async function runOnce(input: string, out: string, db: string, bundleSize: number): Promise<void> {
  const store = Store.open(db);
  try {
    await run(job(input, out), { store, bundleSize });
  } finally {
    store.close();
  }
}

describe('file sinks in durable runs', () => {
  it(`stopped after random steps (some with lines of an uncommitted step left behind) and resumed, CSV and JSONL files equal an uninterrupted run's byte for byte (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const dir = tempDir();
    const input = join(dir, 'readings.csv');
    writeFileSync(input, randomCsv(random, 300));
    const bundleSize = 1 + Math.floor(random() * 12);
    const reference = join(dir, 'reference');
    await runOnce(input, reference, join(dir, 'reference.db'), bundleSize);
    const expected = contents(reference);
    expect(expected[0]!.split('\n').length).toBeGreaterThan(250);

    const out = join(dir, 'stopped');
    const stops = await runWithStops(
      join(dir, 'runnel.db'),
      () => job(input, out),
      Array.from({ length: 30 }, () => 1 + Math.floor(random() * 4)),
      {
        bundleSize,
        // A crash after a step wrote its lines and before it committed leaves them in the file.
        onStop: () => {
          if (random() < 0.5) appendFileSync(join(out, FILES[Math.floor(random() * FILES.length)]!), 'd9,999,uncommitted\n');
        },
      },
    );
    expect(stops).toBeGreaterThan(5);
    expect(contents(out)).toEqual(expected);
  });

  it('a sink file shorter than committed, or another file, is refused naming it and what to do; a run without a store replaces the file', async () => {
    const dir = tempDir();
    const input = join(dir, 'readings.csv');
    writeFileSync(input, randomCsv(seededRandom(SEED), 100));
    const out = join(dir, 'out');
    const db = join(dir, 'runnel.db');
    // One stopped run, then the files are tampered with before the resume.
    const store = Store.open(db);
    const controller = new AbortController();
    let steps = 0;
    await run(job(input, out), { store, bundleSize: 10, signal: controller.signal, onProgress: () => ++steps >= 3 && controller.abort() });
    store.close();
    const records = join(out, 'records.csv');
    const written = readFileSync(records);
    truncateSync(records, written.length - 1);
    await expect(runOnce(input, out, db, 10)).rejects.toThrow(
      new RegExp(
        `\\[writeCsv\\] cannot open sink: "[^"]*records\\.csv" is ${written.length - 1} bytes long, but this database's run had written ${written.length} bytes of it, so resuming would lose lines\\. Put the file back as it was to resume, or start over with a new database`,
      ),
    );
    writeFileSync(records, Buffer.concat([Buffer.from('X'), written.subarray(1)]));
    await expect(runOnce(input, out, db, 10)).rejects.toThrow(/"[^"]*records\.csv" is not the file this database's run wrote \(its first \d+ bytes are different\)/);
    writeFileSync(records, written);
    // Put back, it resumes (stopped once more on the way) and ends as an uninterrupted run.
    await runWithStops(db, () => job(input, out), [2], { bundleSize: 10 });
    const resumed = contents(out);

    const reference = join(dir, 'reference');
    await runOnce(input, reference, join(dir, 'reference.db'), 10);
    expect(resumed).toEqual(contents(reference));

    // Without a store each run starts the file afresh.
    const plain = join(dir, 'plain');
    await run(job(input, plain));
    await run(job(input, plain));
    expect(contents(plain)).toEqual(contents(reference));
  });

  it('CSV columns taken from the first row of the first run are kept by a resumed run', async () => {
    const dir = tempDir();
    const input = join(dir, 'readings.csv');
    writeFileSync(input, `device,value,note\n${Array.from({ length: 40 }, (_, i) => `d${i % 3},${i},\n`).join('')}`);
    // Rows with their fields in two orders: the first row's order is the file's.
    const build = (out: string): Pipeline => {
      const p = new Pipeline();
      p.apply(readCsv(input, { schema: SCHEMA }))
        .map((r) => (r.value % 2 === 0 ? { device: r.device, value: r.value } : { value: r.value, device: r.device }))
        .apply(writeCsv(join(out, 'rows.csv')));
      return p;
    };
    const reference = join(dir, 'reference');
    await run(build(reference));
    const out = join(dir, 'stopped');
    // One line per step: the first run reads the header and writes the first row; each resumed one starts at an odd value.
    expect(await runWithStops(join(dir, 'runnel.db'), () => build(out), [2, 2, 2, 2], { bundleSize: 1 })).toBe(4);
    const expected = readFileSync(join(reference, 'rows.csv'), 'utf8');
    expect(expected.startsWith('device,value\nd0,0\nd1,1\n')).toBe(true);
    expect(readFileSync(join(out, 'rows.csv'), 'utf8')).toBe(expected);
  });
});
