/**
 * `windowStats`: per key and window, statistics of each feature over the pane, one stats
 * kernel call per statistic for all features at once (optionally with FFT band energies).
 */
import type { StatsExports } from '../kernels/exports.js';
import { bandsFeature, type FftBandsSpec } from './fft-bands.js';
import { typed, type FeatureRecord } from './records.js';
import { windowTransform, type Pane, type PaneFeature, type PaneOptions, type WindowFeatureTransform } from './window-features.js';
import type { Workspace } from './workspace.js';

/** Statistics `windowStats` computes (population moments; `zcr` is the zero-crossing rate). */
export type WindowStat = 'count' | 'sum' | 'mean' | 'var' | 'std' | 'min' | 'max' | 'ptp' | 'rms' | 'skew' | 'kurtosis' | 'median' | 'zcr';

type Kernel = (k: StatsExports, p: Pane, out: number, ws: Workspace) => void;

const KERNELS: Record<WindowStat, Kernel> = {
  count: (k, p, out) => k.colCount(p.ptr, p.n, p.d, out),
  sum: (k, p, out) => k.colSum(p.ptr, p.n, p.d, out),
  mean: (k, p, out) => k.colMean(p.ptr, p.n, p.d, out),
  var: (k, p, out) => k.colVar(p.ptr, p.n, p.d, 0, out),
  std: (k, p, out) => k.colStd(p.ptr, p.n, p.d, 0, out),
  min: (k, p, out) => k.colMin(p.ptr, p.n, p.d, out),
  max: (k, p, out) => k.colMax(p.ptr, p.n, p.d, out),
  ptp: (k, p, out) => k.colPtp(p.ptr, p.n, p.d, out),
  rms: (k, p, out) => k.colRms(p.ptr, p.n, p.d, out),
  skew: (k, p, out) => k.colSkew(p.ptr, p.n, p.d, out),
  kurtosis: (k, p, out) => k.colKurt(p.ptr, p.n, p.d, out),
  median: (k, p, out, ws) => k.colMedian(p.ptr, p.n, p.d, ws.f32('scratch', p.n).ptr, out),
  zcr: (k, p, out) => k.colZcr(p.ptr, p.n, p.d, out),
};

/** Every statistic `windowStats` knows. */
export const WINDOW_STATS = Object.keys(KERNELS) as readonly WindowStat[];

/** The output names of `windowStats(stats, { features })`: `${feature}_${stat}`, feature-major. */
export function windowStatNames(stats: readonly WindowStat[], features: readonly string[]): string[] {
  return features.flatMap((f) => stats.map((s) => `${f}_${s}`));
}

/** Options of `windowStats`. */
export interface WindowStatsOptions<R = FeatureRecord> extends PaneOptions<R> {
  /** Also the FFT band energies of each feature (as `fftBands`), in the same record. */
  readonly fft?: FftBandsSpec;
}

/**
 * Per key and window, `stats` of each feature (and, with `fft`, its band energies): one record
 * `{ key, windowStart, windowEnd, <feature>_<stat>… }` per pane. Moments are population moments (over n).
 */
export function windowStats<R extends object = FeatureRecord>(stats: readonly WindowStat[], options: WindowStatsOptions<R>): WindowFeatureTransform<R> {
  if (!Array.isArray(stats) || stats.length === 0) throw new TypeError(`windowStats(stats): pass a non-empty list of ${WINDOW_STATS.join(', ')}`);
  for (const s of stats) if (!(s in KERNELS)) throw new TypeError(`windowStats: unknown statistic "${s}"; known: ${WINDOW_STATS.join(', ')}`);
  const { features } = options;
  const names = windowStatNames(stats, features);
  const statsPart: PaneFeature = {
    names,
    into(record, pane, ws) {
      const d = pane.d;
      const out = ws.f64('stats', stats.length * d);
      stats.forEach((s: WindowStat, j) => KERNELS[s](ws.k.exports, pane, out.ptr + j * d * 8, ws));
      const values = out.view;
      features.forEach((f, c) => stats.forEach((s, j) => (record[`${f}_${s}`] = values[j * d + c])));
    },
  };
  const parts = options.fft ? [statsPart, bandsFeature('windowStats', features, options.fft)] : [statsPart];
  return typed(windowTransform(`windowStats(${stats.join(',')})`, options as PaneOptions, parts));
}
