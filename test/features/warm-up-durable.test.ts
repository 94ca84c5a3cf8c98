import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Pipeline, Store, impute, kv, rolling, scaleToZScore, writeOutbox, run, type FeatureRecord } from '../../src/index.js';
import * as ref from '../../src/kernels/reference/index.js';
import { readOutbox, runWithStops, testStream, timestamped } from '../../src/testing/index.js';
import { SEED, gaussian, maxAbsDiff, rngFor } from './helpers.js';

const WARM_UP = 25;
const S = 1000;

/** 3 sensors, 150 readings each, in 60 steps, with different means and spreads per sensor. */
function readings(): { sensor: string; x: number; y: number; t: number }[] {
  const rng = rngFor(1);
  const sensors = ['a', 'b', 'c'].map((name) => ({ name, mx: (rng() - 0.5) * 200, sx: 10 ** (rng() * 3 - 1), my: rng() * 50, sy: 1 + rng() * 5 }));
  return Array.from({ length: 450 }, (_, i) => {
    const s = sensors[Math.floor(rng() * 3)]!;
    return { sensor: s.name, x: Math.fround(s.mx + s.sx * gaussian(rng)), y: Math.fround(s.my + s.sy * gaussian(rng)), t: i * S };
  });
}

function buildPipeline(data: readonly FeatureRecord[], fill = false): Pipeline {
  const p = new Pipeline();
  const events = testStream<FeatureRecord>();
  for (let i = 0; i < data.length; i += 8) events.addElements(...data.slice(i, i + 8).map((r) => timestamped(r, r['t'] as number)));
  const input = p.apply(events);
  (fill ? input.apply(impute({ strategy: 'last', features: ['x', 'y'], key: (r) => r['sensor'] })) : input)
    .apply(scaleToZScore({ features: ['x', 'y'], warmUp: WARM_UP, key: (r) => r['sensor'] }))
    .map((r) => kv(r['sensor'] as string, [r['t'], r['x'], r['y']]), 'row')
    .apply(writeOutbox());
  return p;
}

async function uninterrupted(path: string, build: () => Pipeline): Promise<void> {
  const store = Store.open(path);
  await run(build(), { store });
  store.close();
}

describe(`streaming scaleToZScore (seed ${SEED})`, () => {
  it('fits per key on the warm-up, and after stops and resumes of a durable run reuses the persisted fit', async () => {
    const data = readings();
    const dir = mkdtempSync(join(tmpdir(), 'runnel-features-'));
    const reference = join(dir, 'reference.db');
    await uninterrupted(reference, () => buildPipeline(data));
    const resumed = join(dir, 'resumed.db');
    expect(await runWithStops(resumed, () => buildPipeline(data), [3, 11, 9, 17])).toBeGreaterThanOrEqual(3);
    const rows = readOutbox(resumed);
    expect(rows).toEqual(readOutbox(reference));
    expect(rows.length).toBe(data.length);

    // Independently: each sensor's fit is the twins' mean and population std of its first WARM_UP readings.
    const out = new Map(rows.map((r) => JSON.parse(r.payload) as { key: string; value: [number, number, number] }).map((r) => [r.value[0], r]));
    for (const sensor of ['a', 'b', 'c']) {
      const mine = data.filter((r) => r.sensor === sensor);
      const warm = Float64Array.from(mine.slice(0, WARM_UP).flatMap((r) => [r.x, r.y]));
      const mean = ref.stats.colMean(warm, WARM_UP, 2);
      const std = ref.stats.colStd(warm, WARM_UP, 2, 0);
      const want = new Float64Array(mine.length * 2);
      ref.scale.zscore(Float64Array.from(mine.flatMap((r) => [r.x, r.y])), mine.length, 2, mean, std, want);
      const got = Float64Array.from(mine.flatMap((r) => out.get(r.t)!.value.slice(1)));
      // f32 outputs of f32 inputs: 1e-5 absolute on values of order 1..10 (z-scores).
      expect(maxAbsDiff(got, want), `sensor ${sensor}`).toBeLessThan(1e-5);
    }
  });

  it("forward fill (impute 'last') before the scaler carries each key's last values across stops and resumes", async () => {
    const rng = rngFor(2);
    const data = readings().map((r) => ({ ...r, x: rng() < 0.3 ? null : r.x, y: rng() < 0.3 ? NaN : r.y }));
    const dir = mkdtempSync(join(tmpdir(), 'runnel-features-'));
    await uninterrupted(join(dir, 'reference.db'), () => buildPipeline(data, true));
    expect(await runWithStops(join(dir, 'resumed.db'), () => buildPipeline(data, true), [2, 13, 5, 21])).toBeGreaterThanOrEqual(3);
    const rows = readOutbox(join(dir, 'resumed.db'));
    expect(rows).toEqual(readOutbox(join(dir, 'reference.db')));
    // A sensor's readings before its first x and its first y still lack a value: the scaler rejects those.
    const seen = new Map<string, { x: boolean; y: boolean }>();
    const complete = data.filter((r) => {
      const s = seen.get(r.sensor) ?? { x: false, y: false };
      s.x ||= r.x !== null;
      s.y ||= Number.isFinite(r.y);
      seen.set(r.sensor, s);
      return s.x && s.y;
    });
    expect(rows.length).toBe(complete.length);
  });

  it("rolling(stat, n, { mode: 'stream' }) keeps each key's last rows across stops and resumes", async () => {
    const data = readings();
    const build = () => {
      const p = new Pipeline();
      const events = testStream<FeatureRecord>();
      for (let i = 0; i < data.length; i += 8) events.addElements(...data.slice(i, i + 8).map((r) => timestamped(r as FeatureRecord, r.t)));
      p.apply(events)
        .apply(rolling('mean', 20, { features: ['x'], key: (r) => r['sensor'], mode: 'stream' }))
        .map((r) => [r['t'], r['x_mean20']], 'row')
        .apply(writeOutbox());
      return p;
    };
    const dir = mkdtempSync(join(tmpdir(), 'runnel-features-'));
    await uninterrupted(join(dir, 'reference.db'), build);
    expect(await runWithStops(join(dir, 'resumed.db'), build, [4, 9, 15, 30])).toBeGreaterThanOrEqual(3);
    const rows = readOutbox(join(dir, 'resumed.db'));
    expect(rows).toEqual(readOutbox(join(dir, 'reference.db')));
    expect(rows.filter((r) => typeof (JSON.parse(r.payload) as unknown[])[1] === 'number').length).toBe(data.length - 3 * 19); // NaN for each sensor's first 19 rows
  });
});
