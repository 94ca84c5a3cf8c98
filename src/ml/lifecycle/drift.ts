/**
 * Drift signals: the champion's rolling prediction error on the newest labelled samples against
 * a threshold, and how far the newest features' means moved from the training window's, in
 * training standard deviations. The training window's statistics are the preprocessing
 * statistics stored with each version.
 */
import { worse, type LifecycleMetric } from './metric.js';

/** Per-feature mean and standard deviation of a training window. */
export interface FeatureStatistics {
  readonly features: readonly string[];
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** When the loop calls it drift; every test is off unless set. */
export interface DriftOptions {
  /** Newest labelled samples the rolling error and the feature means are measured on (default 200). */
  readonly window?: number;
  /** Drift when the rolling error is worse than this many times the champion's held-out error (e.g. 1.5). */
  readonly errorRatio?: number;
  /** Drift when the rolling error is worse than this value. */
  readonly errorAbove?: number;
  /** Drift when a feature's mean moved more than this many training standard deviations (e.g. 3). */
  readonly featureShift?: number;
}

/** Mean and (population) standard deviation of each column of row-major `x`. */
export function featureStatistics(x: Float32Array, rows: number, features: readonly string[]): FeatureStatistics {
  const d = features.length;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] = rows > 0 ? mean[j]! / rows : 0;
  for (let i = 0; i < rows; i++) for (let j = 0; j < d; j++) sq[j]! += (x[i * d + j]! - mean[j]!) ** 2;
  return { features, mean: [...mean], std: [...sq].map((s) => (rows > 0 ? Math.sqrt(s / rows) : 0)) };
}

/** The feature whose mean in `x` moved furthest from `trained`, in its training standard deviations (constant features skipped). */
export function largestShift(trained: FeatureStatistics, x: Float32Array, rows: number): { readonly feature: string; readonly shift: number } | undefined {
  const now = featureStatistics(x, rows, trained.features);
  let best: { feature: string; shift: number } | undefined;
  trained.features.forEach((feature, j) => {
    const std = trained.std[j]!;
    if (!(std > 0)) return;
    const shift = Math.abs(now.mean[j]! - trained.mean[j]!) / std;
    if (!best || shift > best.shift) best = { feature, shift };
  });
  return best;
}

/** Why the rolling error or the features say drift, or undefined. `heldOut` is the champion's own held-out error, when known. */
export function driftReason(
  options: DriftOptions,
  metric: LifecycleMetric,
  rolling: number,
  heldOut: number | undefined,
  shift: { readonly feature: string; readonly shift: number } | undefined,
): string | undefined {
  if (options.errorAbove !== undefined && worse(metric, rolling, options.errorAbove)) return `rolling ${metric} ${rolling.toFixed(4)} past the threshold ${options.errorAbove}`;
  if (options.errorRatio !== undefined && heldOut !== undefined && worse(metric, rolling, heldOut * options.errorRatio)) {
    return `rolling ${metric} ${rolling.toFixed(4)} is past ${options.errorRatio} × the champion's held-out ${heldOut.toFixed(4)}`;
  }
  if (options.featureShift !== undefined && shift && shift.shift > options.featureShift) {
    return `feature "${shift.feature}" moved ${shift.shift.toFixed(1)} training standard deviations (threshold ${options.featureShift})`;
  }
  return undefined;
}
