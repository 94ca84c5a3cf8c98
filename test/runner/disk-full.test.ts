/**
 * A full disk pauses the whole durable job instead of killing it: the store lives on a small
 * tmpfs made by the test (as root; where mounting is refused, a real SQLITE_FULL from
 * `PRAGMA max_page_count` on the same database stands in, and the test says which ran). A
 * windowed pipeline fills the disk with a ballast file after its 5th step; its next step commit
 * fails with SQLITE_FULL. The run must wait (not fail), the embedded broker on the same database
 * must stop acknowledging, one log line must name the database and the free space; once the
 * ballast is deleted the run must resume by itself, and its outputs must equal those of a run
 * that never saw a full disk, bit for bit, in a database that passes `PRAGMA integrity_check`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Bundle,
  MAX_TIMESTAMP,
  MIN_TIMESTAMP,
  Pipeline,
  RunnelError,
  Store,
  fixedWindows,
  kv,
  read,
  run,
  sum,
  writeOutbox,
  type PipelineResult,
  type Source,
} from '../../src/index.js';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../src/io/mqtt/embedded-broker.js';
import { eventStream, readOutbox, seededRandom, timestamped } from '../../src/testing/index.js';
import { SEED } from '../seed.js';
import { fullDisk, until, type FullDisk } from '../store/fixtures/full-disk.js';

const TMPFS_MIB = 16;
const FILL_AFTER_STEP = 5;

/** 30,000 readings of 500 keys over 15 ten-second windows: each step changes hundreds of state rows. */
function buildPipeline(seed: number): Pipeline {
  const random = seededRandom(seed);
  const events = Array.from({ length: 30_000 }, (_, i) => timestamped(kv(`sensor-${Math.floor(random() * 500)}`, Math.round(random() * 1000) / 10), i * 5));
  const p = new Pipeline();
  p.apply(eventStream(events, { maxLateness: 0 }))
    .windowInto(fixedWindows(10_000))
    .combinePerKey(sum())
    .apply(writeOutbox());
  return p;
}

describe(`a full disk pauses a durable run (seed ${SEED})`, () => {
  const seed = SEED;
  let disk: FullDisk;
  let store: Store | undefined;
  let broker: EmbeddedBroker | undefined;
  let publisher: MqttClient | undefined;

  beforeAll(() => {
    disk = fullDisk(TMPFS_MIB);
    console.info(`disk-full test mode: ${disk.mode}`);
  });

  afterAll(async () => {
    try {
      if (store) disk.free(store);
      await publisher?.endAsync(true);
      await broker?.close();
      store?.close();
    } finally {
      disk.dispose();
    }
  });

  it('the run waits and the ingest stops acknowledging, one log line each way; freed space resumes it with the outputs of an undisturbed run', { timeout: 20_000 }, async () => {
    const referenceDir = mkdtempSync(join(tmpdir(), 'runnel-full-ref-'));
    const referenceStore = Store.open(join(referenceDir, 'runnel.db'));
    await run(buildPipeline(seed), { store: referenceStore, bundleSize: 1000 });
    referenceStore.close();
    const reference = readOutbox(join(referenceDir, 'runnel.db'));
    rmSync(referenceDir, { recursive: true });
    expect(reference.length).toBeGreaterThan(5000);

    const path = join(disk.dir, 'runnel.db');
    const opened = Store.open(path);
    store = opened;
    const brokerLog: string[] = [];
    broker = await startEmbeddedBroker({ store: opened, name: 'sensors', topics: 'sensors/#', port: 0, dedupe: 'content', retryMs: 50, log: (m) => brokerLog.push(m) });
    const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'disk-full-test' });
    publisher = client;
    await client.publishAsync('sensors/a', '{"n":1}', { qos: 1 });

    const log: string[] = [];
    let steps = 0;
    let settled: { result?: PipelineResult; error?: unknown } | undefined;
    const running = run(buildPipeline(seed), {
      store: opened,
      bundleSize: 1000,
      diskFullRetryMs: 20,
      log: (m) => log.push(m),
      onProgress: () => ++steps === FILL_AFTER_STEP && disk.fill(opened),
    }).then(
      (result) => (settled = { result }),
      (error: unknown) => (settled = { error }),
    );
    const committedStep = (): number => Number((opened.db.prepare("SELECT value FROM meta WHERE key = 'step'").get() as { value: string }).value);

    await until(() => log.length > 0 || settled !== undefined, 'the run to pause');
    expect(settled, `mode: ${disk.mode}`).toBeUndefined();
    const pausedAt = committedStep();
    expect(pausedAt).toBeGreaterThanOrEqual(FILL_AFTER_STEP);
    // A message published now is held unacknowledged: its commit hits the same full disk (100 kB
    // so that it needs new pages under a page limit too).
    let acknowledged = false;
    const held = client.publishAsync('sensors/b', JSON.stringify({ n: 2, pad: 'x'.repeat(100_000) }), { qos: 1 }).then(() => (acknowledged = true));
    await until(() => broker!.blocked, 'the ingest to stop acknowledging');
    await new Promise((resolve) => setTimeout(resolve, 500)); // many retries of the step meanwhile
    expect(settled).toBeUndefined();
    expect(acknowledged).toBe(false);
    expect(committedStep()).toBe(pausedAt);
    expect(log).toHaveLength(1);
    expect(log[0]).toContain(path);
    expect(log[0]).toMatch(/SQLITE_FULL while committing step \d+; [\d.]+ MiB free of [\d.]+ MiB in /);
    expect(log[0]).toMatch(/Free some space .*resumes by itself/);

    disk.free(opened);
    await running;
    expect(settled?.error).toBeUndefined();
    await held;
    expect(log).toHaveLength(2);
    expect(log[1]).toMatch(/resumed after [\d.]+ s: space is back/);
    const stopped = brokerLog.filter((m) => /stopped acknowledging/.test(m));
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toContain(`${path} is full (SQLITE_FULL), `);
    expect(stopped[0]).toMatch(/[\d.]+ MiB free of [\d.]+ MiB in /);
    expect(readOutbox(path)).toEqual(reference);
    expect(opened.db.pragma('integrity_check', { simple: true })).toBe('ok');
    const inbox = opened.db.prepare('SELECT topic FROM inbox ORDER BY id').pluck().all();
    expect(inbox).toEqual(['sensors/a', 'sensors/b']);
  });
});

/**
 * Numbers 0..99 in bundles of 10, as a store-backed source reads: whose reads write (the MQTT
 * inbox's do) and so can fail with `code` at its 3rd read, `failures` times (nothing read then).
 */
function failingSource(code: string, failures: number): Source<number> {
  let reads = 0;
  return {
    bounded: true,
    open: (_context, checkpoint) => {
      let next = (checkpoint as number | undefined) ?? 0;
      return {
        read() {
          if (++reads >= 3 && failures-- > 0) throw Object.assign(new Error(`simulated ${code}`), { code });
          const values = Array.from({ length: Math.min(10, 100 - next) }, (_, i) => next + i);
          next += values.length;
          return { bundle: Bundle.of(values), done: next === 100 };
        },
        watermark: () => (next === 100 ? MAX_TIMESTAMP : MIN_TIMESTAMP),
        checkpoint: () => next,
        close() {},
      };
    },
  };
}

describe('a full disk while a source reads', () => {
  async function runOn(source: Source<number>, log: string[], signal?: AbortSignal): Promise<string[]> {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-full-read-'));
    const store = Store.open(join(dir, 'runnel.db'));
    try {
      const p = new Pipeline();
      p.apply(read(source, 'numbers'))
        .map((n) => n * 2)
        .apply(writeOutbox());
      await run(p, { store, diskFullRetryMs: 5, log: (m) => log.push(m), ...(signal ? { signal } : {}) });
      return readOutbox(join(dir, 'runnel.db')).map((r) => `${r.outputId}=${r.payload}`);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it('SQLITE_FULL from a read: the run waits, reads again, and loses or repeats nothing', async () => {
    const log: string[] = [];
    const outputs = await runOn(failingSource('SQLITE_FULL', 4), log);
    expect(outputs).toEqual(await runOn(failingSource('SQLITE_FULL', 0), []));
    expect(outputs).toHaveLength(100);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatch(/paused: .*SQLITE_FULL while reading source "numbers"/);
    expect(log[1]).toMatch(/resumed/);
  });

  it('any other error from a read still fails the run, as SOURCE_FAILED', async () => {
    const failed = runOn(failingSource('SQLITE_IOERR', 1), []);
    await expect(failed).rejects.toBeInstanceOf(RunnelError);
    await expect(failed).rejects.toMatchObject({ code: 'SOURCE_FAILED', message: expect.stringContaining('simulated SQLITE_IOERR') as unknown });
  });

  it('stopped while it waits (Ctrl-C): the run fails with DISK_FULL, saying the step was not committed', async () => {
    const stop = new AbortController();
    const log: string[] = [];
    const failed = runOn(failingSource('SQLITE_FULL', Infinity), log, stop.signal);
    await until(() => log.length > 0, 'the pause');
    stop.abort();
    await expect(failed).rejects.toMatchObject({ code: 'DISK_FULL', message: expect.stringMatching(/was full: the last step was not committed/) as unknown });
  });
});
