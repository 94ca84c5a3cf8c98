/**
 * The demo serves only what verifies: with a signed v1 and a tampered v2 in its registry it logs
 * v2's refusal and serves v1 (the first version of its store); when every version is refused it
 * logs each reason, says so, and serves the persistence baseline instead of claiming there is no
 * model yet.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo, type DemoSummary } from '../../src/demo/job.js';
import { MODEL_NAME, MODEL_TENSORS, persistenceModel } from '../../src/demo/model.js';
import { DirectoryRegistry } from '../../src/sync/directory-registry.js';
import { deviceKeys } from '../../src/sync/keys.js';

/** A demo folder whose registry holds `versions` signed copies of the baseline model, as the demo's own key signed them. */
async function demoFolder(versions: number): Promise<{ dir: string; file: (v: number, f: string) => string }> {
  const dir = mkdtempSync(join(tmpdir(), 'runnel-demo-trust-'));
  const keys = deviceKeys(join(dir, 'keys'));
  const registry = new DirectoryRegistry(join(dir, 'registry'), { signingKey: keys.signingKey, trust: keys.trust });
  for (let v = 1; v <= versions; v++)
    await registry.push(MODEL_NAME, persistenceModel(), { ...MODEL_TENSORS, metrics: { rmse: 1 / v }, trainedOn: { samples: 0, from: 0, to: 0 } });
  return { dir, file: (v, f) => join(registry.root, MODEL_NAME, String(v), f) };
}

/** Runs the demo briefly (no retrain) and returns its summary and event lines. */
async function briefly(dir: string): Promise<{ summary: DemoSummary; events: string[] }> {
  const events: string[] = [];
  const summary = await runDemo({ dir, sensors: 1, rate: 5, durationMs: 300, retrainEveryMs: 60_000, publish: false }, { event: (l) => events.push(l), status: () => undefined });
  return { summary, events };
}

describe('demo registry trust', () => {
  it('a tampered newest version is refused with its reason; the previous signed one is served', async () => {
    const { dir, file } = await demoFolder(2);
    writeFileSync(file(2, 'model.onnx'), Buffer.concat([readFileSync(file(2, 'model.onnx')), Buffer.from([0])]));
    const { summary, events } = await briefly(dir);
    expect(events).toContainEqual(expect.stringMatching(new RegExp(`^registry: refused ${MODEL_NAME} v2 \\(hash-mismatch\\): .*/2/model\\.onnx: does not match`)));
    expect(events).toContainEqual(expect.stringMatching(new RegExp(`^registry: pulled ${MODEL_NAME} v1 .*signed by key [0-9a-f]{16}`)));
    expect(summary.model).toMatchObject({
      version: 1,
      reason: expect.stringMatching(new RegExp(`^pulled from the registry: ${MODEL_NAME} v1, signed by key [0-9a-f]{16}$`)) as unknown,
    });
  });

  it('when every version is refused: each reason logged, "all refused" said, the baseline served', async () => {
    const { dir, file } = await demoFolder(2);
    writeFileSync(file(2, 'model.onnx'), Buffer.concat([readFileSync(file(2, 'model.onnx')), Buffer.from([0])]));
    writeFileSync(file(1, 'manifest.sig'), readFileSync(file(2, 'manifest.sig'))); // v2's signature does not sign v1's manifest
    const { summary, events } = await briefly(dir);
    const registryLines = events.filter((l) => l.startsWith('registry:'));
    expect(registryLines).toEqual([
      expect.stringMatching(/v2 \(hash-mismatch\)/),
      expect.stringMatching(/v1 \(bad-signature\): .*\/1\/manifest\.sig: signature by key/),
      `registry: all 2 versions of ${MODEL_NAME} refused (reasons above); serving the persistence baseline (next mean = this mean)`,
    ]);
    expect(summary.model).toMatchObject({ version: 1, reason: 'baseline: persistence (next mean = this mean)' });
  });
});
