/**
 * Champion/challenger on synthetic windows whose next mean is a known linear function of the
 * features plus noise: the first retrain promotes the ridge fit over the persistence baseline,
 * with both held-out RMSEs equal to a plain-TS computation on the same slice; a retrain on the
 * same data keeps the champion (the margin); too few samples waits.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/common/random.js';
import { Lifecycle } from '../../src/demo/lifecycle.js';
import { FEATURES, WINDOW_MS, persistenceModel } from '../../src/demo/model.js';
import { SampleTable } from '../../src/demo/samples.js';
import type { WindowFeatures } from '../../src/features/window-features.js';
import { OnnxModelHandler, servedModel } from '../../src/ml/infer/index.js';
import { Store } from '../../src/store/store.js';
import { DirectoryRegistry } from '../../src/sync/directory-registry.js';
import { SEED } from '../seed.js';

describe(`demo Lifecycle (seed ${SEED})`, () => {
  it('promotes a better challenger, scores both on the held-out slice as plain TS does, keeps the champion when no better', async () => {
    const random = seededRandom(SEED);
    const store = Store.open(':memory:');
    const samples = new SampleTable(store);
    // Per sensor a chain of windows: next temp_mean = 0.7·temp_mean + 4·vibration_mean + 6 + noise.
    const chains = 4;
    const length = 60;
    for (let s = 0; s < chains; s++) {
      let temp = 25 + 10 * random();
      const windows: WindowFeatures[] = [];
      for (let i = 0; i < length; i++) {
        const vib = 0.5 + 1.5 * random();
        const w: Record<string, number | string> = { key: `s${s}`, windowStart: i * WINDOW_MS, windowEnd: (i + 1) * WINDOW_MS };
        for (const f of FEATURES) w[f] = Math.fround(random());
        w['temp_mean'] = Math.fround(temp);
        w['vibration_mean'] = Math.fround(vib);
        windows.push(w as unknown as WindowFeatures);
        temp = 0.7 * temp + 4 * vib + 6 + 0.05 * (random() - 0.5);
      }
      samples.add(windows);
    }
    const labelled = samples.labelled(5000);
    expect(labelled.rows).toBe(chains * (length - 1));
    const handler = new OnnxModelHandler();
    const registry = new DirectoryRegistry(join(mkdtempSync(join(tmpdir(), 'runnel-lifecycle-')), 'registry'));
    const served = servedModel(handler, persistenceModel(), { id: 'baseline' });
    const lifecycle = new Lifecycle({ samples, handler, registry, served, champion: { version: 0, bytes: persistenceModel() }, minSamples: 40 });

    // Independent reference: the held-out slice is the newest quarter, oldest first.
    const held = labelled.rows - Math.floor(labelled.rows / 4);
    const d = FEATURES.length;
    const t = FEATURES.indexOf('temp_mean');
    let sq = 0;
    for (let i = held; i < labelled.rows; i++) sq += (labelled.x[i * d + t]! - labelled.y[i]!) ** 2;
    const persistenceRmse = Math.sqrt(sq / (labelled.rows - held));

    const first = await lifecycle.retrain();
    expect(first.outcome).toBe('promoted');
    expect(first.championRmse).toBeCloseTo(persistenceRmse, 4);
    // The noise is ±0.025 (std 0.014); ridge (l2 = 1) shrinks a little: 0.1 leaves room for that, far below persistence.
    expect(first.challengerRmse).toBeLessThan(Math.min(0.1, persistenceRmse / 10));
    expect(first.manifest).toMatchObject({ version: 1, trainedOn: { samples: held } });
    expect(await registry.pull('next-window-temp')).toMatchObject({ outcome: 'pulled', manifest: { sha256: first.manifest!.sha256 } });
    expect(served.current?.id).toBe('next-window-temp@1');

    const second = await lifecycle.retrain();
    expect(second.outcome).toBe('kept');
    expect(second.championRmse).toBeCloseTo(first.challengerRmse!, 5);
    expect(lifecycle.champion.version).toBe(1);
    expect((await registry.list('next-window-temp')).length).toBe(1);

    const empty = new Lifecycle({ samples: new SampleTable(Store.open(':memory:')), handler, registry, served, champion: lifecycle.champion });
    expect((await empty.retrain()).outcome).toBe('waiting');
    await served.close();
    store.close();
  });
});
