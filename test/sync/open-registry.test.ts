/**
 * Choosing a registry by name: s3://bucket/prefix opens the S3 registry with the endpoint and
 * credentials from the AWS_* environment (tested with `runnel fleet merge --registry s3://…`
 * against s3rver: two devices' statistics in the bucket become a signed version there, and no
 * secret reaches the output); a folder opens the directory registry; a malformed s3: name is
 * refused. Only s3-registry.ts imports @aws-sdk/client-s3, and nothing imports s3-registry.ts
 * but lazily, so a device whose registry is a folder never loads the SDK.
 */
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fleetCommand } from '../../src/cli/commands/fleet.js';
import { publishStatistics } from '../../src/ml/fleet/merge.js';
import { linearStatistics, NormalEquations } from '../../src/ml/train/index.js';
import { DirectoryRegistry } from '../../src/sync/directory-registry.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';
import { openRegistry, parseS3Url } from '../../src/sync/open-registry.js';
import { S3Registry } from '../../src/sync/s3-registry.js';
import { frameFromRows } from '../ml/train/data.js';
import { startS3rver, type TestS3 } from '../support/s3rver.js';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

describe('openRegistry', () => {
  let s3: TestS3;
  const saved = { ...process.env };
  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(async () => {
    process.env = saved;
    vi.restoreAllMocks();
    await s3?.stop();
  });

  it('only s3-registry.ts imports the AWS SDK, and only lazily is s3-registry.ts imported', () => {
    const sdk: string[] = [];
    const eager: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      if (/from '@aws-sdk\//.test(text)) sdk.push(relative(SRC, file));
      if (/^import (?!type )[^;]*from '[./]*(sync\/)?s3-registry\.js'/m.test(text)) eager.push(relative(SRC, file));
    }
    expect(sdk).toEqual(['sync/s3-registry.ts']);
    expect(eager).toEqual([]);
  });

  it('parses s3://bucket/prefix, opens a folder as a directory registry, and refuses a malformed s3: name', async () => {
    expect(parseS3Url('s3://models/fleet-a/line')).toEqual({ bucket: 'models', prefix: 'fleet-a/line' });
    expect(parseS3Url('s3://models')).toEqual({ bucket: 'models', prefix: '' });
    expect(parseS3Url('/var/lib/runnel')).toBeUndefined();
    const dir = mkdtempSync(join(tmpdir(), 'runnel-open-'));
    const opened = await openRegistry(dir);
    expect(opened.registry).toBeInstanceOf(DirectoryRegistry);
    expect(opened.description).toBe(dir);
    await expect(openRegistry('s3:/models')).rejects.toThrow('registry s3:/models: an S3 registry is named s3://<bucket>/<prefix>, e.g. s3://models/fleet-a');
  });

  it('runnel fleet merge --registry s3://… merges the statistics in the bucket and pushes a signed version there, endpoint and keys from AWS_*', async () => {
    const secret = 'S3RVER'; // s3rver's own key; it must not be printed
    Object.assign(process.env, { AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: secret });
    const opened = await openRegistry(`s3://${s3.bucket}/fleet-cli`);
    expect(opened.registry).toBeInstanceOf(S3Registry);
    expect(opened.description).toBe(`s3://${s3.bucket}/fleet-cli at ${s3.endpoint}`);
    const dir = mkdtempSync(join(tmpdir(), 'runnel-fleet-s3-'));
    const devices = ['north', 'south'].map((name) => generateKeyPair(join(dir, 'devices'), name));
    const publisher = generateKeyPair(join(dir, 'publisher'), 'publisher');
    for (const [i, xs] of [
      [0, 1, 2],
      [3, 4, 5, 6],
    ].entries()) {
      const equations = new NormalEquations(['x']).update(
        frameFromRows(
          xs.map((x) => [x]),
          ['x'],
        ),
        xs.map((x) => 2 * x + 1),
      );
      await publishStatistics(
        opened.documents,
        'line',
        ['north', 'south'][i]!,
        { statistics: linearStatistics(equations), from: 0, to: 10 },
        loadSigningKey(devices[i]!.privateKeyFile),
      );
    }
    opened.close();
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    await fleetCommand.run(['merge', '--registry', `s3://${s3.bucket}/fleet-cli`, '--model', 'line', '--key', publisher.privateKeyFile, '--trust', join(dir, 'devices')]);
    const output = log.mock.calls.map((c) => c.join(' ')).join('\n');
    expect(output).toMatch(/^pushed line v1: fitted on 7 rows from 2 devices/);
    expect(output).not.toContain(secret);
    const check = new S3Registry({ ...s3.location, prefix: 'fleet-cli' }, { trust: loadTrustSet([publisher.publicKeyFile]) });
    expect(await check.pull('line')).toMatchObject({ outcome: 'pulled', manifest: { version: 1 }, signedBy: publisher.keyId });
    check.close();
  });
});
