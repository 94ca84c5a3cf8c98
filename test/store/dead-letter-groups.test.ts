/**
 * Dead letters are grouped by stage and stable code: one cause is one group however much the
 * text of its reasons varies (V8 quotes the input in its JSON and property errors). Rows written
 * before codes (schema 3) keep a NULL code and are grouped by the kind of their reason.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { Pipeline, collect, create, readJsonl, run } from '../../src/index.js';
import { DeadLetterTable } from '../../src/store/dead-letters.js';
import { inspectStore } from '../../src/store/inspect.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { SEED } from '../seed.js';

function tempPath(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'runnel-groups-')), name);
}

/** Text that is not JSON, differently each time: V8's message quotes it. */
function junk(random: () => number): string {
  const alphabet = 'abcdefxyz0123456789{}[]":, ';
  const body = Array.from({ length: 3 + Math.floor(random() * 20) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  return `{"t":${body}!`;
}

describe('dead letters grouped by stage and code', () => {
  it(`puts hundreds of different V8 messages for one cause in one group (seed ${SEED})`, async () => {
    const random = seededRandom(SEED);
    const store = Store.open(tempPath('runnel.db'));
    try {
      // User code that throws on bad input: a durable run commits its dead letters with the step.
      const inputs = Array.from({ length: 300 }, () => junk(random));
      const p = new Pipeline();
      p.apply(create(inputs))
        .map((text: string) => JSON.parse(text) as unknown)
        .apply(collect());
      const durable = await run(p, { store });
      expect(durable.deadLetterCount).toBe(300);

      // A file reader's bad lines, written by the one writer as they happen.
      const file = tempPath('bad.jsonl');
      writeFileSync(file, Array.from({ length: 300 }, () => junk(random)).join('\n'));
      const letters = new DeadLetterTable(store);
      const r = new Pipeline();
      r.apply(readJsonl(file)).apply(collect());
      await run(r, { onDeadLetter: (d) => letters.add({ ...d, eventTime: d.timestamp }) });

      const reasons = store.db.prepare('SELECT DISTINCT reason FROM dead_letters').all();
      expect(reasons.length).toBeGreaterThan(400); // the line number alone makes the file's 300 differ
      const report = inspectStore(store.db);
      expect(report.deadLetters.total).toBe(600);
      expect(report.deadLetters.groups.map(({ stage, code, count }) => ({ stage, code, count }))).toEqual([
        { stage: 'map', code: 'USER_CODE', count: 300 },
        { stage: 'readJsonl', code: 'BAD_JSON', count: 300 },
      ]);
      // Each group shows its latest reason, whole.
      const latest = store.db.prepare("SELECT reason FROM dead_letters WHERE code = 'BAD_JSON' ORDER BY at DESC, id LIMIT 1").get() as { reason: string };
      expect(report.deadLetters.groups[1]!.reason).toBe(latest.reason);
    } finally {
      store.close();
    }
  });

  it('groups rows from before codes by the kind of their reason, before and after the migration to schema 4', () => {
    const path = tempPath('v3.db');
    const v3 = new Database(path);
    for (const m of MIGRATIONS.filter((m) => m.version <= 3)) v3.exec(m.sql);
    v3.pragma('user_version = 3');
    const insert = v3.prepare('INSERT INTO dead_letters (stage, reason, payload, at) VALUES (?, ?, ?, ?)');
    for (let i = 0; i < 150; i++) insert.run('readCsv', `line ${i + 2}: field "temp": "${i}x" is not a number`, '{}', 1000 + i);
    for (let i = 0; i < 50; i++) insert.run('parse', `Unexpected token '${String.fromCharCode(97 + (i % 26))}', "${'q'.repeat(30 + i)}" is not valid JSON`, '{}', 2000 + i);
    insert.run('readCsv', 'line 9: expected 3 fields (a, b, c), got 2', '{}', 3000);

    const before = inspectStore(v3);
    v3.close();
    expect(before.schemaVersion).toBe(3);
    expect(before.deadLetters.groups.map(({ stage, code, count }) => ({ stage, code, count }))).toEqual([
      { stage: 'readCsv', code: null, count: 150 },
      { stage: 'parse', code: null, count: 50 },
      { stage: 'readCsv', code: null, count: 1 },
    ]);
    expect(before.deadLetters.groups[0]!.reason).toBe('line 151: field "temp": "149x" is not a number');

    const store = Store.open(path); // migrates to schema 4 (and on to the newest): old rows keep a NULL code
    try {
      expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      new DeadLetterTable(store).add({ stage: 'readCsv', reason: 'line 2: field "temp": "0x10" is in hexadecimal notation', code: 'SCHEMA_TYPE', payload: {}, at: 4000 });
      const after = inspectStore(store.db);
      expect(after.deadLetters.total).toBe(202);
      expect(after.deadLetters.groups.map(({ stage, code, count }) => ({ stage, code, count }))).toEqual([
        { stage: 'readCsv', code: null, count: 150 },
        { stage: 'parse', code: null, count: 50 },
        { stage: 'readCsv', code: null, count: 1 },
        { stage: 'readCsv', code: 'SCHEMA_TYPE', count: 1 },
      ]);
    } finally {
      store.close();
    }
  });

  it('lists at most maxReasons groups, largest first', () => {
    const store = Store.open(':memory:');
    const letters = new DeadLetterTable(store);
    const codes = ['BAD_JSON', 'LATE', 'USER_CODE', 'SCHEMA_TYPE'] as const;
    codes.forEach((code, i) => {
      for (let k = 0; k <= i * 3; k++) letters.add({ stage: 's', reason: `r${k}`, code, payload: null, at: k });
    });
    const report = inspectStore(store.db, { maxReasons: 2 });
    expect(report.deadLetters.total).toBe(1 + 4 + 7 + 10);
    expect(report.deadLetters.groups).toEqual([
      { stage: 's', code: 'SCHEMA_TYPE', reason: 'r9', count: 10, lastAt: 9 },
      { stage: 's', code: 'USER_CODE', reason: 'r6', count: 7, lastAt: 6 },
    ]);
    store.close();
  });
});
