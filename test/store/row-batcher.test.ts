import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { RowBatcher } from '../../src/store/row-batcher.js';

it('inserts every row added, in order, whatever the count (64-, 16-, 4- and 1-row statements)', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, batch INTEGER NOT NULL, n INTEGER NOT NULL)');
  const rows = new RowBatcher(db, 'INSERT INTO t (batch, n)', 2);
  for (let count = 0; count <= 150; count++) {
    for (let n = 0; n < count; n++) rows.add(count, n);
    rows.flush();
    const stored = db.prepare('SELECT n FROM t WHERE batch = ? ORDER BY id').pluck().all(count);
    expect(stored, `${count} rows`).toEqual(Array.from({ length: count }, (_, n) => n));
  }
});

it('discard forgets rows not flushed yet', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (n INTEGER NOT NULL)');
  const rows = new RowBatcher(db, 'INSERT INTO t (n)', 1);
  for (let n = 0; n < 70; n++) rows.add(n);
  rows.discard();
  rows.flush();
  expect(db.prepare('SELECT count(*) FROM t').pluck().get()).toBe(64);
});
