/**
 * The drift scenario on a virtual clock: a champion fitted on regime A serves; the series switches
 * to regime B, the rolling error rises past the threshold, the loop retrains on the drifted window,
 * the challenger is promoted and the served error falls. A worse challenger is scored and turned
 * down without ever serving, and no version is loaded twice (the champion is leased for scoring,
 * the promoted challenger is the model that was scored).
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import type { FrameLike } from '../../../src/kernels/frame.js';
import { ModelLifecycle } from '../../../src/ml/lifecycle/index.js';
import { rmse } from '../../../src/ml/evaluate/metrics.js';
import { frameOf } from '../../../src/kernels/frame.js';
import { SampleTable } from '../../../src/store/samples.js';
import { Store } from '../../../src/store/store.js';
import { SEED } from '../../seed.js';
import { AHEAD, CountingHandler, FEATURES, MODEL, REGIME_A, REGIME_B, ridge, series, STEP_MS, zeroModel } from './series.js';

/** RMSE of what `lifecycle` serves now on the newest `n` labelled samples. */
async function servedRmse(lifecycle: ModelLifecycle, samples: SampleTable, n: number): Promise<number> {
  const data = samples.labelled(MODEL, AHEAD, FEATURES.length, { limit: n });
  const lease = await lifecycle.served.lease();
  try {
    const out = await lease.model.run(frameOf(data.x, FEATURES));
    return rmse(data.y, out['prediction']!.data as Float32Array);
  } finally {
    lease.done();
  }
}

describe(`lifecycle: drift (seed ${SEED})`, () => {
  it('regime change → rolling error rises → retrain on the drifted window → promoted → served error falls; a worse challenger never serves', async () => {
    const store = Store.open(':memory:');
    const samples = new SampleTable(store);
    const clock = new VirtualClock(0);
    const handler = new CountingHandler();
    let sabotage = false;
    const trainer = (frame: FrameLike, y: Float64Array) => ridge(frame, sabotage ? y.map((v) => -v) : y);
    const lifecycle = new ModelLifecycle({
      store,
      model: MODEL,
      features: FEATURES,
      labels: AHEAD,
      handler,
      trainer,
      baseline: zeroModel(),
      clock,
      policy: { drift: { window: 100, errorRatio: 3 }, minSamples: 40 },
    });
    expect(lifecycle.champion).toMatchObject({ version: 1, status: 'champion', reason: 'baseline: the starting model' });

    samples.add(series(SEED, 4, 0, 100, REGIME_A), [], 0);
    clock.set(100 * STEP_MS);
    const first = await lifecycle.retrain('first fit');
    expect(first).toMatchObject({ action: 'promoted', version: 2, champion: 2 });
    expect(first.scores!.challenger).toBeLessThan(0.1);
    const heldOut = lifecycle.champion.metrics['rmse']!;
    expect(await lifecycle.tick()).toMatchObject({ action: 'none' }); // no new samples: no drift check

    // Regime B: the same features now mean something else.
    samples.add(series(SEED + 1, 4, 100 * STEP_MS, 60, REGIME_B), [], clock.now());
    clock.set(160 * STEP_MS);
    const before = await servedRmse(lifecycle, samples, 100);
    expect(before).toBeGreaterThan(3 * heldOut);
    const drifted = await lifecycle.tick();
    expect(drifted.action).toBe('promoted');
    expect(drifted.trigger).toMatch(/^drift: rolling rmse .* is past 3 × the champion's held-out/);
    expect(drifted.version).toBe(3);
    // Trained only on the drifted window (regime B): no regime-A rows in it.
    expect(lifecycle.champion.trainedFrom).toBeGreaterThanOrEqual(100 * STEP_MS);
    const after = await servedRmse(lifecycle, samples, 100);
    expect(after).toBeLessThan(before / 10);
    expect(after).toBeLessThan(0.1);

    // A worse challenger is scored on the same held-out slice and turned down: v3 keeps serving.
    samples.add(series(SEED + 2, 4, 160 * STEP_MS, 30, REGIME_B), [], clock.now());
    sabotage = true;
    const worse = await lifecycle.retrain('sabotaged fit');
    expect(worse).toMatchObject({ action: 'rejected', version: 4, champion: 3 });
    expect(worse.scores!.challenger).toBeGreaterThan(worse.scores!.champion);
    expect(lifecycle.served.current?.id).toBe(`${MODEL}@3`);
    expect(await servedRmse(lifecycle, samples, 100)).toBeLessThan(0.1);

    // Each version was loaded exactly once: scoring leased the champion, promotion adopted the scored model.
    expect([...handler.loads].sort()).toEqual([`${MODEL}@1`, `${MODEL}@2`, `${MODEL}@3`, `${MODEL}@4`]);
    await lifecycle.close();
    store.close();
  });
});
