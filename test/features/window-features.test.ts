import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type PCollection,
  type PTransform,
  Pipeline,
  WINDOW_STATS,
  collect,
  create,
  fftBands,
  fixedWindows,
  lags,
  rolling,
  windowStats,
  run,
  type FeatureRecord,
  type RollingStat,
  type WindowFeatures,
  type WindowStat,
} from '../../src/index.js';
import * as ref from '../../src/kernels/reference/index.js';
import { SEED, rngFor } from './helpers.js';

const W = 10_000;

/** The twin of one statistic over a column [n × d] (population moments, as windowStats). */
function twinStat(stat: WindowStat, x: Float64Array, n: number, d: number): Float64Array {
  const s = ref.stats;
  switch (stat) {
    case 'count':
      return s.colCount(x, n, d);
    case 'sum':
      return s.colSum(x, n, d);
    case 'mean':
      return s.colMean(x, n, d);
    case 'var':
      return s.colVar(x, n, d, 0);
    case 'std':
      return s.colStd(x, n, d, 0);
    case 'min':
      return s.colMin(x, n, d);
    case 'max':
      return s.colMax(x, n, d);
    case 'ptp':
      return s.colPtp(x, n, d);
    case 'rms':
      return s.colRms(x, n, d);
    case 'skew':
      return s.colSkew(x, n, d);
    case 'kurtosis':
      return s.colKurt(x, n, d);
    case 'median':
      return s.colMedian(x, n, d);
    case 'zcr':
      return s.colZcr(x, n, d);
  }
}

interface Reading {
  k: string;
  t: number;
  x: number;
  y: number;
}

/** Random keyed readings (up to `perKey` per key) over 8 windows, shuffled in arrival order; values are f32 as a frame holds them. */
function randomStream(rng: () => number, perKey = 400): Reading[] {
  const out: Reading[] = [];
  for (const k of ['a', 'b']) {
    const offset = (rng() - 0.5) * 200;
    const scale = 10 ** (rng() * 4 - 2);
    const count = 1 + Math.floor(rng() * perKey);
    for (let i = 0; i < count; i++) {
      out.push({ k, t: Math.floor(rng() * 8 * W), x: Math.fround(offset + scale * (rng() - 0.5)), y: Math.fround((rng() - 0.5) * 4) });
    }
  }
  return out.sort(() => rng() - 0.5);
}

/** Groups readings per key and fixed window, each group sorted by time (the order panes are computed in). */
function panes(data: readonly Reading[]): Map<string, Reading[]> {
  const groups = new Map<string, Reading[]>();
  for (const r of data) {
    const id = `${r.k}@${Math.floor(r.t / W) * W}`;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  for (const g of groups.values()) g.sort((a, b) => a.t - b.t);
  return groups;
}

async function runWindowed<T>(data: readonly Reading[], transform: PTransform<PCollection<FeatureRecord>, PCollection<T>>): Promise<T[]> {
  const p = new Pipeline();
  const out = collect<T>();
  p.apply(create<FeatureRecord>(data.map((r) => ({ ...r }))))
    .withTimestamps((r) => r['t'] as number)
    .windowInto(fixedWindows(W))
    .apply(transform)
    .apply(out);
  const result = await run(p, { bundleSize: 97 });
  expect(result.deadLetterCount).toBe(0);
  return out.values;
}

/** |got − want| ≤ tol·(1 + |want|), NaN only where the twin is NaN. */
function expectNear(label: string, got: number, want: number, tol: number): void {
  if (Number.isNaN(want)) {
    expect(got, label).toBeNaN();
    return;
  }
  if (!(Math.abs(got - want) <= tol * (1 + Math.abs(want)))) expect.fail(`${label}: got ${got}, want ${want} (seed ${SEED})`);
}

describe(`per-window features vs the plain-TS twins (seed ${SEED})`, () => {
  it('windowStats: every statistic per key and window equals the twins (relative 1e-7)', async () => {
    const data = randomStream(rngFor(10));
    const stats = [...WINDOW_STATS];
    const got = await runWindowed<WindowFeatures>(data, windowStats(stats, { features: ['x', 'y'], key: (r) => r['k'] }));
    const groups = panes(data);
    expect(got.length).toBe(groups.size);
    for (const row of got) {
      const pane = groups.get(`${row.key as string}@${row.windowStart}`)!;
      expect(row.windowEnd - row.windowStart).toBe(W);
      const frame = Float64Array.from(pane.flatMap((r) => [r.x, r.y]));
      for (const stat of stats) {
        const want = twinStat(stat, frame, pane.length, 2);
        expectNear(`${row.key as string}@${row.windowStart} x_${stat}`, row[`x_${stat}`] as number, want[0]!, 1e-7);
        expectNear(`${row.key as string}@${row.windowStart} y_${stat}`, row[`y_${stat}`] as number, want[1]!, 1e-7);
      }
    }
  });

  it('windowStats over any finite stream in one window equals the twins (fast-check)', async () => {
    const value = fc.float({ min: -1e4, max: 1e4, noNaN: true, noDefaultInfinity: true });
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 300 }), async (xs) => {
        const data = xs.map((x, i) => ({ k: 'a', t: i, x, y: -x }));
        const [row] = await runWindowed<WindowFeatures>(data, windowStats(['mean', 'std', 'min', 'max', 'median', 'rms'], { features: ['x', 'y'] }));
        const frame = Float64Array.from(data.flatMap((r) => [r.x, r.y]));
        for (const stat of ['mean', 'std', 'min', 'max', 'median', 'rms'] as const) {
          const want = twinStat(stat, frame, data.length, 2);
          // Absolute scale: the values' magnitude (cancellation in the mean of ±1e4 values).
          const scale = Math.max(1, ...xs.map(Math.abs));
          expect(Math.abs((row![`x_${stat}`] as number) - want[0]!)).toBeLessThanOrEqual(1e-9 * scale);
          expect(Math.abs((row![`y_${stat}`] as number) - want[1]!)).toBeLessThanOrEqual(1e-9 * scale);
        }
      }),
      { seed: SEED, numRuns: 40 },
    );
  });

  it('lags(2) and rolling(stat, 5) per pane equal the twins', async () => {
    const data = randomStream(rngFor(11));
    const groups = panes(data);
    const lagged = await runWindowed<FeatureRecord>(data, lags(2, { features: ['x', 'y'], key: (r) => r['k'] }));
    expect(lagged.length).toBe(data.length);
    for (const r of lagged) {
      const pane = groups.get(`${r['k'] as string}@${Math.floor((r['t'] as number) / W) * W}`)!;
      const n = pane.length;
      const want = new Float64Array(n * 4);
      ref.signal.lags(Float64Array.from(pane.flatMap((p) => [p.x, p.y])), n, 2, 2, want);
      const i = pane.findIndex((p) => p.t === r['t'] && p.x === r['x']);
      // Exact: lags copy values.
      expect([r['x_lag1'], r['y_lag1'], r['x_lag2'], r['y_lag2']]).toEqual(Array.from(want.subarray(i * 4, i * 4 + 4)));
    }
    for (const stat of ['mean', 'std', 'max', 'median'] as RollingStat[]) {
      const rolled = await runWindowed<FeatureRecord>(data, rolling(stat, 5, { features: ['x'], key: (r) => r['k'] }));
      for (const r of rolled) {
        const pane = groups.get(`${r['k'] as string}@${Math.floor((r['t'] as number) / W) * W}`)!;
        const i = pane.findIndex((p) => p.t === r['t'] && p.x === r['x']);
        const window = Float64Array.from(pane.slice(i - 4, i + 1).map((p) => p.x));
        const want = i < 4 ? NaN : twinStat(stat, window, 5, 1)[0]!;
        expectNear(`${stat}5 row ${i}`, r[`x_${stat}5`] as number, want, 1e-7);
      }
    }
  });

  it("lags and rolling with mode 'stream' continue per key across bundles, as the twins over each key's whole sequence", async () => {
    const data = randomStream(rngFor(13), 700).sort((a, b) => a.t - b.t || a.x - b.x);
    const p = new Pipeline();
    const out = collect<FeatureRecord>();
    p.apply(create<FeatureRecord>(data.map((r) => ({ ...r }))))
      .withTimestamps((r) => r['t'] as number)
      .apply(lags(2, { features: ['x', 'y'], key: (r) => r['k'], mode: 'stream' }))
      .apply(rolling('std', 5, { features: ['x'], key: (r) => r['k'], mode: 'stream' }))
      .apply(out);
    await run(p, { bundleSize: 37 });
    expect(out.values.length).toBe(data.length);
    for (const key of ['a', 'b']) {
      const mine = data.filter((r) => r.k === key);
      const got = out.values.filter((r) => r['k'] === key);
      expect(got.map((r) => r['t'])).toEqual(mine.map((r) => r.t));
      const n = mine.length;
      const lagged = new Float64Array(n * 4);
      ref.signal.lags(Float64Array.from(mine.flatMap((r) => [r.x, r.y])), n, 2, 2, lagged);
      expect(got.flatMap((r) => [r['x_lag1'], r['y_lag1'], r['x_lag2'], r['y_lag2']])).toEqual(Array.from(lagged));
      got.forEach((r, i) => {
        const want = i < 4 ? NaN : ref.stats.colStd(Float64Array.from(mine.slice(i - 4, i + 1).map((m) => m.x)), 5, 1, 0)[0]!;
        expectNear(`${key} std5 row ${i}`, r['x_std5'] as number, want, 1e-7);
      });
    }
  });

  it('fftBands: band energies of the last 64 samples per pane equal the twins (1e-4 of the pane energy)', async () => {
    const data = randomStream(rngFor(12), 2000); // panes both shorter and longer than 64
    const bands = [0, 5, 12.5, 30, 50];
    const got = await runWindowed<WindowFeatures>(data, fftBands({ features: ['x', 'y'], key: (r) => r['k'], size: 64, sampleRate: 100, bands }));
    const groups = panes(data);
    expect(got.length).toBe(groups.size);
    for (const row of got) {
      const pane = groups.get(`${row.key as string}@${row.windowStart}`)!;
      for (const f of ['x', 'y'] as const) {
        const samples = new Float64Array(64);
        pane.slice(-64).forEach((r, i) => (samples[i] = r[f]));
        const spectrum = new Float64Array(66);
        ref.fft.rfft(samples, 64, 1, spectrum);
        const want = ref.fft.bandEnergies(spectrum, 64, 100, bands);
        const total = want.reduce((a, b) => a + b, 0);
        bands.slice(1).forEach((hi, b) => {
          const g = row[`${f}_band_${bands[b]}_${hi}`] as number;
          if (!(Math.abs(g - want[b]!) <= 1e-4 * total + 1e-30)) expect.fail(`${f} band ${b}: got ${g}, want ${want[b]} (seed ${SEED})`);
        });
      }
    }
    // windowStats with the fft option puts both families in one record per pane.
    const both = await runWindowed<WindowFeatures>(data, windowStats(['rms'], { features: ['x', 'y'], key: (r) => r['k'], fft: { size: 64, sampleRate: 100, bands } }));
    const rms = await runWindowed<WindowFeatures>(data, windowStats(['rms'], { features: ['x', 'y'], key: (r) => r['k'] }));
    const byPane = (rows: WindowFeatures[]) => new Map(rows.map((r) => [`${r.key as string}@${r.windowStart}`, r]));
    const [b, r, g] = [byPane(both), byPane(rms), byPane(got)];
    expect(b.size).toBe(groups.size);
    for (const [id, row] of b) expect(row).toEqual({ ...r.get(id), ...g.get(id) });
  });
});
