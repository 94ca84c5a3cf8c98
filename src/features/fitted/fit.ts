/**
 * Fitting and applying `FittedStatistics` with the WASM kernels: one kernel call per statistic
 * over a whole frame [n × d] in linear memory (the stats family fits, the scale family applies).
 */
import type { FrameLike } from '../../kernels/frame.js';
import { FITTED_PARAMS, fittedStatistics, type FittedKind, type FittedStatistics } from './artifact.js';
import { readFeatures, type FeatureRecord } from '../records.js';
import { Workspace } from '../workspace.js';

/** Kinds whose parameters come from data (the others are given as constants). */
export type FittableKind = Exclude<FittedKind, 'imputeConstant' | 'clip'>;

const FITTABLE: readonly FittableKind[] = ['zscore', 'minMax', 'robust', 'imputeMean', 'imputeMedian'];

/** True for the kinds `fitStatistics` can fit. */
export function isFittable(kind: FittedKind): kind is FittableKind {
  return (FITTABLE as readonly string[]).includes(kind);
}

/** Scalers fit on rows whose features are all finite; imputers on the finite values of each column. */
export function fitsFiniteRowsOnly(kind: FittableKind): boolean {
  return kind === 'zscore' || kind === 'minMax' || kind === 'robust';
}

/**
 * Fits `kind` on the frame at `ptr` ([n × d] f32 in the workspace's memory). The caller has
 * already dropped non-finite rows for the scalers (`fitsFiniteRowsOnly`).
 */
export function fitParams(ws: Workspace, kind: FittableKind, ptr: number, n: number, d: number): Record<string, number[]> {
  const k = ws.k.exports;
  const a = ws.f64('fitA', 3 * d);
  const b = ws.f64('fitB', d);
  const col = (block: typeof a, from = 0): number[] => Array.from(block.view.subarray(from, from + d));
  switch (kind) {
    case 'zscore':
      k.colMean(ptr, n, d, a.ptr);
      k.colStd(ptr, n, d, 0, b.ptr);
      return { mean: col(a), std: col(b) };
    case 'minMax':
      k.colMin(ptr, n, d, a.ptr);
      k.colMax(ptr, n, d, b.ptr);
      return { min: col(a), max: col(b) };
    case 'robust': {
      const qs = ws.f64Of('quartiles', [0.25, 0.5, 0.75]);
      k.colQuantiles(ptr, n, d, qs.ptr, 3, ws.f32('scratch', n).ptr, a.ptr);
      const q = a.view;
      return { median: col(a, d), iqr: Array.from({ length: d }, (_, c) => q[2 * d + c]! - q[c]!) };
    }
    case 'imputeMean':
      k.colMeanFinite(ptr, n, d, a.ptr);
      return { value: col(a) };
    case 'imputeMedian':
      k.colMedianFinite(ptr, n, d, ws.f32('scratch', n).ptr, a.ptr);
      return { value: col(a) };
  }
}

/** Applies `fitted` in place to the frame at `ptr` ([n × d] f32, columns in `fitted.featureNames` order). */
export function applyParams(ws: Workspace, fitted: FittedStatistics, ptr: number, n: number): void {
  const k = ws.k.exports;
  const d = fitted.featureNames.length;
  const [first, second] = FITTED_PARAMS[fitted.kind].map((name, i) => ws.f64Of(`param${i}`, fitted.params[name]!));
  switch (fitted.kind) {
    case 'zscore':
      return k.zscore(ptr, n, d, first!.ptr, second!.ptr, ptr);
    case 'minMax':
      return k.minMaxScale(ptr, n, d, first!.ptr, second!.ptr, ptr);
    case 'robust':
      return k.robustScale(ptr, n, d, first!.ptr, second!.ptr, ptr);
    case 'clip':
      return k.clip(ptr, n, d, first!.ptr, second!.ptr, ptr);
    case 'imputeMean':
    case 'imputeMedian':
    case 'imputeConstant':
      return k.imputeConst(ptr, n, d, first!.ptr, ptr);
  }
}

/** Options of `fitStatistics`. */
export interface FitOptions {
  /** Features to fit (default: every column of a frame; required for records). */
  readonly features?: readonly string[];
  /** Event-time range of the data, recorded in `fittedOn` (default null). */
  readonly from?: number | null;
  readonly to?: number | null;
}

/**
 * Fits `kind` on a bounded batch, a frame or an array of records, and returns the artifact to
 * save with `serializeFitted` and reuse with the `fitted` option of the scaling transforms.
 * Missing (`null`, absent) values count as NaN: the scalers fit on the rows whose features are
 * all finite, the imputers on each column's finite values. A non-numeric field throws.
 */
export function fitStatistics(kind: FittableKind, data: FrameLike | readonly FeatureRecord[], options: FitOptions = {}): FittedStatistics {
  if (!isFittable(kind)) throw new TypeError(`fitStatistics(kind): "${String(kind)}" is not fitted from data; use one of ${FITTABLE.join(', ')}`);
  const ws = new Workspace();
  const { names, n, block } = Array.isArray(data)
    ? recordsInto(ws, data as readonly FeatureRecord[], options.features, kind)
    : frameInto(ws, data as FrameLike, options.features, kind);
  const params = fitParams(ws, kind, block.ptr, n, names.length);
  return fittedStatistics(kind, names, params, { rows: n, from: options.from ?? null, to: options.to ?? null });
}

function keepRow(kind: FittableKind, row: Float32Array): boolean {
  return !fitsFiniteRowsOnly(kind) || row.every(Number.isFinite);
}

function recordsInto(ws: Workspace, records: readonly FeatureRecord[], features: readonly string[] | undefined, kind: FittableKind) {
  if (!features) throw new TypeError('fitStatistics(kind, records, options): options.features is required for records');
  const d = features.length;
  const block = ws.f32('fit', records.length * d);
  const row = new Float32Array(d);
  let n = 0;
  for (const r of records) {
    readFeatures(r, features, 'keep', row, 0, true);
    if (keepRow(kind, row)) block.view.set(row, n++ * d);
  }
  return { names: features, n, block };
}

function frameInto(ws: Workspace, frame: FrameLike, features: readonly string[] | undefined, kind: FittableKind) {
  const names = features ?? frame.names;
  const cols = names.map((name) => {
    const c = frame.names.indexOf(name);
    if (c < 0) throw new RangeError(`fitStatistics: the frame has no column "${name}"; columns: ${frame.names.join(', ')}`);
    return c;
  });
  const d = names.length;
  const block = ws.f32('fit', frame.rows * d);
  const row = new Float32Array(d);
  let n = 0;
  for (let i = 0; i < frame.rows; i++) {
    for (let j = 0; j < d; j++) row[j] = frame.view[i * frame.cols + cols[j]!]!;
    if (keepRow(kind, row)) block.view.set(row, n++ * d);
  }
  return { names, n, block };
}
