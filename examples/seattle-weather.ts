/**
 * Shared by the training examples: Seattle's daily weather 2012–2015 (`vega-datasets`, 1,461
 * rows), read with the pipeline API into typed days in date order, plus the kernel-built
 * features both examples use.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Pipeline, collect, readCsv, run } from '../src/index.js';
import { allocFrame, kernels } from '../src/kernels/index.js';

/** Path of `seattle-weather.csv` inside the installed vega-datasets package. */
export function seattleWeatherCsv(): string {
  return join(dirname(createRequire(import.meta.url).resolve('vega-datasets')), '..', 'data', 'seattle-weather.csv');
}

/** One day of weather. */
export interface Day {
  date: string;
  precipitation: number;
  tempMax: number;
  tempMin: number;
  wind: number;
  weather: string;
  /** Day of the year as an angle, 0..2π. */
  season: number;
}

/** Reads the CSV with the pipeline API (typed by a schema; bad lines become dead letters). */
export async function readDays(csvPath: string): Promise<{ days: Day[]; rejected: number }> {
  const p = new Pipeline();
  const out = collect<Day>();
  p.apply(readCsv(csvPath, { schema: { date: 'string', precipitation: 'number', temp_max: 'number', temp_min: 'number', wind: 'number', weather: 'string' } }))
    .filter((r) => /^\d{4}-\d{2}-\d{2}$/.test(r.date), 'dated')
    .map((r) => {
      const t = Date.parse(`${r.date}T00:00:00Z`);
      const dayOfYear = (t - Date.UTC(new Date(t).getUTCFullYear(), 0, 1)) / 86_400_000;
      return {
        date: r.date,
        precipitation: r.precipitation,
        tempMax: r.temp_max,
        tempMin: r.temp_min,
        wind: r.wind,
        weather: r.weather,
        season: (2 * Math.PI * dayOfYear) / 365.25,
      };
    }, 'day')
    .apply(out);
  const result = await run(p);
  return { days: out.values.sort((a, b) => a.date.localeCompare(b.date)), rejected: result.deadLetterCount };
}

/**
 * Time-series features from the WASM signal kernels over the days in order: yesterday's values
 * (`lags`), 3-day moving averages (`movingAverage`) and day-over-day changes (`diff`) of the
 * maximum temperature and the precipitation. Row 0 has no yesterday (NaN).
 */
export function seriesFeatures(days: readonly Day[]): { yesterdayMax: Float64Array; yesterdayRain: Float64Array; rain3: Float64Array; maxChange: Float64Array } {
  const { exports: k, arena } = kernels();
  const n = days.length;
  const series = allocFrame(arena, n, ['temp_max', 'precipitation']);
  series.view.set(days.flatMap((d) => [d.tempMax, d.precipitation]));
  const [lag, avg, change] = [arena.allocF32(2 * n), arena.allocF32(2 * n), arena.allocF32(2 * n)];
  try {
    k.lags(series.ptr, n, 2, 1, lag.ptr);
    k.movingAverage(series.ptr, n, 2, 3, avg.ptr);
    k.diff(series.ptr, n, 2, change.ptr);
    const col = (b: typeof lag, c: number): Float64Array => Float64Array.from({ length: n }, (_, i) => b.view[2 * i + c]!);
    return { yesterdayMax: col(lag, 0), yesterdayRain: col(lag, 1), rain3: col(avg, 1), maxChange: col(change, 0) };
  } finally {
    for (const b of [series.block, lag, avg, change]) arena.free(b);
  }
}
