/**
 * The demo's models go through the sync queue to an S3 registry (s3rver on 127.0.0.1, named as
 * `--registry s3://…` names it, endpoint and credentials from AWS_*): started while the bucket
 * cannot be reached, it serves the baseline, queues each promoted version's push and retries it;
 * once the bucket is back every promotion is one version there (no duplicate, manifest with
 * metrics) with a device report. A version "another publisher" pushes, signed by a key the demo
 * trusts, is pulled, adopted and serves predictions. Each push is announced, retained, on the
 * demo's broker. A folder registry that cannot be created keeps the pushes in the database across
 * a restart; the next start, with the folder possible again, completes them.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoStatus } from '../../src/demo/job.js';
import { MODEL_NAME, MODEL_TENSORS, persistenceModel } from '../../src/demo/model.js';
import { generateKeyPair, loadSigningKey } from '../../src/sync/keys.js';
import { S3Registry } from '../../src/sync/s3-registry.js';
import { startS3rver, type TestS3 } from '../support/s3rver.js';

let s3: TestS3;
const saved = { ...process.env };
beforeAll(async () => {
  s3 = await startS3rver();
  Object.assign(process.env, { AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
});
afterAll(async () => {
  process.env = saved;
  await s3?.stop();
});

describe('demo: cloud sync through the sync queue', () => {
  it('pushes made while S3 is down complete when it returns (one version per promotion); a trusted publisher’s version is pulled and served', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-demo-sync-'));
    const publisherKeys = generateKeyPair(mkdtempSync(join(tmpdir(), 'runnel-publisher-')), 'publisher');
    mkdirSync(join(dir, 'keys'));
    copyFileSync(publisherKeys.publicKeyFile, join(dir, 'keys', 'publisher.pub')); // the demo trusts the publisher
    const publisher = new S3Registry({ ...s3.location, prefix: 'demo' }, { signingKey: loadSigningKey(publisherKeys.privateKeyFile) });
    const published: number[] = [];
    const publish = async (): Promise<void> => {
      const m = await publisher.push(MODEL_NAME, persistenceModel(), { ...MODEL_TENSORS, metrics: { rmse: 0.5 }, trainedOn: { samples: 100, from: 0, to: 1 } });
      published.push(m.version);
    };

    const events: string[] = [];
    const announced: { topic: string; payload: string }[] = [];
    let listener: Promise<MqttClient> | undefined;
    const onEvent = (line: string): void => {
      events.push(line);
      const broker = /^broker listening on (mqtt:\/\/\S+):/.exec(line)?.[1];
      if (broker)
        listener = mqtt.connectAsync(broker, { protocolVersion: 4 }).then(async (client) => {
          client.on('message', (topic, payload) => announced.push({ topic, payload: payload.toString() }));
          await client.subscribeAsync('runnel/demo/models/+', { qos: 1 });
          return client;
        });
    };
    let offline: DemoStatus | undefined;
    let phase: 'offline' | 'returning' | 'published' | 'served' = 'offline';
    let servedAt = Infinity;
    const stop = new AbortController();
    await s3.pause();
    const onStatus = (s: DemoStatus): void => {
      const push = s.sync.waiting.find((j) => j.kind === 'push');
      if (phase === 'offline' && s.promotions >= 1 && push && push.attempts >= 2) {
        offline = s;
        phase = 'returning';
        void s3.resume();
      } else if (phase === 'returning' && s.sync.waiting.length === 0 && s.sync.pushed.length > 0) {
        phase = 'published';
        void publish();
      } else if (phase === 'published') {
        const adopted = published.find((v) => events.some((e) => e.includes(`adopted: pulled from the registry: ${MODEL_NAME} v${v}, signed by key ${publisherKeys.keyId}`)));
        if (adopted !== undefined) {
          phase = 'served';
          servedAt = performance.now();
        } else if (published.length > 0 && Math.max(...s.sync.pushed) > Math.max(...published)) void publish(); // the demo pushed a newer one first: publish again
      } else if (phase === 'served' && performance.now() - servedAt > 2000) stop.abort();
    };
    const summary = await runDemo(
      {
        dir,
        registry: 's3://fleet/demo',
        sensors: 10,
        rate: 10,
        durationMs: 100_000,
        retrainEveryMs: 2000,
        pullEveryMs: 1000,
        publish: false,
        signal: stop.signal,
        statusEveryMs: 200,
      },
      { event: onEvent, status: onStatus },
    );
    await (await listener!).endAsync();
    expect(phase, events.join('\n')).toBe('served');

    // Offline: the start could not pull, so the baseline served; the promotion's push waited and failed with the endpoint named.
    expect(events).toContainEqual(expect.stringMatching(new RegExp(`^registry: s3://fleet/demo at ${s3.endpoint} cannot be reached \\(.+\\); serving the persistence baseline`)));
    const waitingPush = offline!.sync.waiting.find((j) => j.kind === 'push')!;
    expect(waitingPush.lastError).toMatch(new RegExp(`at ${s3.endpoint} failed`));
    expect(offline!.sync.pushed).toEqual([]);

    // Back: every promotion is one version in the bucket (its push id unique), with its manifest and metrics; nothing is left waiting.
    expect(summary.sync.waiting).toEqual([]);
    const manifests = await publisher.list(MODEL_NAME);
    const demos = manifests.filter((m) => m.pushId !== undefined);
    expect(demos).toHaveLength(summary.promotions);
    expect(new Set(demos.map((m) => m.pushId)).size).toBe(demos.length);
    expect(demos.map((m) => m.version)).toEqual([...summary.sync.pushed].sort((a, b) => a - b));
    for (const m of demos) {
      expect(m.metrics['rmse']).toBeLessThan(m.metrics['championRmse']! * 0.98);
      expect(m.trainedOn.samples).toBeGreaterThan(0);
    }
    expect(manifests.filter((m) => m.pushId === undefined).map((m) => m.version)).toEqual(published);
    // Each push announced on the demo's own broker (retained), the newest last.
    const newest = demos.at(-1)!;
    expect(announced.at(-1)).toEqual({ topic: `runnel/demo/models/${MODEL_NAME}`, payload: JSON.stringify({ version: newest.version, sha256: newest.sha256 }) });

    // The device report: the model it serves and its samples.
    const deviceId = /^sync: device report written to .*\/devices\/([^/]+)\/report\.json$/m.exec(events.join('\n'))?.[1];
    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `demo/devices/${deviceId}/report.json` }));
    const report = JSON.parse(await object.Body!.transformToString()) as { deviceId: string; models: { name: string; version: number }[]; samples: Record<string, number> };
    expect(report).toMatchObject({ deviceId, models: [{ name: MODEL_NAME }] });
    expect(report.samples[MODEL_NAME]).toBeGreaterThan(0);

    // The publisher's version was adopted as a version of the store and made predictions.
    const local = Number(
      new RegExp(`^sync: v(\\d+) adopted: pulled from the registry: ${MODEL_NAME} v\\d+, signed by key ${publisherKeys.keyId}$`, 'm').exec(events.join('\n'))?.[1],
    );
    const db = new Database(join(dir, 'runnel.db'), { readonly: true });
    try {
      const served = db.prepare("SELECT count(*) AS n FROM outbox WHERE stage = 'predictions' AND json_extract(payload, '$.model') = ?").get(`${MODEL_NAME}@${local}`) as {
        n: number;
      };
      expect(served.n).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  });

  it('pushes a folder registry could not take wait in the database across a restart and complete at the next start, once each', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-demo-sync-'));
    const blocked = join(dir, 'shared');
    writeFileSync(blocked, 'a file where the registry folder should be'); // mkdir of shared/registry fails
    const registry = join(blocked, 'registry');
    const runUntil = async (done: (s: DemoStatus) => boolean) => {
      const stop = new AbortController();
      const events: string[] = [];
      const summary = await runDemo(
        { dir, registry, sensors: 10, rate: 10, durationMs: 100_000, retrainEveryMs: 2000, pullEveryMs: 1000, publish: false, signal: stop.signal, statusEveryMs: 200 },
        { event: (line) => events.push(line), status: (s) => done(s) && stop.abort() },
      );
      return { summary, events };
    };
    const first = await runUntil((s) => s.promotions >= 1 && s.sync.waiting.some((j) => j.kind === 'push' && j.attempts >= 1));
    expect(first.summary.sync.pushed).toEqual([]);
    const waiting = first.summary.sync.waiting.filter((j) => j.kind === 'push');
    expect(waiting).toHaveLength(first.summary.promotions);
    expect(waiting[0]!.lastError).toContain(registry);

    rmSync(blocked);
    const second = await runUntil((s) => s.sync.waiting.length === 0 && s.sync.pushed.length >= waiting.length);
    expect(second.summary.sync.waiting).toEqual([]);
    const versions = readdirSync(join(registry, MODEL_NAME)).filter((v) => /^\d+$/.test(v));
    expect(versions).toHaveLength(first.summary.promotions + second.summary.promotions);
    expect(second.summary.sync.pushed).toHaveLength(versions.length);
  });
});
