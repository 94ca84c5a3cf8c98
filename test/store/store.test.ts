import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/index.js';
import { decodeJson, encodeJson } from '../../src/store/json-codec.js';
import { seededRandom } from '../../src/ml/evaluate/split.js';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { SEED } from '../seed.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'runnel-store-')), 'runnel.db');

describe('Store', () => {
  it('creates the schema once, in WAL mode, with the chosen synchronous level', () => {
    const path = tempDb();
    const store = Store.open(path, { synchronous: 'FULL' });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    const tables = (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['dead_letters', 'meta', 'offsets', 'outbox', 'state']));
    store.db.prepare("INSERT INTO meta (key, value) VALUES ('x', '1')").run();
    store.close();
    const again = Store.open(path);
    expect(again.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL, the default
    expect(again.db.prepare("SELECT value FROM meta WHERE key = 'x'").get()).toEqual({ value: '1' });
    again.close();
  });

  it('refuses a database from a newer Runnel, saying what to do', () => {
    const path = tempDb();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => Store.open(path)).toThrow(
      `was written by a newer Runnel (schema version 99; this Runnel knows up to ${SCHEMA_VERSION}). Upgrade Runnel, or point it at another database file.`,
    );
  });

  it('rejects an unknown synchronous level', () => {
    expect(() => Store.open(tempDb(), { synchronous: 'OFF' as never })).toThrow('synchronous must be "NORMAL" or "FULL", got "OFF"');
  });
});

describe('JSON codec', () => {
  it('round-trips values plain JSON loses', () => {
    const value = { a: NaN, b: [Infinity, -Infinity, 1.5], c: 'NaN', d: { $num: 'x', other: 1 }, e: null };
    const back = decodeJson(encodeJson(value)) as typeof value;
    expect(back.a).toBeNaN();
    expect(back.b).toEqual([Infinity, -Infinity, 1.5]);
    expect(encodeJson({ n: 1, s: 'x' })).toBe('{"n":1,"s":"x"}');
    expect(back.c).toBe('NaN');
    expect(back.d).toEqual({ $num: 'x', other: 1 });
    expect(back.e).toBeNull();
  });

  it(`decodes like the exact reviver path, with or without $num and \\u escapes (seed ${SEED})`, () => {
    const random = seededRandom(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const leaf = (): unknown =>
      pick([() => random() * 200 - 100, () => pick([NaN, Infinity, -Infinity]), () => pick(['a', '$num', 'é\u0000', '"$num"']), () => null, () => true])();
    const value = (depth: number): unknown => {
      if (depth > 2 || random() < 0.4) return leaf();
      if (random() < 0.3) return Array.from({ length: 3 }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: 3 }, (_, i) => [pick(['k', '$num', 'x\u0001']) + i, value(depth + 1)]));
    };
    const exact = (text: string): unknown =>
      JSON.parse(text, (_k, v: unknown) =>
        v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && '$num' in v ? Number((v as { $num: string }).$num) : v,
      );
    for (let i = 0; i < 500; i++) {
      const text = encodeJson(value(0));
      expect(decodeJson(text)).toEqual(exact(text));
    }
    // A "$num" key spelled with escapes is still revived.
    expect(decodeJson('{"a":{"\\u0024num":"NaN"}}')).toEqual({ a: NaN });
    expect(decodeJson('{"a":{"$n\\u0075m":"-Infinity"}}')).toEqual({ a: -Infinity });
  });
});
