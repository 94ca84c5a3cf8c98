/**
 * `runnel run --registry <folder>` (compiled CLI on plain node, as a flashed device's service runs
 * it): the models of `options.runnel_models` sync as the demo's do. A promotion the run makes
 * lands in the registry as a version signed by the device key the run made beside its database,
 * with its manifest and metrics; a version another publisher (whose .pub is in that keys folder)
 * signed is pulled at the next start and adopted. RUNNEL_REGISTRY names the registry when the
 * option is not given. An s3:// registry (s3rver) takes the push with endpoint and credentials
 * from AWS_*, and the secret appears in no output. A model declared with `fleet: true` publishes
 * the statistics of its newest fit as `fleet/<model>/run-<key id>.json`, signed with the device key,
 * which `runnel fleet merge` merges.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { linearRegressionModel } from '../../src/ml/onnx/builders/linear-regression.js';
import { ModelVersionTable } from '../../src/store/model-versions.js';
import { Store } from '../../src/store/store.js';
import { DirectoryRegistry } from '../../src/sync/directory-registry.js';
import { collectDocuments, DirectoryDocuments } from '../../src/sync/fleet-documents.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../src/sync/keys.js';
import { S3Registry } from '../../src/sync/s3-registry.js';
import { startS3rver } from '../support/s3rver.js';

const exec = promisify(execFile);
const CLI = join(import.meta.dirname, '..', '..', 'dist', 'src', 'cli', 'main.js');
const CSV = join(import.meta.dirname, '..', '..', 'examples', 'data', 'machine-temps.csv');

/** The model of test/yaml/training.test.ts, fed from the CSV of its readings. */
const pipeline = (csv: string, extra = ''): string => `options:
  runnel_models:
    next_temp:
      features: [temp, load]
      horizon: 10s
      trainer: { type: ridge, l2: 0.001 }
      baseline: { copy: temp }
      retrain: { every_samples: 200 }
      promotion: { metric: rmse, margin: 0.05 }${extra}
pipeline:
  transforms:
    - type: ReadFromCsv
      config: { path: '${csv}' }
    - type: WriteSamples
      input: ReadFromCsv
      config: { model: next_temp, key: machine, target: temp, event_time_field: t }
`;

const TENSORS = {
  inputs: [{ name: 'features', type: 'float32', shape: ['N', 2], features: ['temp', 'load'] }],
  outputs: [{ name: 'prediction', type: 'float32', shape: ['N', 1] }],
};

describe('runnel run --registry', () => {
  it('pushes a promotion as a signed version with its metrics; adopts a version a trusted publisher pushed', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-run-registry-'));
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, pipeline(CSV));
    const db = join(dir, 'runnel.db');
    const registryDir = join(dir, 'registry');

    const first = await exec('node', [CLI, 'run', file, '--db', db, '--registry', registryDir], { cwd: dir });
    expect(first.stderr).toMatch(/sync: pushed next_temp v2 as registry v1/);
    const deviceKeyId = loadSigningKey(join(dir, 'keys', 'device.key')).keyId;
    const pulled = await new DirectoryRegistry(registryDir, { trust: loadTrustSet([join(dir, 'keys', 'device.pub')]) }).pull('next_temp');
    expect(pulled.outcome).toBe('pulled');
    if (pulled.outcome !== 'pulled') return;
    expect(pulled.signedBy).toBe(deviceKeyId);
    expect(pulled.manifest.version).toBe(1);
    expect(pulled.manifest.metrics['rmse']).toBeGreaterThan(0);
    expect(pulled.manifest.inputs[0]!.features).toEqual(['temp', 'load']);

    // Another publisher, trusted through its .pub in the device's keys folder, pushes v2.
    const publisher = generateKeyPair(mkdtempSync(join(tmpdir(), 'runnel-publisher-')), 'publisher');
    copyFileSync(publisher.publicKeyFile, join(dir, 'keys', 'publisher.pub'));
    const theirs = linearRegressionModel({ weights: [0.5, 1], bias: 3 }, { featureNames: ['temp', 'load'] });
    const published = await new DirectoryRegistry(registryDir, { signingKey: loadSigningKey(publisher.privateKeyFile) }).push('next_temp', theirs, {
      ...TENSORS,
      metrics: { rmse: 0.1 },
      trainedOn: { samples: 500, from: 0, to: 1 },
    });
    expect(published.version).toBe(2);

    // Named by RUNNEL_REGISTRY this time, as the flashed service's environment names it.
    const second = await exec('node', [CLI, 'run', file, '--db', db], { cwd: dir, env: { ...process.env, RUNNEL_REGISTRY: registryDir } });
    expect(second.stderr).toContain(`adopted: pulled from the registry: next_temp v2, signed by key ${publisher.keyId}`);
    const store = Store.open(db);
    try {
      const champion = new ModelVersionTable(store).champion('next_temp')!;
      expect(champion.reason).toBe(`pulled from the registry: next_temp v2, signed by key ${publisher.keyId}`);
      expect(Buffer.from(champion.onnx).equals(Buffer.from(theirs))).toBe(true);
    } finally {
      store.close();
    }
  });

  it('fleet: true publishes the statistics of the newest fit, signed with the device key; runnel fleet merge merges them', { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-run-registry-fleet-'));
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, pipeline(CSV, '\n      fleet: true'));
    const db = join(dir, 'runnel.db');
    const registryDir = join(dir, 'registry');

    await exec('node', [CLI, 'run', file, '--db', db, '--registry', registryDir], { cwd: dir });
    const deviceKeyId = loadSigningKey(join(dir, 'keys', 'device.key')).keyId;
    const device = `run-${deviceKeyId}`;
    expect(existsSync(join(registryDir, 'fleet', 'next_temp', `${device}.json`))).toBe(true);
    const { accepted, leftOut } = await collectDocuments(new DirectoryDocuments(registryDir), 'next_temp', loadTrustSet([join(dir, 'keys', 'device.pub')]));
    expect(leftOut).toEqual([]);
    expect(accepted.map((d) => [d.device, d.signedBy])).toEqual([[device, deviceKeyId]]);
    const store = Store.open(db);
    let fitted;
    try {
      fitted = new ModelVersionTable(store)
        .list('next_temp')
        .filter((v) => v.trainedRows > 0)
        .pop()!;
    } finally {
      store.close();
    }
    const body = accepted[0]!.body as { statistics: { rows: number }; from: number; to: number };
    expect(body.statistics.rows).toBe(fitted.trainedRows);
    expect([body.from, body.to]).toEqual([fitted.trainedFrom, fitted.trainedTo]);

    const publisher = generateKeyPair(mkdtempSync(join(tmpdir(), 'runnel-publisher-')), 'publisher');
    const merged = await exec(
      'node',
      [CLI, 'fleet', 'merge', '--registry', registryDir, '--model', 'next_temp', '--key', publisher.privateKeyFile, '--trust', join(dir, 'keys', 'device.pub'), '--l2', '0.001'],
      { cwd: dir },
    );
    expect(merged.stdout).toContain(`fitted on ${fitted.trainedRows} rows from 1 devices (${device} ${fitted.trainedRows})`);
  });

  it('an s3://bucket/prefix registry takes the push, endpoint and credentials from AWS_*; no output shows the secret', { timeout: 120_000 }, async () => {
    const s3 = await startS3rver();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'runnel-run-registry-s3-'));
      const file = join(dir, 'pipeline.yaml');
      writeFileSync(file, pipeline(CSV));
      const env = { ...process.env, AWS_ENDPOINT_URL: s3.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
      const spec = `s3://${s3.location.bucket}/plant-a`;
      const { stdout, stderr } = await exec('node', [CLI, 'run', file, '--db', join(dir, 'runnel.db'), '--registry', spec], { cwd: dir, env });
      expect(stderr).toMatch(/sync: pushed next_temp v2 as registry v1/);
      expect(`${stdout}${stderr}`).not.toContain('S3RVER');
      const registry = new S3Registry({ ...s3.location, prefix: 'plant-a' }, { trust: loadTrustSet([join(dir, 'keys')]) });
      try {
        const pulled = await registry.pull('next_temp');
        expect(pulled).toMatchObject({ outcome: 'pulled', signedBy: loadSigningKey(join(dir, 'keys', 'device.key')).keyId, manifest: { version: 1 } });
      } finally {
        registry.close();
      }
    } finally {
      await s3.stop();
    }
  });
});
