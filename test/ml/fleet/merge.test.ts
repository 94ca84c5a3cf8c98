/**
 * Fleet merge through a registry folder: devices publish signed statistics of their own rows;
 * the merge takes every trusted device, leaves out (and names) an unknown key, a tampered
 * document, a document with damaged statistics, and pushes the model a fit on all trusted rows
 * pooled gives (1e-9), which a pull then verifies and returns byte for byte.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeFleet, publishStatistics } from '../../../src/ml/fleet/merge.js';
import { NormalEquations, fitLinearRegression, linearStatistics, type LinearRegressionModel } from '../../../src/ml/train/index.js';
import { DirectoryRegistry } from '../../../src/sync/directory-registry.js';
import { DirectoryDocuments } from '../../../src/sync/fleet-documents.js';
import { generateKeyPair, loadSigningKey, loadTrustSet } from '../../../src/sync/keys.js';
import { SEED, regressionData, seededRng, sliceFrame } from '../train/data.js';

const rng = seededRng(SEED ^ 0xf1ee7);
const root = mkdtempSync(join(tmpdir(), 'runnel-fleet-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function keyPair(name: string): { key: ReturnType<typeof loadSigningKey>; pub: string } {
  const files = generateKeyPair(join(root, 'keys', name), name);
  return { key: loadSigningKey(files.privateKeyFile), pub: files.publicKeyFile };
}

describe(`fleet merge (seed ${SEED})`, () => {
  it('merges the trusted devices into the pooled fit and names every document it leaves out', async () => {
    const registryDir = join(root, 'registry');
    const documents = new DirectoryDocuments(registryDir);
    const devices = ['pi-a', 'pi-b', 'pi-c'].map((name) => ({ name, ...keyPair(name) }));
    const stranger = keyPair('stranger');
    const publisher = keyPair('publisher');
    const trust = loadTrustSet(devices.map((d) => d.pub));

    const { frame, y } = regressionData(rng, 300 + Math.floor(rng() * 200), 3, 0.2);
    const cuts = [0, 90, 200, frame.rows];
    for (const [i, device] of devices.entries()) {
      const [from, to] = [cuts[i]!, cuts[i + 1]!];
      const statistics = linearStatistics(new NormalEquations(frame.names).update(sliceFrame(frame, from, to), y.subarray(from, to)));
      await publishStatistics(documents, 'temp', device.name, { statistics, from: 1000 * from, to: 1000 * (to - 1) }, device.key);
    }
    // Rows from outside the fleet: signed by a key nobody trusts, or changed after signing, or unreadable.
    const foreign = linearStatistics(
      new NormalEquations(frame.names).update(
        frame,
        y.map((v) => v + 100),
      ),
    );
    await publishStatistics(documents, 'temp', 'intruder', { statistics: foreign, from: 0, to: 1 }, stranger.key);
    await publishStatistics(documents, 'temp', 'pi-d', { statistics: foreign, from: 0, to: 1 }, devices[0]!.key);
    const tampered = join(registryDir, 'fleet', 'temp', 'pi-d.json');
    writeFileSync(tampered, readFileSync(tampered, 'utf8').replace('"rows":', '"rows": '));
    await publishStatistics(documents, 'temp', 'pi-e', { statistics: { ...foreign, rows: -1 }, from: 0, to: 1 }, devices[1]!.key);

    const registry = new DirectoryRegistry(registryDir, { signingKey: publisher.key, trust: loadTrustSet([publisher.pub]) });
    const result = await mergeFleet({ documents, registry, model: 'temp', trust, fit: { l2: 0.5 } });

    expect(result.devices).toEqual([
      { device: 'pi-a', rows: 90 },
      { device: 'pi-b', rows: 110 },
      { device: 'pi-c', rows: frame.rows - 200 },
    ]);
    const reasons = Object.fromEntries(result.leftOut.map((l) => [l.device, l.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['intruder', 'pi-d', 'pi-e']);
    expect(reasons['intruder']).toMatch(/not in the trust set/);
    expect(reasons['pi-d']).toMatch(/does not match/);
    expect(reasons['pi-e']).toMatch(/"rows" must be a whole number/);

    const pooled = fitLinearRegression(frame, y, { l2: 0.5 });
    const merged = result.model as LinearRegressionModel;
    const worst = Math.max(...merged.params.weights.map((w, i) => Math.abs(w - pooled.params.weights[i]!)), Math.abs(merged.params.intercept - pooled.params.intercept));
    expect(worst).toBeLessThan(1e-9 * Math.max(1, ...pooled.params.weights.map(Math.abs)));

    expect(result.manifest).toMatchObject({
      name: 'temp',
      version: 1,
      metrics: { devices: 3, rows: frame.rows },
      trainedOn: { samples: frame.rows, from: 0, to: 1000 * (frame.rows - 1) },
    });
    expect(result.manifest.inputs[0]).toMatchObject({ name: 'features', features: frame.names });
    const pulled = await registry.pull('temp');
    expect(pulled.outcome).toBe('pulled');
    if (pulled.outcome === 'pulled') expect(Buffer.from(pulled.bytes).equals(Buffer.from(merged.toOnnx({ graphName: 'temp' })))).toBe(true);
  });

  it('refuses to push anything when no document is usable, saying why', async () => {
    const registryDir = join(root, 'empty');
    const documents = new DirectoryDocuments(registryDir);
    const registry = new DirectoryRegistry(registryDir);
    await expect(mergeFleet({ documents, registry, model: 'temp' })).rejects.toThrow(/no usable statistics for "temp"/);
    const stranger = keyPair('stranger-2');
    const { frame, y } = regressionData(rng, 20, 2);
    await publishStatistics(documents, 'temp', 'pi-x', { statistics: linearStatistics(new NormalEquations(frame.names).update(frame, y)), from: 0, to: 1 }, stranger.key);
    await expect(mergeFleet({ documents, registry, model: 'temp', trust: loadTrustSet([keyPair('device-2').pub]) })).rejects.toThrow(/left out: .*not in the trust set/);
    expect(await registry.list('temp')).toEqual([]);
  });
});
