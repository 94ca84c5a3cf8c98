import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  Pipeline,
  collect,
  featureVector,
  fitFeatures,
  fixedWindows,
  lags,
  readCsv,
  rolling,
  scaleToZScore,
  serializeFitted,
  windowStats,
  run,
  type FeatureFrame,
  type FeatureRecord,
  type FittedStatistics,
  type WindowStat,
} from '../../src/index.js';
import * as ref from '../../src/kernels/reference/index.js';
import { seattleWeatherCsv } from '../../examples/seattle-weather.js';
import { maxAbsDiff } from './helpers.js';

const DAY = 86_400_000;
const MONTH = 30 * DAY;
const FEATURES = ['precipitation', 'temp_max', 'temp_min', 'wind'];
const STATS: WindowStat[] = ['mean', 'std', 'min', 'max', 'median', 'skew'];

/** The CSV read through the pipeline API, one record per day with its event time. */
function days(p: Pipeline) {
  return p
    .apply(readCsv(seattleWeatherCsv(), { schema: { date: 'string', precipitation: 'number', temp_max: 'number', temp_min: 'number', wind: 'number', weather: 'string' } }))
    .map((r): FeatureRecord => ({ ...r, t: Date.parse(`${r.date}T00:00:00Z`) }), 'day')
    .withTimestamps((r) => r['t'] as number);
}

/** The same data read independently (plain split: the file has no quotes), values rounded to f32 as frames hold them. */
function twinRows(): { t: number; values: number[] }[] {
  const lines = readFileSync(seattleWeatherCsv(), 'utf8').trim().split('\n').slice(1);
  return lines
    .map((line) => line.split(','))
    .map((f) => ({ t: Date.parse(`${f[0]}T00:00:00Z`), values: [f[1], f[2], f[3], f[4]].map((v) => Math.fround(Number(v))) }))
    .sort((a, b) => a.t - b.t);
}

const deadLettersSeen: unknown[] = [];

async function featurePipeline(fitted: string): Promise<{ monthly: FeatureFrame[]; series: FeatureFrame[]; deadLetters: number }> {
  const p = new Pipeline();
  const monthly = collect<FeatureFrame>();
  const series = collect<FeatureFrame>();
  const scaled = days(p).apply(scaleToZScore({ fitted }));
  const stats = windowStats(STATS, { features: FEATURES });
  scaled
    .windowInto(fixedWindows(MONTH))
    .apply(stats)
    .apply(featureVector(stats.featureNames, { key: (r) => r['windowStart'], nonFinite: 'keep' }))
    .apply(monthly);
  const lagged = lags(1, { features: ['precipitation'] });
  scaled
    .apply(lagged)
    .apply(rolling('mean', 7, { features: ['temp_max'] }))
    .apply(featureVector(['temp_max', ...lagged.featureNames, 'temp_max_mean7'], { key: (r) => r['t'] as number, nonFinite: 'keep' }))
    .apply(series);
  const result = await run(p, { bundleSize: 200, onDeadLetter: (d) => deadLettersSeen.push(d) });
  return { monthly: monthly.values, series: series.values, deadLetters: result.deadLetterCount };
}

/** Frames' rows, ordered by key. */
function rowsByKey(frames: readonly FeatureFrame[]): { key: number; row: number[] }[] {
  return frames.flatMap((f) => f.keys.map((key, i) => ({ key: key as number, row: Array.from(f.view.subarray(i * f.cols, (i + 1) * f.cols)) }))).sort((a, b) => a.key - b.key);
}

describe('a feature pipeline over real readings (vega-datasets seattle-weather.csv)', () => {
  it('gives the same frames as the plain-TS twins: z-score fitted on a bounded pass, monthly stats, lags and a rolling mean (1e-5 absolute)', async () => {
    // Training: fit on the whole file, save as JSON.
    const fit = new Pipeline();
    const artifacts = collect<FittedStatistics>();
    days(fit)
      .apply(fitFeatures('zscore', { features: FEATURES }))
      .apply(artifacts);
    await run(fit);
    const json = serializeFitted(artifacts.values[0]!);

    const { monthly, series, deadLetters } = await featurePipeline(json);
    expect(deadLetters, JSON.stringify(deadLettersSeen)).toBe(0);

    // The twins: fit, scale (outputs rounded to f32 as the records carry them), group by month, stats.
    const data = twinRows();
    const n = data.length;
    expect(n).toBe(1461);
    const x = Float64Array.from(data.flatMap((r) => r.values));
    const mean = ref.stats.colMean(x, n, 4);
    const std = ref.stats.colStd(x, n, 4, 0);
    expect(maxAbsDiff((JSON.parse(json) as FittedStatistics).params['mean']!, mean)).toBeLessThan(1e-9 * 60);
    const z = new Float64Array(n * 4);
    ref.scale.zscore(x, n, 4, mean, std, z);
    const zf = z.map(Math.fround);

    const months = new Map<number, number[]>();
    data.forEach((r, i) => {
      const start = Math.floor(r.t / MONTH) * MONTH;
      months.set(start, [...(months.get(start) ?? []), i]);
    });
    const got = rowsByKey(monthly);
    expect(got.map((r) => r.key)).toEqual([...months.keys()].sort((a, b) => a - b));
    expect(monthly[0]!.names).toEqual(FEATURES.flatMap((f) => STATS.map((s) => `${f}_${s}`)));
    let worst = 0;
    for (const { key, row } of got) {
      const idx = months.get(key)!;
      const pane = Float64Array.from(idx.flatMap((i) => Array.from(zf.subarray(i * 4, i * 4 + 4))));
      const m = idx.length;
      const s = ref.stats;
      const perStat: Record<string, Float64Array> = {
        mean: s.colMean(pane, m, 4),
        std: s.colStd(pane, m, 4, 0),
        min: s.colMin(pane, m, 4),
        max: s.colMax(pane, m, 4),
        median: s.colMedian(pane, m, 4),
        skew: s.colSkew(pane, m, 4),
      };
      const want = FEATURES.flatMap((_, c) => STATS.map((st) => perStat[st]![c]!));
      worst = Math.max(worst, maxAbsDiff(Float32Array.from(want), row));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(got.at(-1)!.row[STATS.indexOf('skew')]).toBeNaN(); // the last month holds one day: skewness 0/0, in the twins too

    // Lags and the rolling mean over the whole file (one pane in the global window).
    const seriesRows = rowsByKey(series);
    expect(seriesRows.length).toBe(n);
    const precip = Float64Array.from({ length: n }, (_, i) => zf[i * 4]!);
    const lag = new Float64Array(n);
    ref.signal.lags(precip, n, 1, 1, lag);
    const want = seriesRows.map((_, i) => {
      const window = Float64Array.from({ length: 7 }, (_, j) => zf[(i - 6 + j) * 4 + 1]!);
      return [zf[i * 4 + 1]!, lag[i]!, i < 6 ? NaN : ref.stats.colMean(window, 7, 1)[0]!];
    });
    expect(
      maxAbsDiff(
        Float32Array.from(want.flat()),
        seriesRows.flatMap((r) => r.row),
      ),
    ).toBeLessThan(1e-5);
  });
});
