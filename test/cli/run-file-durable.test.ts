/**
 * `runnel run <csv pipeline> --db` as a device runs it (compiled CLI on plain node; run
 * `npm run build:ts` first), killed with SIGKILL mid-run and started again until it finishes.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { readOutbox, runWithKills, seededRandom } from '../../src/testing/index.js';
import { SEED } from '../seed.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');

/**
 * Hot readings go to the outbox (WriteToMqtt, to a broker that is not there, so every output
 * stays in the outbox to be compared) and to the CSV file `out`; one row in 1000 is printed, so
 * that the kills land between steps spread over the file.
 */
function pipelineYaml(csv: string, out: string): string {
  return `pipeline:
  transforms:
    - type: ReadFromCsv
      name: Read
      config: { path: ${JSON.stringify(csv)} }
    - type: Filter
      name: Hot
      input: Read
      config: { language: javascript, keep: "temp > 20" }
    - type: WriteToMqtt
      input: Hot
      config:
        connection_configuration: { server_uri: "tcp://127.0.0.1:1", topic: "alerts/{sensor}", client_id: runnel-file-durable-test }
    - type: WriteToCsv
      input: Hot
      config: { path: ${JSON.stringify(out)} }
    - type: Filter
      name: Tick
      input: Read
      config: { language: javascript, keep: "n % 1000 == 0" }
    - type: LogForTesting
      input: Tick
`;
}

function deadLetterCount(path: string): number {
  const store = Store.open(path);
  try {
    return (store.db.prepare('SELECT count(*) AS n FROM dead_letters').get() as { n: number }).n;
  } finally {
    store.close();
  }
}

describe('runnel run <csv pipeline> --db', () => {
  it(`killed with SIGKILL mid-run and started again, writes the outbox, dead letters and CSV file of an uncrashed run (seed ${SEED})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-run-file-durable-'));
    const random = seededRandom(SEED);
    const rows = ['sensor,n,temp'];
    for (let n = 1; n <= 30_000; n++) {
      if (n % 997 === 0)
        rows.push(`s${n % 7},${n}`); // a field short: a dead letter
      else if (n % 1499 === 0)
        rows.push(`s${n % 7},${n},"25\n"`); // a quoted value over two lines
      else rows.push(`s${n % 7},${n},${Math.round(random() * 400) / 10}`);
    }
    const csv = join(dir, 'readings.csv');
    writeFileSync(csv, `${rows.join('\n')}\n`);
    const referenceYaml = join(dir, 'reference.yaml');
    writeFileSync(referenceYaml, pipelineYaml(csv, join(dir, 'reference-hot.csv')));
    const yaml = join(dir, 'hot.yaml');
    writeFileSync(yaml, pipelineYaml(csv, join(dir, 'hot.csv')));

    const referenceDb = join(dir, 'reference.db');
    await exec('node', [CLI, 'run', referenceYaml, '--db', referenceDb, '--quiet']);
    const reference = readOutbox(referenceDb);
    expect(reference.length).toBeGreaterThan(10_000);

    const db = join(dir, 'killed.db');
    const { kills } = await runWithKills({ command: process.execPath, args: [CLI, 'run', yaml, '--db', db, '--quiet'], random, maxStepsPerLife: 10 });
    // The CSV sink's file too: cut back to its committed length at each restart, byte for byte an uncrashed run's.
    const written = readFileSync(join(dir, 'hot.csv'), 'utf8');
    expect(written.split('\n').length).toBe(reference.length + 2); // the header, a row per output, the last newline
    expect(written).toBe(readFileSync(join(dir, 'reference-hot.csv'), 'utf8'));
    expect(kills, `${kills} kills`).toBeGreaterThanOrEqual(2);
    const outbox = readOutbox(db);
    expect(new Set(outbox.map((r) => r.outputId)).size).toBe(outbox.length);
    expect(outbox).toEqual(reference);
    expect(deadLetterCount(db)).toBe(deadLetterCount(referenceDb));
    expect(deadLetterCount(db)).toBeGreaterThanOrEqual(30);
  }, 300_000);
});
