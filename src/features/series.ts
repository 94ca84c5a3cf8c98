/**
 * Time-series features per row, computed per key and window pane (rows in event-time order):
 * `lags(k)` adds the k previous values of each feature, `rolling(stat, n)` a statistic over the
 * trailing n rows. History does not cross panes: the first rows of a pane have NaN lags, and
 * NaN rolling values until n rows are there (pandas' min_periods = n).
 */
import type { PCollection } from '../core/pcollection.js';
import type { PTransform } from '../core/ptransform.js';
import type { StatsExports } from '../kernels/exports.js';
import { paneTransform, type Pane, type PaneOptions } from './pane.js';
import { typed, type FeatureRecord } from './records.js';
import type { Workspace } from './workspace.js';

/** A record transform that also says which features it adds. */
export type SeriesTransform<R = FeatureRecord> = PTransform<PCollection<R>, PCollection<R>> & { readonly featureNames: readonly string[] };

function positiveInt(name: string, option: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: ${option} must be a positive integer, got ${value}`);
}

/** Copies each pane record and adds `values[i·width + j]` as `names[j]`. */
function withColumns(pane: Pane, names: readonly string[], values: ArrayLike<number>): FeatureRecord[] {
  const width = names.length;
  return pane.records.map((r, i) => {
    const out: Record<string, unknown> = { ...r };
    for (let j = 0; j < width; j++) out[names[j]!] = values[i * width + j];
    return out;
  });
}

/** Names of `lags(k)`: `${feature}_lag${j}`, j = 1..k, lag-major (as the kernel lays them out). */
export function lagNames(features: readonly string[], k: number): string[] {
  return Array.from({ length: k }, (_, j) => features.map((f) => `${f}_lag${j + 1}`)).flat();
}

/** Adds the values of the k previous rows (of the same key and window) to each record; one `lags` kernel call per pane. */
export function lags<R extends object = FeatureRecord>(k: number, options: PaneOptions<R>): SeriesTransform<R> {
  positiveInt('lags(k)', 'k', k);
  const names = lagNames(options.features, k);
  const transform = paneTransform<FeatureRecord>(`lags(${k})`, options as PaneOptions, (pane, ws) => {
    const out = ws.f32('lags', pane.n * names.length);
    ws.k.exports.lags(pane.ptr, pane.n, pane.d, k, out.ptr);
    return withColumns(pane, names, out.view);
  });
  return Object.assign(typed<PTransform<PCollection<R>, PCollection<R>>>(transform), { featureNames: names });
}

/** Statistics `rolling` computes over the trailing rows. */
export type RollingStat = 'mean' | 'sum' | 'std' | 'min' | 'max' | 'rms' | 'median';

type Kernel = (k: StatsExports, ptr: number, w: number, n: number, out: number, ws: Workspace) => void;

const ROLLING: Record<RollingStat, Kernel> = {
  mean: (k, p, w, n, out) => k.colMean(p, w, n, out),
  sum: (k, p, w, n, out) => k.colSum(p, w, n, out),
  std: (k, p, w, n, out) => k.colStd(p, w, n, 0, out),
  min: (k, p, w, n, out) => k.colMin(p, w, n, out),
  max: (k, p, w, n, out) => k.colMax(p, w, n, out),
  rms: (k, p, w, n, out) => k.colRms(p, w, n, out),
  median: (k, p, w, n, out, ws) => k.colMedian(p, w, n, ws.f32('scratch', w).ptr, out),
};

/** Names of `rolling(stat, n)`: `${feature}_${stat}${n}`. */
export function rollingNames(features: readonly string[], stat: RollingStat, n: number): string[] {
  return features.map((f) => `${f}_${stat}${n}`);
}

/**
 * Adds `stat` over the trailing n rows (the row itself and the n − 1 before it) of each feature.
 * Per feature and pane the trailing windows are laid out as the columns of an [n × rows] frame
 * (row j holds the values j rows back, NaN before the pane's start), so one stats kernel call
 * computes all of them (population std).
 */
export function rolling<R extends object = FeatureRecord>(stat: RollingStat, n: number, options: PaneOptions<R>): SeriesTransform<R> {
  if (!(stat in ROLLING)) throw new TypeError(`rolling(stat): unknown statistic "${stat}"; known: ${Object.keys(ROLLING).join(', ')}`);
  positiveInt('rolling(stat, n)', 'n', n);
  const names = rollingNames(options.features, stat, n);
  const transform = paneTransform<FeatureRecord>(`rolling(${stat},${n})`, options as PaneOptions, (pane, ws) => {
    const rows = pane.n;
    const d = pane.d;
    const trailing = ws.f32('trailing', n * rows);
    const result = ws.f64('rolling', rows);
    const column = new Float32Array(rows);
    const values = new Float64Array(rows * d);
    for (let c = 0; c < d; c++) {
      const frame = pane.view;
      for (let i = 0; i < rows; i++) column[i] = frame[i * d + c]!;
      const t = trailing.view;
      for (let j = 0; j < n; j++) {
        t.fill(NaN, j * rows, j * rows + Math.min(j, rows));
        if (j < rows) t.set(column.subarray(0, rows - j), j * rows + j);
      }
      ROLLING[stat](ws.k.exports, trailing.ptr, n, rows, result.ptr, ws);
      const r = result.view;
      for (let i = 0; i < rows; i++) values[i * d + c] = r[i]!;
    }
    return withColumns(pane, names, values);
  });
  return Object.assign(typed<PTransform<PCollection<R>, PCollection<R>>>(transform), { featureNames: names });
}
