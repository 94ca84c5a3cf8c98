/**
 * Shadow mode: a challenger that passed the held-out check scores live samples beside the
 * champion without serving; it serves only once it beat the champion on enough live samples,
 * and one that loses live is rejected having never served.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import { ModelVersionTable } from '../../../src/store/model-versions.js';
import { SampleTable } from '../../../src/store/samples.js';
import { Store } from '../../../src/store/store.js';
import { SEED } from '../../seed.js';
import { lifecycleOn, MODEL, REGIME_A, REGIME_B, series, STEP_MS } from './series.js';

describe(`lifecycle: shadow mode (seed ${SEED})`, () => {
  it('a challenger in shadow does not serve until it beats the champion live; one that loses live never serves', async () => {
    const store = Store.open(':memory:');
    const samples = new SampleTable(store);
    const clock = new VirtualClock(0);
    const lifecycle = lifecycleOn(store, clock, { shadow: { minSamples: 40 } });
    samples.add(series(SEED, 4, 0, 60, REGIME_A), [], 0);

    const first = await lifecycle.retrain();
    expect(first).toMatchObject({ action: 'shadow', version: 2, champion: 1 });
    expect(lifecycle.served.current?.id ?? `${MODEL}@1`).toBe(`${MODEL}@1`);
    expect(new ModelVersionTable(store).get(MODEL, 2)).toMatchObject({ status: 'challenger' });
    expect(lifecycle.shadowVersion).toBe(2);

    // 5 live seconds × 4 keys = 20 samples (one per key still unlabelled): not enough yet.
    samples.add(series(SEED + 1, 4, 60 * STEP_MS, 6, REGIME_A), [], 0);
    expect(await lifecycle.tick()).toMatchObject({ action: 'shadow', champion: 1 });
    expect(lifecycle.served.current?.id ?? `${MODEL}@1`).toBe(`${MODEL}@1`);

    samples.add(series(SEED + 2, 4, 66 * STEP_MS, 20, REGIME_A), [], 0);
    const decided = await lifecycle.tick();
    expect(decided).toMatchObject({ action: 'promoted', version: 2, champion: 2 });
    expect(decided.scores!.samples).toBeGreaterThanOrEqual(40);
    expect(lifecycle.served.current?.id).toBe(`${MODEL}@2`);

    // Trained and held out on regime B, but live data is regime A again: it loses in shadow.
    samples.add(series(SEED + 3, 4, 100 * STEP_MS, 60, REGIME_B), [], 0);
    const challenger = await lifecycle.retrain();
    expect(challenger).toMatchObject({ action: 'shadow', version: 3, champion: 2 });
    samples.add(series(SEED + 4, 4, 160 * STEP_MS, 30, REGIME_A), [], 0);
    const lost = await lifecycle.tick();
    expect(lost).toMatchObject({ action: 'rejected', version: 3, champion: 2 });
    expect(lost.scores!.challenger).toBeGreaterThan(lost.scores!.champion);
    expect(new ModelVersionTable(store).get(MODEL, 3)?.status).toBe('rejected');
    expect(new ModelVersionTable(store).get(MODEL, 3)?.reason).toMatch(/^not better by the margin in shadow: live rmse/);
    expect(lifecycle.served.current?.id).toBe(`${MODEL}@2`);
    // A retrain by hand while a challenger is in shadow supersedes it (regime B again: each beats v2 held out).
    samples.add(series(SEED + 5, 4, 190 * STEP_MS, 60, REGIME_B), [], 0);
    expect(await lifecycle.retrain()).toMatchObject({ action: 'shadow', version: 4 });
    expect(await lifecycle.retrain()).toMatchObject({ action: 'shadow', version: 5 });
    expect(new ModelVersionTable(store).get(MODEL, 4)).toMatchObject({ status: 'rejected', reason: 'superseded in shadow by v5' });
    expect(lifecycle.shadowVersion).toBe(5);
    await lifecycle.close();
    store.close();
  });
});
