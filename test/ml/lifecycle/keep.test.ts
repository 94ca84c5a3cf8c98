/**
 * Keep-N: after each retrain at most `keep` versions are left, the oldest going first but never
 * the champion or the predecessor a rollback would need; numbers of deleted versions are not reused.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import { ModelVersionTable } from '../../../src/store/model-versions.js';
import { SampleTable } from '../../../src/store/samples.js';
import { Store } from '../../../src/store/store.js';
import { SEED } from '../../seed.js';
import { lifecycleOn, MODEL, REGIME_A, REGIME_B, series, STEP_MS } from './series.js';

describe(`lifecycle: keep at most N versions (seed ${SEED})`, () => {
  it('keeps 3 versions through promotions and rejections, the champion and its watched predecessor always among them', async () => {
    const store = Store.open(':memory:');
    const samples = new SampleTable(store);
    const versions = new ModelVersionTable(store);
    const clock = new VirtualClock(0);
    const lifecycle = lifecycleOn(store, clock, { keep: 3, rollback: { windowMs: 1e9 } });
    const regimes = [REGIME_A, REGIME_A, REGIME_B, REGIME_B, REGIME_A, REGIME_A, REGIME_B];
    const kept: number[][] = [];
    for (const [i, regime] of regimes.entries()) {
      samples.add(series(SEED + i, 4, i * 60 * STEP_MS, 60, regime), [], 0);
      await lifecycle.retrain();
      const list = versions.list(MODEL);
      kept.push(list.map((v) => v.version));
      expect(list.length).toBeLessThanOrEqual(3);
      expect(list.some((v) => v.version === lifecycle.champion.version && v.status === 'champion')).toBe(true);
      const parent = lifecycle.champion.parent;
      if (parent !== undefined) expect(list.map((v) => v.version)).toContain(parent);
    }
    // Eight versions made (the baseline and seven fits), numbered 1..8 with none reused.
    expect(kept.at(-1)!.at(-1)).toBe(8);
    expect(new Set(kept.flat()).size).toBe(8);
    expect(versions.list(MODEL).length).toBe(3);
    await lifecycle.close();
    store.close();
  });
});
