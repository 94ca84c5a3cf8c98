/**
 * Time-series features per row (rows of a key in event-time order): `lags(k)` adds the k previous
 * values of each feature, `rolling(stat, n)` a statistic over the trailing n rows (NaN until n rows
 * are there: pandas' min_periods = n). Two modes:
 * - `'pane'` (default): per key and window pane, one kernel call per pane; history does not cross panes.
 * - `'stream'`: per key across bundles, the last rows kept in state (one kernel call per key and
 *   bundle over [kept rows; new rows]), so the features continue over bundles and restarts.
 */
import type { PCollection } from '../core/pcollection.js';
import { composite, type PTransform } from '../core/ptransform.js';
import { valueState } from '../core/state.js';
import type { StatsExports } from '../kernels/exports.js';
import { statefulParDo } from '../transforms/stateful-par-do.js';
import { KeyedBundleFn, type HeldRows, type KeyedState } from './keyed-bundle.js';
import { checkFeatureNames, typed, type FeatureRecord, type NonFinitePolicy } from './records.js';
import { paneTransform, type PaneOptions } from './window-features.js';
import type { Workspace } from './workspace.js';

/** A record transform that also says which features it adds. */
export type SeriesTransform<R = FeatureRecord> = PTransform<PCollection<R>, PCollection<R>> & { readonly featureNames: readonly string[] };

/** Options of `lags` and `rolling`. */
export interface SeriesOptions<R = FeatureRecord> extends PaneOptions<R> {
  /** `'pane'` (per key and window, the default) or `'stream'` (per key, carried in state across bundles). */
  readonly mode?: 'pane' | 'stream';
}

/** Computes the new columns [rows × width] of a frame [rows × d] at `ptr` in WASM memory. */
type SeriesValues = (ws: Workspace, ptr: number, view: () => Float32Array, rows: number, d: number) => ArrayLike<number>;

function positiveInt(name: string, option: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name}: ${option} must be a positive integer, got ${value}`);
}

/** Copies each record and adds `values[i·width + j]` as `names[j]`. */
function withColumns(records: readonly FeatureRecord[], names: readonly string[], values: ArrayLike<number>): FeatureRecord[] {
  const width = names.length;
  return records.map((r, i) => {
    const out: Record<string, unknown> = { ...r };
    for (let j = 0; j < width; j++) out[names[j]!] = values[i * width + j];
    return out;
  });
}

type HistoryState = { history: ReturnType<typeof valueState<number[]>> };

/** The streaming mode: each key keeps its last `keep` rows and computes over [kept; new] rows. */
class StreamSeriesFn extends KeyedBundleFn<HistoryState> {
  readonly state: HistoryState = { history: valueState<number[]>() };

  readonly #width: number;

  constructor(
    features: readonly string[],
    names: readonly string[],
    policy: NonFinitePolicy,
    private readonly keep: number,
    private readonly values: SeriesValues,
  ) {
    super(features, names, policy, false);
    this.#width = names.length;
  }

  protected compute(rows: HeldRows, state: KeyedState<HistoryState>): ArrayLike<number> {
    const d = this.features.length;
    const kept = state.history.read() ?? [];
    const h = kept.length / d;
    const total = h + rows.records.length;
    const block = this.ws.f32('series', total * d);
    block.view.set(kept);
    block.view.set(rows.values, h * d);
    const out = this.values(this.ws, block.ptr, () => block.view, total, d);
    state.history.write(Array.from(block.view.subarray(Math.max(0, total - this.keep) * d, total * d)));
    return Array.prototype.slice.call(out, h * this.#width, total * this.#width) as number[];
  }
}

function seriesTransform<R>(name: string, options: SeriesOptions<R>, names: readonly string[], keep: number, values: SeriesValues): SeriesTransform<R> {
  const mode = options.mode ?? 'pane';
  let transform: PTransform<PCollection<FeatureRecord>, PCollection<FeatureRecord>>;
  if (mode === 'pane') {
    transform = paneTransform<FeatureRecord>(name, options as PaneOptions, (pane, ws) =>
      withColumns(
        pane.records,
        names,
        values(ws, pane.ptr, () => pane.view, pane.n, pane.d),
      ),
    );
  } else if (mode === 'stream') {
    checkFeatureNames(name, options.features);
    const policy = options.nonFinite ?? 'reject';
    const key = (options.key as ((r: FeatureRecord) => unknown) | undefined) ?? (() => null);
    transform = composite(name, (input: PCollection<FeatureRecord>) =>
      input.withKeys(key, 'key').apply(statefulParDo(new StreamSeriesFn(options.features, names, policy, keep, values)).withName('series')),
    );
  } else {
    throw new TypeError(`${name}: options.mode must be 'pane' or 'stream', got ${JSON.stringify(mode)}`);
  }
  return Object.assign(typed<PTransform<PCollection<R>, PCollection<R>>>(transform), { featureNames: names });
}

/** Names of `lags(k)`: `${feature}_lag${j}`, j = 1..k, lag-major (as the kernel lays them out). */
export function lagNames(features: readonly string[], k: number): string[] {
  return Array.from({ length: k }, (_, j) => features.map((f) => `${f}_lag${j + 1}`)).flat();
}

/** Adds the values of the k previous rows (of the same key) to each record with the `lags` kernel. */
export function lags<R extends object = FeatureRecord>(k: number, options: SeriesOptions<R>): SeriesTransform<R> {
  positiveInt('lags(k)', 'k', k);
  return seriesTransform(`lags(${k})`, options, lagNames(options.features, k), k, (ws, ptr, _view, rows, d) => {
    const out = ws.f32('lags', rows * k * d);
    ws.k.exports.lags(ptr, rows, d, k, out.ptr);
    return out.view.subarray(0, rows * k * d);
  });
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
 * Per feature the trailing windows are laid out as the columns of an [n × rows] frame (row j holds
 * the values j rows back, NaN before the first row), so one stats kernel call computes all of them
 * (population std).
 */
export function rolling<R extends object = FeatureRecord>(stat: RollingStat, n: number, options: SeriesOptions<R>): SeriesTransform<R> {
  if (!(stat in ROLLING)) throw new TypeError(`rolling(stat): unknown statistic "${stat}"; known: ${Object.keys(ROLLING).join(', ')}`);
  positiveInt('rolling(stat, n)', 'n', n);
  return seriesTransform(`rolling(${stat},${n})`, options, rollingNames(options.features, stat, n), n - 1, (ws, _ptr, view, rows, d) => {
    const trailing = ws.f32('trailing', n * rows);
    const result = ws.f64('rolling', rows);
    const column = new Float32Array(rows);
    const values = new Float64Array(rows * d);
    for (let c = 0; c < d; c++) {
      const frame = view();
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
    return values;
  });
}
