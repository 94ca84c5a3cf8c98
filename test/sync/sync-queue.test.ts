/**
 * The sync queue against a real S3 server (s3rver on 127.0.0.1) that is stopped and started
 * again, on a virtual clock: pushes and pulls made while it is down stay queued and back off
 * (1 s, 2 s, 4 s), then complete when it returns, with nothing duplicated; an upload cut in the
 * middle is retried whole; a push whose answer
 * was lost after the bucket took it, and a restart in the middle of the queue, make no second
 * version; a pulled version is handed over once, and a tampered newer one is refused while the
 * old one stays; scheduled pulls; device reports and fleet documents queued while offline; a
 * schema-6 queue migrated to 7 keeps its jobs.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { VirtualClock } from '../../src/core/clock.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { deviceReport } from '../../src/sync/device-report.js';
import { collectDocuments, DirectoryDocuments } from '../../src/sync/fleet-documents.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';
import type { ModelRegistry, PulledModel } from '../../src/sync/registry.js';
import { S3Registry } from '../../src/sync/s3-registry.js';
import { SyncQueue, type SyncQueueOptions } from '../../src/sync/sync-queue.js';
import { seededRandom } from '../../src/testing/random.js';
import { SEED } from '../seed.js';
import { startS3rver, type TestS3 } from '../support/s3rver.js';
import { until } from '../support/until.js';
import { details, flipOne } from './registry-contract.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.stop();
});

describe(`SyncQueue with S3 going away and coming back (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const blob = (): Uint8Array => Uint8Array.from({ length: 200 + Math.floor(random() * 2000) }, () => Math.floor(random() * 256));
  const temp = (): string => mkdtempSync(join(tmpdir(), 'runnel-sync-'));
  const keys = generateKeyPair(temp(), 'publisher');
  const signingKey = loadSigningKey(keys.privateKeyFile);
  const trust = loadTrustSet([keys.publicKeyFile]);
  let prefixes = 0;

  /** A device: its own database, a registry on the shared bucket prefix, a queue on `clock`. */
  const device = (prefix: string, clock: VirtualClock, extra: Partial<SyncQueueOptions> = {}, dbPath = join(temp(), 'runnel.db')) => {
    const store = Store.open(dbPath);
    const registry = new S3Registry({ ...s3.location, prefix }, { signingKey, trust });
    const models: PulledModel[] = [];
    const log: string[] = [];
    const queue = new SyncQueue(store, {
      remote: registry,
      clock,
      random: () => 0, // no jitter: delays of exactly 1 s, 2 s, 4 s, …
      onModel: (m) => models.push(m),
      log: (line) => log.push(line),
      ...extra,
    });
    return { store, registry, queue, models, log, dbPath };
  };

  it('a push and a pull while S3 is down are queued and back off; both complete when it returns; one version, handed over once', async () => {
    const prefix = `q${++prefixes}`;
    const clock = new VirtualClock(1_000_000);
    const a = device(prefix, clock);
    const b = device(prefix, clock);
    const bytes = blob();
    await s3.pause();
    try {
      a.queue.push('temp', bytes, details(0));
      b.queue.pull('temp');
      for (const [i, delay] of [1000, 2000, 4000].entries()) {
        expect(await a.queue.runDue()).toEqual({ done: 0, failed: 1, waiting: 1 });
        expect(await b.queue.runDue()).toEqual({ done: 0, failed: 1, waiting: 1 });
        const [row] = a.queue.waiting();
        expect(row).toMatchObject({ kind: 'push', name: 'temp', attempts: i + 1, dueAt: clock.now() + delay });
        expect(row!.lastError).toMatch(new RegExp(`at ${s3.endpoint} failed: no answer`));
        clock.advance(delay - 1);
        expect(await a.queue.runDue()).toEqual({ done: 0, failed: 0, waiting: 1 }); // not due yet
        clock.advance(1);
      }
      expect(a.log.at(-1)).toMatch(/^sync: push of temp failed \(attempt 3; next in 4 s, kept in the queue\): S3 registry: listing/);
    } finally {
      await s3.resume();
    }
    expect(await a.queue.runDue()).toEqual({ done: 1, failed: 0, waiting: 0 });
    expect(await b.queue.runDue()).toEqual({ done: 1, failed: 0, waiting: 0 });
    expect((await a.registry.list('temp')).map((m) => m.version)).toEqual([1]);
    expect(b.models.map((m) => [m.manifest.version, m.bytes])).toEqual([[1, bytes]]);
    expect(b.queue.known('temp')).toMatchObject({ version: 1 });
    b.queue.pull('temp'); // the same version again: not handed over twice
    expect(await b.queue.runDue()).toEqual({ done: 1, failed: 0, waiting: 0 });
    expect(b.models.length).toBe(1);
    a.store.close();
    b.store.close();
  });

  it('S3 stopping in the middle of an upload fails the push, which completes once it is back: one whole version', async () => {
    const prefix = `q${++prefixes}`;
    const clock = new VirtualClock(0);
    let chunks = 0;
    // The upload cap's pauses are the hook: the server goes away while the model is half sent.
    const sleep = async (): Promise<void> => {
      if (++chunks === 5) await s3.pause();
    };
    const registry = new S3Registry({ ...s3.location, prefix }, { signingKey, trust, uploadBytesPerSecond: 1000, sleep });
    const a = device(prefix, clock, { remote: registry });
    const bytes = Uint8Array.from({ length: 2000 }, () => Math.floor(random() * 256));
    a.queue.push('temp', bytes, details(0));
    try {
      expect(await a.queue.runDue()).toEqual({ done: 0, failed: 1, waiting: 1 });
      expect(a.log.at(-1)).toMatch(/^sync: push of temp failed \(attempt 1; .*S3 registry: writing s3:\/\/[^ ]*\/models\/temp\/1\//);
    } finally {
      await s3.resume();
    }
    clock.advance(1000);
    expect(await a.queue.runDue()).toEqual({ done: 1, failed: 0, waiting: 0 });
    const b = device(prefix, clock);
    b.queue.pull('temp');
    await b.queue.runDue();
    expect(b.models.map((m) => [m.manifest.version, m.bytes])).toEqual([[1, bytes]]);
    expect((await registry.list('temp')).map((m) => m.version)).toEqual([1]);
    a.store.close();
    b.store.close();
  });

  it('a push whose answer was lost after the bucket took it makes no second version when retried', async () => {
    const prefix = `q${++prefixes}`;
    const clock = new VirtualClock(0);
    const registry = new S3Registry({ ...s3.location, prefix }, { signingKey, trust });
    let lose = 1;
    const lossy: ModelRegistry = {
      pull: (name) => registry.pull(name),
      list: (name) => registry.list(name),
      async push(name, bytes, d) {
        const manifest = await registry.push(name, bytes, d);
        if (lose-- > 0) throw new Error('socket hang up (the answer was lost)');
        return manifest;
      },
    };
    const pushed: number[] = [];
    const a = device(prefix, clock, { remote: lossy, onPushed: (m) => pushed.push(m.version) });
    a.queue.push('temp', blob(), details(0));
    expect(await a.queue.runDue()).toMatchObject({ done: 0, failed: 1 });
    clock.advance(1000);
    expect(await a.queue.runDue()).toMatchObject({ done: 1, failed: 0, waiting: 0 });
    expect((await registry.list('temp')).map((m) => m.version)).toEqual([1]);
    expect(pushed).toEqual([1]);
    a.store.close();
  });

  it('a restart in the middle of the queue resumes it: jobs kept in the database, a push the bucket took before the crash not made twice', async () => {
    const prefix = `q${++prefixes}`;
    const clock = new VirtualClock(0);
    const registry = new S3Registry({ ...s3.location, prefix }, { signingKey, trust });
    // The process dies while the first push is in flight, after the bucket stored it.
    let stored!: () => void;
    const storedFirst = new Promise<void>((resolve) => (stored = resolve));
    const dying: ModelRegistry = {
      pull: (name) => registry.pull(name),
      list: (name) => registry.list(name),
      async push(name, bytes, d) {
        await registry.push(name, bytes, d);
        stored();
        return new Promise(() => undefined); // never answers: the process is gone
      },
    };
    const first = device(prefix, clock, { remote: dying });
    const blobs = [blob(), blob(), blob()];
    for (const [i, bytes] of blobs.entries()) first.queue.push('temp', bytes, details(i));
    first.queue.pull('other');
    void first.queue.runDue();
    await storedFirst;
    first.store.close();

    const again = device(prefix, clock, {}, first.dbPath);
    expect(again.queue.waiting().map((j) => [j.kind, j.name, j.attempts])).toEqual([
      ['push', 'temp', 1], // interrupted: counted, and due after its backoff
      ['push', 'temp', 0],
      ['push', 'temp', 0],
      ['pull', 'other', 0],
    ]);
    expect(await again.queue.runDue()).toEqual({ done: 3, failed: 0, waiting: 1 });
    clock.advance(1000);
    expect(await again.queue.runDue()).toEqual({ done: 1, failed: 0, waiting: 0 });
    const versions = await registry.list('temp');
    expect(versions.map((m) => [m.version, m.metrics])).toEqual([
      [1, details(0).metrics], // made by the attempt the crash interrupted, found by its push id
      [2, details(1).metrics],
      [3, details(2).metrics],
    ]);
    expect(again.queue.known('temp')).toMatchObject({ version: 3 });
    again.store.close();
  });

  it('a tampered newer version is refused and logged; the version handed over before stays the one this device has', async () => {
    const prefix = `q${++prefixes}`;
    const clock = new VirtualClock(0);
    const a = device(prefix, clock);
    const b = device(prefix, clock);
    a.queue.push('temp', blob(), details(0));
    a.queue.push('temp', blob(), details(1));
    await a.queue.runDue();
    const key = `${prefix}/models/temp/2/model.onnx`;
    const model = await (await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))).Body!.transformToByteArray();
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: flipOne(model, random) }));
    b.queue.pull('temp');
    expect(await b.queue.runDue()).toEqual({ done: 1, failed: 0, waiting: 0 });
    expect(b.models.map((m) => m.manifest.version)).toEqual([1]);
    expect(b.log[0]).toMatch(new RegExp(`^registry: refused temp v2 \\(hash-mismatch\\): s3://${s3.bucket}/${key}: does not match its manifest`));
    a.store.close();
    b.store.close();
  });

  it('a version the device took another way (have) is not handed over by a pull; a newer one is', async () => {
    const prefix = `q${++prefixes}`;
    const clock = new VirtualClock(0);
    const a = device(prefix, clock);
    const b = device(prefix, clock);
    const first = await a.registry.push('temp', blob(), details(0));
    b.queue.have('temp', first);
    expect(b.queue.known('temp')).toEqual({ version: 1, sha256: first.sha256 });
    b.queue.pull('temp');
    expect(await b.queue.runDue()).toEqual({ done: 1, failed: 0, waiting: 0 });
    expect(b.models).toEqual([]);
    await a.registry.push('temp', blob(), details(1));
    b.queue.pull('temp');
    await b.queue.runDue();
    expect(b.models.map((m) => m.manifest.version)).toEqual([2]);
    a.store.close();
    b.store.close();
  });

  it('pulls on a schedule on the clock, and queues a device report (versions, metrics, sample counts) while offline until S3 is back', async () => {
    const prefix = `q${++prefixes}`;
    const clock = new VirtualClock(0);
    const a = device(prefix, clock);
    const b = device(prefix, clock, { pullEvery: { models: ['temp'], everyMs: 60_000 } });
    await b.queue.tick(); // the first tick pulls at once: nothing there yet
    a.queue.push('temp', blob(), details(0));
    await a.queue.runDue();
    clock.advance(59_999);
    await b.queue.tick();
    expect(b.models).toEqual([]);
    clock.advance(1);
    await b.queue.tick();
    expect(b.models.map((m) => m.manifest.version)).toEqual([1]);
    // start() ticks on real timers: its first tick pulls at once.
    const c = device(prefix, clock, { pullEvery: { models: ['temp'], everyMs: 60_000 } });
    const stop = c.queue.start(20);
    await until(() => c.models.length === 1, 'the started queue to pull version 1');
    stop();
    c.store.close();

    await s3.pause();
    const report = (samples: number) => deviceReport('pi-1', [b.models[0]!.manifest], { temp: samples }, clock.now());
    try {
      b.queue.report(report(40));
      b.queue.report(report(41)); // replaces the waiting one
      expect(await b.queue.runDue()).toMatchObject({ failed: 1, waiting: 1 });
    } finally {
      await s3.resume();
    }
    clock.advance(1000);
    expect(await b.queue.runDue()).toEqual({ done: 1, failed: 0, waiting: 0 });
    const stored = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/devices/pi-1/report.json` }));
    const m = b.models[0]!.manifest;
    expect(JSON.parse(await stored.Body!.transformToString())).toEqual({
      deviceId: 'pi-1',
      at: new Date(60_000).toISOString(),
      models: [{ name: 'temp', version: 1, sha256: m.sha256, createdAt: m.createdAt, metrics: m.metrics }],
      samples: { temp: 41 },
    });
    const noReports: ModelRegistry = { push: (...args) => a.registry.push(...args), pull: (name) => a.registry.pull(name), list: (name) => a.registry.list(name) };
    expect(() => new SyncQueue(a.store, { remote: noReports }).report(report(1))).toThrow(/takes no device reports/);
    a.store.close();
    b.store.close();
  });

  it('queues fleet documents while S3 is down (a newer one replacing the waiting one) and publishes the newest, signed, once it is back', async () => {
    const prefix = `q${++prefixes}`;
    const clock = new VirtualClock(0);
    const deviceKeys = generateKeyPair(temp(), 'pi-9');
    const registry = new S3Registry({ ...s3.location, prefix }, { signingKey, trust });
    const a = device(prefix, clock, { documents: { storage: registry.objects, key: loadSigningKey(deviceKeys.privateKeyFile) } });
    await s3.pause();
    try {
      a.queue.publishDocument('temp', 'pi-9', { rows: 1 });
      a.queue.publishDocument('temp', 'pi-9', { rows: 2 });
      expect(await a.queue.runDue()).toMatchObject({ done: 0, failed: 1, waiting: 1 });
    } finally {
      await s3.resume();
    }
    clock.advance(1000);
    expect(await a.queue.runDue()).toEqual({ done: 1, failed: 0, waiting: 0 });
    const { accepted, leftOut } = await collectDocuments(registry.objects, 'temp', loadTrustSet([deviceKeys.publicKeyFile]));
    expect(leftOut).toEqual([]);
    expect(accepted).toMatchObject([{ model: 'temp', device: 'pi-9', body: { rows: 2 } }]);
    expect(() => new SyncQueue(a.store, { remote: registry }).publishDocument('temp', 'pi-9', {})).toThrow(/no documents option/);
    a.store.close();
  });

  it('a database of schema 6 with waiting jobs keeps them through migration 7, which also takes fleet documents', () => {
    const path = join(temp(), 'v6.db');
    const v6 = new Database(path);
    for (const m of MIGRATIONS.filter((m) => m.version <= 6)) v6.exec(m.sql);
    v6.pragma('user_version = 6');
    v6.prepare("INSERT INTO sync_queue (kind, name, body, details, attempts, due_at, created_at) VALUES ('report', 'pi-1', x'7b7d', NULL, 2, 5000, 1000)").run();
    v6.close();
    const store = Store.open(path);
    const queue = new SyncQueue(store, { remote: new S3Registry({ ...s3.location, prefix: 'unused' }), documents: { storage: new DirectoryDocuments(temp()) } });
    expect(queue.waiting()).toMatchObject([{ kind: 'report', name: 'pi-1', attempts: 2, dueAt: 5000, createdAt: 1000 }]);
    queue.publishDocument('temp', 'pi-1', { rows: 3 });
    expect(queue.waiting().map((j) => j.kind)).toEqual(['report', 'document']);
    store.close();
  });
});
