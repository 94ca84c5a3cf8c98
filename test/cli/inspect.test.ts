import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GLOBAL_WINDOW, NO_FIRING, Store } from '../../src/index.js';
import { StepLog } from '../../src/store/step-log.js';
import { Inbox } from '../../src/store/inbox.js';
import { openForInspect, type StoreReport } from '../../src/store/inspect.js';
import { seededRandom } from '../../src/testing/index.js';
import { SEED } from '../seed.js';

const run = promisify(execFile);
// The CLI as a device runs it: compiled JS on plain node (npm test builds dist/ first).
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
/** Reasons of rows from before codes (schema 3), grouped by reason; and codes with reasons that vary, grouped by code. */
const REASONS = ['payload is not valid JSON', 'field "temp" is not a number', 'temperature out of range'];
const CODED = {
  BAD_JSON: (i: number) => `json payload rejected: payload is not valid JSON (Unexpected token '${i}', "{${i}" is not valid JSON)`,
  LATE: (i: number) => `late: window [${i}, ${i + 60_000}) is closed`,
};

interface Expected {
  inbox: Map<string, { rows: number; bytes: number; oldest: number }>;
  deadLetters: Map<string, number>;
  outbox: Map<string, number>;
}

/** Fills a database with random figures, counting them on the side as the reference. */
function fill(path: string, random: () => number, now: number): Expected {
  const store = Store.open(path);
  const expected: Expected = { inbox: new Map(), deadLetters: new Map(), outbox: new Map() };
  for (const source of ['line1', 'line2']) {
    const inbox = new Inbox(store, source);
    const n = 1 + Math.floor(random() * 300);
    let bytes = 0;
    const ages = Array.from({ length: n }, () => 1000 + Math.floor(random() * 3_600_000)).sort((a, b) => b - a);
    for (let i = 0; i < n; i++) {
      const topic = `sensors/d${i % 7}/temp`;
      const payload = Buffer.from(JSON.stringify({ t: random() }));
      const arrivedAt = now - ages[i]!; // in arrival order, as MQTT ingest appends them
      bytes += payload.byteLength + topic.length;
      inbox.append([{ topic, payload, qos: 1, arrivedAt, eventTime: arrivedAt }]);
    }
    expected.inbox.set(source, { rows: n, bytes, oldest: now - ages[0]! });
  }
  const deadLetter = store.db.prepare('INSERT INTO dead_letters (stage, reason, code, payload, at) VALUES (?, ?, ?, ?, ?)');
  for (let i = 0, n = 50 + Math.floor(random() * 200); i < n; i++) {
    const stage = random() < 0.5 ? 'line1' : 'parse';
    const code = random() < 0.5 ? undefined : random() < 0.5 ? 'BAD_JSON' : 'LATE';
    const reason = code === undefined ? REASONS[Math.floor(random() * REASONS.length)]! : CODED[code](i);
    deadLetter.run(stage, reason, code ?? null, '"x"', now - 10);
    const key = `${stage}|${code ?? '-'}|${code === undefined ? reason : ''}`;
    expected.deadLetters.set(key, (expected.deadLetters.get(key) ?? 0) + 1);
  }
  const steps = new StepLog(store);
  steps.load();
  for (const stage of ['alerts', 'summary']) {
    const n = Math.floor(random() * 40);
    steps.commit({
      sources: [{ name: 'mqtt', checkpoint: { afterId: n } }],
      state: [],
      deadLetters: [],
      outbox: Array.from({ length: n }, (_, i) => ({ stage, value: i, timestamp: i, window: GLOBAL_WINDOW, pane: NO_FIRING })),
    });
    if (n > 0) expected.outbox.set(stage, n);
  }
  store.close();
  return expected;
}

describe('runnel inspect', () => {
  it(`reports the figures of a database it is given (seed ${SEED})`, async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'runnel-inspect-')), 'runnel.db');
    const now = Date.now();
    const want = fill(path, seededRandom(SEED), now);
    const { stdout } = await run('node', [CLI, 'inspect', path, '--json']);
    const report = JSON.parse(stdout) as StoreReport;
    // Inbox ages are measured when inspect runs: at least the age at fill time, at most a minute more.
    for (const s of report.inbox) {
      const w = want.inbox.get(s.source)!;
      expect([s.rows, s.bytes]).toEqual([w.rows, w.bytes]);
      expect(s.oldestAgeMs! - (now - w.oldest)).toBeGreaterThanOrEqual(0);
      expect(s.oldestAgeMs! - (now - w.oldest)).toBeLessThan(60_000);
    }
    expect(report.inbox.map((s) => s.source)).toEqual(['line1', 'line2']);
    expect(report.deadLetters.total).toBe([...want.deadLetters.values()].reduce((a, b) => a + b, 0));
    expect(new Map(report.deadLetters.groups.map((g) => [`${g.stage}|${g.code ?? '-'}|${g.code === null ? g.reason : ''}`, g.count]))).toEqual(want.deadLetters);
    expect(report.deadLetters.groups.map((g) => g.count)).toEqual([...want.deadLetters.values()].sort((a, b) => b - a));
    expect(new Map(report.outbox.map((o) => [o.stage, o.rows]))).toEqual(want.outbox);
    expect(report.offsets).toEqual([expect.objectContaining({ source: 'mqtt', checkpoint: JSON.stringify({ afterId: [...want.outbox.values()].at(-1) ?? 0 }) })]);
    expect(report.committedSteps).toBe(2);

    const table = (await run('node', [CLI, 'inspect', path])).stdout;
    const total = [...want.inbox.values()].reduce((a, b) => a + b.rows, 0);
    expect(table).toContain(`Inbox: ${total.toLocaleString('en-US')} messages`);
    const line1 = table.split('\n').find((l) => l.startsWith('line1 '))!;
    expect(line1.split(/\s{2,}/).slice(0, 2)).toEqual(['line1', want.inbox.get('line1')!.rows.toLocaleString('en-US')]);
    for (const [key, count] of want.deadLetters) {
      const [stage, code, reason] = key.split('|');
      const example = reason === '' ? '\\S' : reason!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); // a coded group shows one of its reasons
      expect(table).toMatch(new RegExp(`^\\s*${count}  ${stage}\\s+${code}\\s+.+ ago  ${example}`, 'm'));
    }
  });

  it('says when the file is not there, and has --help', async () => {
    await expect(run('node', [CLI, 'inspect', '/nonexistent/runnel.db'])).rejects.toMatchObject({
      code: 1,
      stderr: 'runnel inspect: no database at /nonexistent/runnel.db (the folder /nonexistent does not exist). (STORE_CANNOT_OPEN)\n',
    });
    expect((await run('node', [CLI, 'inspect', '--help'])).stdout).toMatch(/dead letters\s+rejected input grouped by stage and code/);
    expect((await run('node', [CLI, '--help'])).stdout).toMatch(/inspect\s+summarise a Runnel database/);
  });

  it('given a folder, says it is one and names the database inside (it said "disk I/O error")', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'runnel-inspect-'));
    await expect(run('node', [CLI, 'inspect', folder])).rejects.toMatchObject({
      code: 1,
      stderr: `runnel inspect: ${folder} is a folder, not a database file: give the path of the database file (runnel demo keeps it at <dir>/runnel.db); ${folder} holds none. (STORE_CANNOT_OPEN)\n`,
    });
    Store.open(join(folder, 'runnel.db')).close();
    await expect(run('node', [CLI, 'inspect', folder])).rejects.toMatchObject({
      stderr: `runnel inspect: ${folder} is a folder, not a database file: the database inside it is ${join(folder, 'runnel.db')}. (STORE_CANNOT_OPEN)\n`,
    });
  });

  it('refuses a file that is not a database and a damaged one, saying which and what to do', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-inspect-'));
    const text = join(dir, 'notes.db');
    writeFileSync(text, 'not a database\n'.repeat(200));
    expect(() => openForInspect(text)).toThrow(
      expect.objectContaining({ code: 'STORE_NOT_A_DATABASE', message: expect.stringMatching(`^${text} is not a Runnel database`) as unknown }),
    );
    const damaged = join(dir, 'runnel.db');
    Store.open(damaged).close();
    const bytes = readFileSync(damaged);
    bytes.fill(0x5a, 100, bytes.readUInt16BE(16)); // the schema on page 1, after the 100-byte header
    writeFileSync(damaged, bytes);
    expect(() => openForInspect(damaged)).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT', message: expect.stringMatching(`^${damaged} is damaged`) as unknown }));
  });
});
