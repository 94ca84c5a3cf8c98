/**
 * S3Registry against a real S3 server on 127.0.0.1 (s3rver, started here): the registry contract
 * (registry-contract.ts), then what only a bucket has: the object keys under a prefix, a version
 * without its manifest.json (an interrupted push) invisible, device reports, fleet documents
 * (publish, list, signature check) in the same bucket, a stopped server
 * making calls reject with the address and no secret (rather than "empty" or "refused"), and
 * the upload cap pacing the bytes.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectDocuments, publishDocument } from '../../src/sync/fleet-documents.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';
import { S3Registry } from '../../src/sync/s3-registry.js';
import { seededRandom } from '../../src/testing/random.js';
import { SEED } from '../seed.js';
import { startS3rver, type TestS3 } from '../support/s3rver.js';
import { details, pulledOf, registryContract } from './registry-contract.js';

let s3: TestS3;
beforeAll(async () => {
  s3 = await startS3rver();
});
afterAll(async () => {
  await s3?.stop();
});

let stores = 0;
registryContract('S3Registry on s3rver', async () => {
  const prefix = `contract-${++stores}`;
  const key = (name: string, version: number, file: string): string => `${prefix}/models/${name}/${version}/${file}`;
  return {
    open: (options) => new S3Registry({ ...s3.location, prefix }, options),
    where: (...at) => `s3://${s3.bucket}/${key(...at)}`,
    async read(...at) {
      const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key(...at) }));
      return object.Body!.transformToByteArray();
    },
    async write(name, version, file, bytes) {
      await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key(name, version, file), Body: typeof bytes === 'string' ? Buffer.from(bytes) : bytes }));
    },
    async remove(...at) {
      await s3.client.send(new DeleteObjectCommand({ Bucket: s3.bucket, Key: key(...at) }));
    },
  };
});

describe(`S3Registry in a bucket (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  const blob = (n = 50 + Math.floor(random() * 500)): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
  const quiet = { log: () => undefined };
  const keys = async (prefix: string): Promise<string[]> =>
    ((await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();

  it('keeps models/<name>/<version>/{model.onnx, manifest.json} under the prefix; a version without manifest.json is invisible', async () => {
    const registry = new S3Registry({ ...s3.location, prefix: '/layout/' }, quiet);
    expect(registry.location).toBe(`s3://${s3.bucket}/layout`);
    await registry.push('temp', blob(), details(0));
    expect(await keys('layout/')).toEqual(['layout/models/temp/1/manifest.json', 'layout/models/temp/1/model.onnx']);
    // What a push that died after the model and before the manifest leaves behind:
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'layout/models/temp/2/model.onnx', Body: blob() }));
    expect((await registry.list('temp')).map((m) => m.version)).toEqual([1]);
    expect(pulledOf(await registry.pull('temp')).manifest.version).toBe(1);
    expect((await registry.push('temp', blob(), details(1))).version).toBe(2);
  });

  it('writes a device report to devices/<deviceId>/report.json, replacing the last one', async () => {
    const registry = new S3Registry({ ...s3.location, prefix: 'reports' }, quiet);
    expect(await registry.putReport('pi-7', Buffer.from('{"n":1}'))).toBe(`s3://${s3.bucket}/reports/devices/pi-7/report.json`);
    await registry.putReport('pi-7', Buffer.from('{"n":2}'));
    const object = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'reports/devices/pi-7/report.json' }));
    expect(await object.Body!.transformToString()).toBe('{"n":2}');
    await expect(registry.putReport('../x', Buffer.from('{}'))).rejects.toThrow(/device id must be/);
  });

  it('keeps fleet documents (DocumentStorage) beside the models: published, listed, checked and read back', async () => {
    const registry = new S3Registry({ ...s3.location, prefix: 'docs' }, quiet);
    const key = generateKeyPair(mkdtempSync(join(tmpdir(), 'runnel-s3-keys-')), 'device');
    const signed = loadSigningKey(key.privateKeyFile);
    expect(await publishDocument(registry.objects, 'temp', 'pi-1', { n: 3 }, signed)).toBe(`s3://${s3.bucket}/docs/fleet/temp/pi-1.json`);
    await publishDocument(registry.objects, 'temp', 'pi-2', { n: 4 }, undefined);
    expect((await registry.objects.list('fleet/temp')).sort()).toEqual(['pi-1.json', 'pi-1.json.sig', 'pi-2.json']);
    const { accepted, leftOut } = await collectDocuments(registry.objects, 'temp', loadTrustSet([key.publicKeyFile]));
    expect(accepted).toMatchObject([{ device: 'pi-1', body: { n: 3 }, signedBy: key.keyId }]);
    expect(leftOut).toEqual([{ device: 'pi-2', reason: `s3://${s3.bucket}/docs/fleet/temp/pi-2.json.sig: missing (the version is unsigned)` }]);
    expect(await registry.objects.get('fleet/temp/none.json')).toBeUndefined();
  });

  it('a server that does not answer makes push, pull and list reject, naming the object and the endpoint but no secret', async () => {
    const secret = 'do-not-print-this-secret';
    const registry = new S3Registry({ ...s3.location, prefix: 'down', credentials: { accessKeyId: 'S3RVER', secretAccessKey: secret } }, quiet);
    await registry.push('temp', blob(), details(0));
    await s3.pause();
    try {
      for (const call of [() => registry.pull('temp'), () => registry.list('temp'), () => registry.push('temp', blob(), details(1))]) {
        const error = (await call().then(
          () => undefined,
          (e: unknown) => e,
        )) as Error;
        expect(error?.message).toMatch(new RegExp(`^S3 registry: listing s3://${s3.bucket}/down/models/temp/ at ${s3.endpoint} failed: no answer .*the sync queue retries$`));
        expect(error.message).not.toContain(secret);
      }
    } finally {
      await s3.resume();
    }
    expect(pulledOf(await registry.pull('temp')).manifest.version).toBe(1);
  });

  it('an access key the server does not know is refused (HTTP 403), said without the secret', async () => {
    const secret = 'a-secret-that-must-not-be-printed';
    const registry = new S3Registry({ ...s3.location, prefix: 'denied', credentials: { accessKeyId: 'UNKNOWN', secretAccessKey: secret } }, quiet);
    const error = (await registry.push('temp', blob(), details(0)).then(
      () => undefined,
      (e: unknown) => e,
    )) as Error;
    expect(error?.message).toMatch(
      new RegExp(`^S3 registry: listing s3://${s3.bucket}/denied/models/temp/ at ${s3.endpoint} failed: HTTP 403 \\w+; check the access key and the bucket policy$`),
    );
    expect(error.message).not.toContain(secret);
  });

  it('an upload cap paces the bytes: waits adding up to their size over the cap, in tenth-of-a-second chunks', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number): Promise<void> => {
      waits.push(ms);
    };
    const registry = new S3Registry({ ...s3.location, prefix: 'capped' }, { ...quiet, uploadBytesPerSecond: 10_000, sleep });
    const bytes = blob(25_000);
    await registry.push('temp', bytes, details(0));
    const modelWaits = waits.length; // the model: 25 chunks of 1000 bytes, a wait before each but the first
    const manifestBytes = (await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'capped/models/temp/1/manifest.json' }))).ContentLength!;
    expect(modelWaits).toBe(24 + Math.ceil(manifestBytes / 1000) - 1);
    expect(waits.every((ms) => ms === 100)).toBe(true);
    expect(pulledOf(await registry.pull('temp')).bytes).toEqual(bytes);
    expect(() => new S3Registry(s3.location, { uploadBytesPerSecond: 0 })).toThrow(/uploadBytesPerSecond must be a positive number/);
  });
});
