/**
 * The retrain policy on a virtual clock: nothing before the interval and everything after it;
 * N new samples; drift by a feature's shift in training standard deviations; too few samples
 * waits; a fit over its time budget makes the next one use proportionally fewer samples.
 */
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../src/core/clock.js';
import { ModelVersionTable } from '../../../src/store/model-versions.js';
import { SampleTable, type SampleRecord } from '../../../src/store/samples.js';
import { Store } from '../../../src/store/store.js';
import { SEED } from '../../seed.js';
import { lifecycleOn, MODEL, REGIME_A, series, STEP_MS } from './series.js';

/** The same series with every feature moved by `by`. */
const shifted = (samples: SampleRecord[], by: number): SampleRecord[] => samples.map((s) => ({ ...s, features: s.features.map((v) => v + by) }));

describe(`lifecycle: retrain policy (seed ${SEED})`, () => {
  it('every interval on the clock, and every N new samples', async () => {
    const store = Store.open(':memory:');
    const samples = new SampleTable(store);
    const clock = new VirtualClock(0);
    const lifecycle = lifecycleOn(store, clock, { policy: { everyMs: 60_000, everySamples: 100 } });
    samples.add(series(SEED, 1, 0, 50, REGIME_A), [], 0);
    clock.set(59_999);
    expect(await lifecycle.tick()).toMatchObject({ action: 'none' });
    clock.set(60_000);
    expect(await lifecycle.tick()).toMatchObject({ action: 'promoted', trigger: '60000 ms since the last fit' });
    expect(await lifecycle.tick()).toMatchObject({ action: 'none' });
    samples.add(series(SEED + 1, 1, 50 * STEP_MS, 99, REGIME_A), [], 0);
    expect(await lifecycle.tick()).toMatchObject({ action: 'none' }); // 99 new
    samples.add(series(SEED + 2, 1, 149 * STEP_MS, 1, REGIME_A), [], 0);
    expect((await lifecycle.tick()).trigger).toBe('100 new samples');
    await lifecycle.close();
    store.close();
  });

  it('drift by a feature shift; too few labelled samples wait', async () => {
    const store = Store.open(':memory:');
    const samples = new SampleTable(store);
    const clock = new VirtualClock(0);
    const lifecycle = lifecycleOn(store, clock, { policy: { drift: { window: 40, featureShift: 3 }, minSamples: 40 } });
    samples.add(series(SEED, 2, 0, 10, REGIME_A), [], 0);
    expect(await lifecycle.retrain()).toMatchObject({ action: 'waiting', summary: 'waiting for samples (18 labelled, 40 needed)' });
    samples.add(series(SEED + 1, 2, 10 * STEP_MS, 50, REGIME_A), [], 0);
    expect(await lifecycle.retrain()).toMatchObject({ action: 'promoted', version: 2 });
    samples.add(series(SEED + 2, 2, 60 * STEP_MS, 30, REGIME_A), [], 0);
    expect(await lifecycle.tick()).toMatchObject({ action: 'none' }); // same distribution
    samples.add(shifted(series(SEED + 3, 2, 90 * STEP_MS, 30, REGIME_A), 10), [], 0);
    const drift = await lifecycle.tick();
    expect(drift.trigger).toMatch(/^drift: feature "[abc]" moved \d+\.\d training standard deviations \(threshold 3\)$/);
    await lifecycle.close();
    store.close();
  });

  it('a fit that throws is reported, the champion keeps serving, and it is not retried before the next trigger', async () => {
    const store = Store.open(':memory:');
    new SampleTable(store).add(series(SEED, 2, 0, 60, REGIME_A), [], 0);
    const clock = new VirtualClock(0);
    const lifecycle = lifecycleOn(store, clock, {
      policy: { everyMs: 10_000 },
      trainer: () => {
        throw new RangeError('singular system');
      },
    });
    clock.set(10_000);
    expect(await lifecycle.tick()).toMatchObject({ action: 'rejected', champion: 1, summary: 'the fit failed (10000 ms since the last fit): singular system; v1 keeps serving' });
    expect(await lifecycle.tick()).toMatchObject({ action: 'none' });
    clock.set(20_000);
    expect(await lifecycle.tick()).toMatchObject({ action: 'rejected' });
    expect(new ModelVersionTable(store).list(MODEL).map((v) => v.status)).toEqual(['champion']);
    await lifecycle.close();
    store.close();
  });

  it('a challenger that cannot be scored is rejected with the reason and released; the champion keeps serving', async () => {
    const store = Store.open(':memory:');
    new SampleTable(store).add(series(SEED, 2, 0, 60, REGIME_A), [], 0);
    const lifecycle = lifecycleOn(store, new VirtualClock(0), { output: 'forecast' });
    expect(await lifecycle.retrain()).toMatchObject({ action: 'rejected', version: 2, champion: 1 });
    const v2 = new ModelVersionTable(store).get(MODEL, 2)!;
    expect(v2.status).toBe('rejected');
    expect(v2.reason).toMatch(/^failed to score: model next-value@1 has no output "forecast" \(it has prediction\); set the lifecycle's output option$/);
    await lifecycle.close();
    store.close();
  });

  it('a fit over its budget makes the next fit use proportionally fewer samples', async () => {
    const store = Store.open(':memory:');
    new SampleTable(store).add(series(SEED, 4, 0, 250, REGIME_A), [], 0);
    const times = [0, 4000, 10_000, 10_001]; // the first fit "takes" 4 s, the second 1 ms
    const logged: string[] = [];
    const lifecycle = lifecycleOn(store, new VirtualClock(0), { policy: { budgetMs: 1000, maxSamples: 800 }, timer: () => times.shift()!, log: (l) => logged.push(l) });
    const first = await lifecycle.retrain();
    expect(first.fitMs).toBe(4000);
    expect(logged).toContain('fit of 600 samples took 4000 ms, over the 1000 ms budget: the next fit uses at most 135 samples');
    await lifecycle.retrain();
    const second = new ModelVersionTable(store).get(MODEL, 3)!;
    expect(second.trainedRows + second.metrics['heldOut']!).toBe(135);
    await lifecycle.close();
    store.close();
  });
});
