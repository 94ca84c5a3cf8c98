/**
 * Rollback: a promoted model whose live metric falls below its predecessor's on the same live
 * samples within the window is replaced by the predecessor (rejected, with the scores); after the
 * window a worse live metric changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import { ModelVersionTable } from '../../../src/store/model-versions.js';
import { SampleTable } from '../../../src/store/samples.js';
import { Store } from '../../../src/store/store.js';
import { SEED } from '../../seed.js';
import { lifecycleOn, MODEL, REGIME_A, REGIME_B, series, STEP_MS } from './series.js';

describe(`lifecycle: rollback (seed ${SEED})`, () => {
  it('rolls a promoted model back when it does worse live than its predecessor within the window, not after', async () => {
    const store = Store.open(':memory:');
    const samples = new SampleTable(store);
    const versions = new ModelVersionTable(store);
    const clock = new VirtualClock(0);
    const lifecycle = lifecycleOn(store, clock, { rollback: { windowMs: 60_000, minSamples: 30 } });
    samples.add(series(SEED, 4, 0, 60, REGIME_A), [], 0);
    expect(await lifecycle.retrain()).toMatchObject({ action: 'promoted', version: 2 });

    // A burst of regime B: the next fit wins on its held-out slice and is promoted…
    samples.add(series(SEED + 1, 4, 60 * STEP_MS, 60, REGIME_B), [], 0);
    clock.advance(10_000);
    expect(await lifecycle.retrain()).toMatchObject({ action: 'promoted', version: 3, champion: 3 });
    // …but live data is regime A again: v3 is worse than v2 on the same live samples.
    samples.add(series(SEED + 2, 4, 120 * STEP_MS, 5, REGIME_A), [], 0);
    clock.advance(10_000);
    expect(await lifecycle.tick()).toMatchObject({ action: 'none', champion: 3 }); // 16 live samples, 30 needed
    samples.add(series(SEED + 3, 4, 125 * STEP_MS, 20, REGIME_A), [], 0);
    const rolled = await lifecycle.tick();
    expect(rolled).toMatchObject({ action: 'rolled-back', version: 3, champion: 2 });
    expect(rolled.scores!.champion).toBeGreaterThan(rolled.scores!.challenger);
    expect(lifecycle.served.current?.id).toBe(`${MODEL}@2`);
    expect(versions.get(MODEL, 3)?.status).toBe('rejected');
    expect(versions.get(MODEL, 3)?.reason).toMatch(/^rolled back: live rmse .* of v3 is worse than v2's/);
    expect(versions.get(MODEL, 2)?.status).toBe('champion');
    expect(versions.get(MODEL, 2)?.reason).toMatch(/^restored by rollback/);

    // The same again, but the worse live data comes after the window: nothing is rolled back.
    samples.add(series(SEED + 4, 4, 200 * STEP_MS, 60, REGIME_B), [], 0);
    expect(await lifecycle.retrain()).toMatchObject({ action: 'promoted', version: 4, champion: 4 });
    clock.advance(60_001);
    samples.add(series(SEED + 5, 4, 260 * STEP_MS, 30, REGIME_A), [], 0);
    expect(await lifecycle.tick()).toMatchObject({ action: 'none', champion: 4 });
    expect(lifecycle.served.current?.id).toBe(`${MODEL}@4`);
    await lifecycle.close();
    store.close();
  });
});
