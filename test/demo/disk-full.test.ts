/**
 * The demo as a whole on a disk that fills up and is freed again: the job pauses (ingest stops
 * acknowledging, the pipeline waits, neither dies), says so once each, resumes by itself, and ends
 * normally with every reading the sensors sent accounted for, no window twice and a sound
 * database. Compiled CLI on plain node (`npm run build:ts` first) with its folder on a tmpfs the
 * test mounts; skipped, with the reason in its name, where mounting is refused (a page limit set
 * from the test cannot reach the demo's own connection).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { fullDisk, until } from '../store/fixtures/full-disk.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const disk = fullDisk(32);
console.info(`demo disk-full test mode: ${disk.mode}`);
const figure = (text: string, pattern: RegExp): number => Number(pattern.exec(text)?.[1]?.replace(/,/g, '') ?? NaN);

describe('runnel demo on a disk that fills up', () => {
  let kill: (() => void) | undefined;
  afterAll(() => {
    try {
      disk.free();
      kill?.();
    } finally {
      disk.dispose();
    }
  });

  it.skipIf(!disk.tmpfs)(
    `${disk.tmpfs ? '' : '(skipped: needs a tmpfs, and mounting one was not permitted) '}pauses while the disk is full and resumes when it is freed: nothing lost, no window twice`,
    { timeout: 40_000 },
    async () => {
      const child = spawn('node', [CLI, 'demo', '--duration', '14', '--sensors', '5', '--rate', '20', '--retrain-every', '60', '--dir', disk.dir], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      kill = () => child.kill('SIGKILL');
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      let exitCode: number | null | undefined;
      void exited.then((code) => (exitCode = code));

      await until(() => /messages committed|ingest\s+[1-9]/.test(out) || exitCode !== undefined, 'the demo to ingest');
      disk.fill();
      await until(() => /durable run paused/.test(out) || exitCode !== undefined, 'the pipeline to pause');
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(exitCode, out).toBeUndefined(); // paused, not dead
      expect(out).toMatch(/embedded broker "sensors": stopped acknowledging/);
      disk.free();
      await until(() => /durable run resumed/.test(out) || exitCode !== undefined, 'the pipeline to resume');
      expect(await exited, out).toBe(0);

      expect(out.match(/durable run paused/g)).toHaveLength(1);
      expect(out.match(/durable run resumed/g)).toHaveLength(1);
      const sent = figure(out, /([\d,]+) readings sent/);
      expect(figure(out, /([\d,]+) acknowledged by the broker after their commit/)).toBe(sent);
      const ingested = figure(out, /([\d,]+) messages committed to the inbox/);
      expect(ingested + figure(out, /not JSON (\d+)/) + figure(out, /no event time (\d+)/)).toBe(sent);
      const db = new Database(join(disk.dir, 'runnel.db'), { readonly: true });
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        // Every window of this one run became one training sample: none lost to the full disk, none stored twice.
        expect(db.prepare("SELECT count(*) AS n FROM samples WHERE model = 'next-window-temp'").get()).toEqual({ n: figure(out, /([\d,]+) windows;/) });
      } finally {
        db.close();
      }
    },
  );
});
