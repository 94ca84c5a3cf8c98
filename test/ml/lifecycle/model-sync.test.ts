/**
 * `startModelSync` with two learning loops on one folder registry: a trusted publisher's version
 * that takes the loop's features is adopted, one that takes other features is not (the champion
 * keeps serving, the log says why); a promotion is pushed signed by the device key, and the
 * device report then lists the newest version of each model.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import { startModelSync } from '../../../src/ml/lifecycle/model-sync.js';
import { linearRegressionModel } from '../../../src/ml/onnx/builders/linear-regression.js';
import { SampleTable } from '../../../src/store/samples.js';
import { Store } from '../../../src/store/store.js';
import { DirectoryRegistry } from '../../../src/sync/directory-registry.js';
import { deviceKeys, generateKeyPair, loadSigningKey } from '../../../src/sync/keys.js';
import { openRegistry } from '../../../src/sync/open-registry.js';
import { SEED } from '../../seed.js';
import { FEATURES, lifecycleOn, MODEL, REGIME_A, series } from './series.js';

const tensorsOf = (features: readonly string[]) => ({
  inputs: [{ name: 'features', type: 'float32', shape: ['N', features.length], features }],
  outputs: [{ name: 'prediction', type: 'float32', shape: ['N', 1] }],
});

describe('model sync: loops kept in step with a registry', () => {
  it('adopts a trusted version that takes the loop’s features, not one that takes others; pushes a promotion; reports every model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runnel-model-sync-'));
    const keysDir = join(dir, 'keys');
    const publisher = generateKeyPair(keysDir, 'publisher'); // its .pub beside the device key: trusted
    const keys = deviceKeys(keysDir);
    const folder = join(dir, 'registry');
    const theirs = new DirectoryRegistry(folder, { signingKey: loadSigningKey(publisher.privateKeyFile) });
    const details = { metrics: { rmse: 0.1 }, trainedOn: { samples: 100, from: 0, to: 1 } };
    const otherFeatures = ['x', 'y', 'z'];
    await theirs.push(MODEL, linearRegressionModel({ weights: [1, 1, 1], bias: 0 }, { featureNames: otherFeatures }), { ...tensorsOf(otherFeatures), ...details });
    await theirs.push('other', linearRegressionModel(REGIME_A, { featureNames: [...FEATURES] }), { ...tensorsOf(FEATURES), ...details });

    const store = Store.open(':memory:');
    const clock = new VirtualClock(0);
    const mine = lifecycleOn(store, clock);
    const other = lifecycleOn(store, clock, { model: 'other' });
    const log: string[] = [];
    const opened = await openRegistry(folder, { signingKey: keys.signingKey, trust: keys.trust });
    const sync = startModelSync({
      store,
      registry: opened,
      deviceId: 'test-device',
      models: [
        { name: MODEL, lifecycle: mine, tensors: tensorsOf(FEATURES) },
        { name: 'other', lifecycle: other, tensors: tensorsOf(FEATURES) },
      ],
      pullEveryMs: 60_000,
      pullAtOnce: true,
      samples: () => 0,
      log: (line) => log.push(line),
    });
    try {
      await sync.queue.runDue();
      expect(log).toContain(`sync: registry v1 of ${MODEL} not adopted: it takes features x, y, z, this device makes a, b, c`);
      expect(mine.champion.version).toBe(1);
      expect(other.champion).toMatchObject({ version: 2, reason: `pulled from the registry: other v1, signed by key ${publisher.keyId}` });

      new SampleTable(store).add(series(SEED, 4, 0, 60, REGIME_A), [], 0);
      expect(await mine.retrain()).toMatchObject({ action: 'promoted', version: 2 });
      sync.promoted(MODEL, mine.champion);
      await sync.queue.runDue();
      expect(sync.queue.waiting()).toEqual([]);

      const pulled = await new DirectoryRegistry(folder, { trust: keys.trust }).pull(MODEL);
      expect(pulled).toMatchObject({ outcome: 'pulled', signedBy: keys.signingKey.keyId, manifest: { version: 2, inputs: [{ features: [...FEATURES] }] } });
      const report = JSON.parse(readFileSync(join(folder, 'devices', 'test-device', 'report.json'), 'utf8')) as { models: { name: string; version: number }[] };
      expect(report.models.map((m) => [m.name, m.version])).toEqual([
        ['other', 1],
        [MODEL, 2],
      ]);
    } finally {
      await sync.stop(0);
      opened.close();
      await mine.close();
      await other.close();
      store.close();
    }
  });
});
