/**
 * Hostile payloads already in the inbox, processed by a durable pipeline in its own process as a
 * device runs it (compiled JS, a 256 MB heap cap as on the Pi Zero 2 W profile): deeply nested
 * JSON is refused by the shape limits instead of exhausting the heap; without the limits the
 * process dies of out-of-memory once and the next start reads the rows in flight one at a time
 * and gets through; a message that kills the process twice is quarantined as a dead letter.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { QUARANTINED } from '../../../src/io/mqtt/inbox-source.js';
import { Inbox } from '../../../src/store/inbox.js';
import { Store } from '../../../src/store/store.js';

const CHILD = join(import.meta.dirname, '..', '..', '..', 'dist', 'test', 'io', 'mqtt', 'fixtures', 'inbox-pipeline-child.js');

/** A database whose inbox `p` holds `payloads` in order. */
function inboxOf(payloads: readonly string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'runnel-poison-')), 'runnel.db');
  const store = Store.open(path);
  new Inbox(store, 'p').append(payloads.map((p, i) => ({ topic: 'p/x', payload: Buffer.from(p), qos: 1 as const, arrivedAt: i, eventTime: i })));
  store.close();
  return path;
}

/** Starts the pipeline process until it exits 0 (at most `lives` times); the exit codes and signals of each life. */
function runUntilDone(path: string, expected: number, mode = 'default', lives = 5): string[] {
  const exits: string[] = [];
  for (let life = 0; life < lives; life++) {
    const r = spawnSync(process.execPath, ['--max-old-space-size=256', CHILD, path, String(expected), mode], { encoding: 'utf8', timeout: 60_000 });
    exits.push(r.signal ?? String(r.status));
    if (r.status === 0) break;
  }
  return exits;
}

function results(path: string): { outputs: number[]; reasons: string[] } {
  const store = Store.open(path);
  const outputs = (store.db.prepare('SELECT payload FROM outbox ORDER BY id').all() as { payload: string }[]).map((r) => (JSON.parse(r.payload) as { i: number }).i);
  const reasons = (store.db.prepare('SELECT reason FROM dead_letters ORDER BY id').all() as { reason: string }[]).map((r) => r.reason);
  store.close();
  return { outputs, reasons };
}

const reading = (i: number): string => JSON.stringify({ i, temp: 20 + (i % 7) });
/** ~220 KB of nested arrays: 6 MiB of heap once parsed. */
const nested = (i: number): string => `{"i":${i},"x":${'['.repeat(110_000)}${']'.repeat(110_000)}}`;
const mixed = Array.from({ length: 320 }, (_, i) => (i % 8 < 3 ? nested(i) : reading(i)));
const readings = mixed.flatMap((p, i) => (p.length < 100 ? [i] : []));

it('120 nested-JSON readings under a 256 MB heap: refused by the shape limits, the rest processed, no crash', { timeout: 120_000 }, () => {
  const path = inboxOf(mixed);
  expect(runUntilDone(path, mixed.length)).toEqual(['0']);
  const { outputs, reasons } = results(path);
  expect(outputs).toEqual(readings);
  expect(reasons).toHaveLength(120);
  for (const r of reasons) expect(r).toBe('json payload rejected: JSON nested deeper than maxDepth (64)');
});

it('without the limits the process dies of out-of-memory once; the next start reads the rows in flight one by one and finishes', { timeout: 120_000 }, () => {
  const path = inboxOf(mixed);
  const exits = runUntilDone(path, mixed.length, 'nolimits');
  expect(exits.length).toBe(2);
  expect(exits[0]).not.toBe('0');
  expect(exits[1]).toBe('0');
  const { outputs, reasons } = results(path);
  expect(outputs).toEqual(readings);
  // Alone, each nested record parses; the map's JSON.stringify overflows the stack: a dead letter each.
  expect(reasons).toHaveLength(120);
  for (const r of reasons) expect(r).toMatch(/Maximum call stack size exceeded/);
});

it('a message that kills the process twice is quarantined as a dead letter; every other message is processed exactly once', { timeout: 120_000 }, () => {
  const payloads = Array.from({ length: 50 }, (_, i) => (i === 17 ? JSON.stringify({ i, poison: true }) : reading(i)));
  const path = inboxOf(payloads);
  const exits = runUntilDone(path, 50);
  expect(exits).toEqual(['SIGABRT', 'SIGABRT', '0']);
  const { outputs, reasons } = results(path);
  expect(reasons).toEqual([QUARANTINED]);
  expect(outputs).toEqual(Array.from({ length: 50 }, (_, i) => i).filter((i) => i !== 17));
});
