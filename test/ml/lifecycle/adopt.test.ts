/**
 * Adopting a version made elsewhere (a model pulled from a registry): it is stored as the next
 * version and serves from then on, the champion it replaces retired, nothing pushed back; the
 * rollback window watches it like a promotion, and the retrain schedule counts from it; bytes
 * that do not load are stored as rejected and the champion keeps serving; while a retrain runs
 * adoption is refused (to be retried).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import { linearRegressionModel } from '../../../src/ml/onnx/builders/linear-regression.js';
import { ModelVersionTable } from '../../../src/store/model-versions.js';
import { pushDetails } from '../../../src/ml/lifecycle/model-lifecycle.js';
import { SampleTable } from '../../../src/store/samples.js';
import { Store } from '../../../src/store/store.js';
import type { ModelRegistry } from '../../../src/sync/registry.js';
import { SEED } from '../../seed.js';
import { FEATURES, lifecycleOn, MODEL, REGIME_A, series, STEP_MS } from './series.js';

/** A model predicting `regime A` exactly: what another publisher would have fitted. */
const regimeA = (): Uint8Array => linearRegressionModel({ weights: REGIME_A.weights, bias: REGIME_A.bias }, { featureNames: FEATURES, graphName: 'elsewhere' });

describe(`lifecycle: adopting a version made elsewhere (seed ${SEED})`, () => {
  it('serves the adopted version, retires the champion, pushes nothing; rollback watches it', async () => {
    const store = Store.open(':memory:');
    const samples = new SampleTable(store);
    const versions = new ModelVersionTable(store);
    const pushed: string[] = [];
    const registry = { push: async (name: string) => (pushed.push(name), Promise.reject(new Error('unused'))) } as unknown as ModelRegistry;
    const clock = new VirtualClock(0);
    const lifecycle = lifecycleOn(store, clock, { rollback: { windowMs: 60_000, minSamples: 30 }, publish: { registry, inputs: [], outputs: [] } });
    samples.add(series(SEED, 4, 0, 60, REGIME_A), [], 0);

    const event = await lifecycle.adopt(regimeA(), { reason: 'pulled from the registry: v7, signed by key k', metrics: { rmse: 0.01 }, trainedRows: 500 });
    expect(event).toMatchObject({ action: 'promoted', version: 2, champion: 2, summary: 'v2 adopted: pulled from the registry: v7, signed by key k' });
    expect(lifecycle.served.current?.id).toBe(`${MODEL}@2`);
    expect(lifecycle.champion).toMatchObject({
      version: 2,
      status: 'champion',
      parent: 1,
      reason: 'pulled from the registry: v7, signed by key k',
      metrics: { rmse: 0.01 },
      trainedRows: 500,
    });
    expect(versions.get(MODEL, 1)).toMatchObject({ status: 'retired', reason: 'replaced by v2' });
    expect(pushed).toEqual([]); // it came from the registry: not pushed back

    // Live data the adopted model gets wrong (labels of the opposite sign): rolled back to v1 within the window.
    const wrong = series(SEED + 1, 4, 60 * STEP_MS, 40, { weights: REGIME_A.weights.map((w) => -w), bias: -REGIME_A.bias });
    samples.add(wrong, [], 0);
    clock.advance(1000);
    expect(await lifecycle.tick()).toMatchObject({ action: 'rolled-back', version: 2, champion: 1 });
    await lifecycle.close();
    store.close();
  });

  it('bytes that do not load are stored as rejected and the champion keeps serving; adopting during a retrain is refused', async () => {
    const store = Store.open(':memory:');
    const lifecycle = lifecycleOn(store, new VirtualClock(0));
    const event = await lifecycle.adopt(Uint8Array.from([1, 2, 3]), { reason: 'pulled from the registry: v3' });
    expect(event).toMatchObject({ action: 'rejected', version: 2, champion: 1 });
    expect(event.summary).toMatch(/^v2 \(pulled from the registry: v3\) rejected: it failed to load \(.+\); v1 keeps serving$/);
    expect(new ModelVersionTable(store).get(MODEL, 2)).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/^pulled from the registry: v3; failed to load: /) as unknown,
    });
    expect(lifecycle.champion.version).toBe(1);

    new SampleTable(store).add(series(SEED, 4, 0, 60, REGIME_A), [], 0);
    const retraining = lifecycle.retrain();
    await expect(lifecycle.adopt(regimeA(), { reason: 'pulled' })).rejects.toThrow(/cannot adopt a version while a tick is running; try again/);
    expect(await retraining).toMatchObject({ action: 'promoted', version: 3 });
    await lifecycle.close();
    store.close();
  });

  it('an adopted version serves a whole retrain period before a challenger is fitted against it', async () => {
    const store = Store.open(':memory:');
    const clock = new VirtualClock(0);
    const lifecycle = lifecycleOn(store, clock, { policy: { everyMs: 10_000 } });
    new SampleTable(store).add(series(SEED, 4, 0, 60, REGIME_A), [], 0);
    clock.advance(10_000);
    expect(await lifecycle.adopt(regimeA(), { reason: 'pulled' })).toMatchObject({ action: 'promoted', champion: 2 });
    clock.advance(9_999);
    expect(await lifecycle.tick()).toMatchObject({ action: 'none', champion: 2 });
    clock.advance(1);
    expect((await lifecycle.tick()).trigger).toBe('10000 ms since the last fit');
    await lifecycle.close();
    store.close();
  });
});

describe('pushDetails', () => {
  it('describes a fitted version for a manifest and refuses one that was not fitted here, saying why', async () => {
    const store = Store.open(':memory:');
    const clock = new VirtualClock(0);
    const lifecycle = lifecycleOn(store, clock, { policy: { everyMs: 60_000 } });
    const tensors = { inputs: [], outputs: [] };
    // The baseline has no training window: a manifest with NaN times would be refused by every pull.
    expect(() => pushDetails(lifecycle.champion, tensors)).toThrow(/v1 was not fitted here \(.+\), so it has no training window for a manifest/);
    new SampleTable(store).add(series(SEED, 4, 0, 200, REGIME_A), [], 0);
    clock.advance(10 * 60_000);
    expect((await lifecycle.tick()).action).toBe('promoted');
    const details = pushDetails(lifecycle.champion, tensors);
    expect(Number.isFinite(details.trainedOn.from) && Number.isFinite(details.trainedOn.to) && details.trainedOn.from <= details.trainedOn.to).toBe(true);
    await lifecycle.close();
    store.close();
  });
});
