/**
 * Record-level cleaning and scaling, Beam MLTransform style: `impute`, `clip`, `scaleToZScore`,
 * `scaleToMinMax`, `scaleRobust`. Each either applies a given artifact (`fitted`, e.g. loaded
 * from the JSON training wrote) or fits one per key on a warm-up of the first records of a
 * stream and applies it from then on. Records keep their other fields; the features are replaced
 * by their transformed values (f32, as the kernels compute them).
 */
import type { PCollection } from '../core/pcollection.js';
import { composite, type PTransform } from '../core/ptransform.js';
import { statefulParDo } from '../transforms/stateful-par-do.js';
import { ApplyFittedFn } from './fitted/apply-records.js';
import { fittedStatistics, parseFitted, type FittedStatistics } from './fitted/artifact.js';
import type { FittableKind } from './fitted/fit.js';
import { checkFeatureNames, typed, type FeatureRecord, type NonFinitePolicy } from './records.js';
import { ForwardFillFn } from './forward-fill.js';
import { DEFAULT_WARM_UP, WarmUpFitFn, type FittedRecord, type WarmUpOutput } from './fitted/warm-up.js';

/** Records in, records out (`R`: the caller's record type; what is read from it is checked per record). */
export type RecordTransform<R = FeatureRecord> = PTransform<PCollection<R>, PCollection<R>>;

/** Options shared by the fitted transforms. */
export interface FittedOptions<R = FeatureRecord> {
  /** Fields to transform. Default: the artifact's `featureNames` when `fitted` is given (required otherwise). */
  readonly features?: readonly string[];
  /** A fitted artifact (object or JSON text) to apply as is; without one, the transform fits on a warm-up. */
  readonly fitted?: FittedStatistics | string;
  /** Records per key to fit on before anything is emitted (default 1000). */
  readonly warmUp?: number;
  /** Fits one artifact per key (default: one for the whole stream). State is per key and window: apply before `windowInto` to fit once. */
  readonly key?: (record: R) => unknown;
  /** NaN/±Inf in a feature: `'reject'` (dead letter, the default) or `'keep'` (left out of the fit, passed through). */
  readonly nonFinite?: NonFinitePolicy;
}

function fittedTransform(name: string, kind: FittableKind, options: FittedOptions, missingIsNaN = false): RecordTransform {
  const policy = missingIsNaN ? 'keep' : (options.nonFinite ?? 'reject');
  if (policy !== 'reject' && policy !== 'keep') throw new TypeError(`${name}: options.nonFinite must be 'reject' or 'keep', got ${JSON.stringify(policy)}`);
  if (options.fitted !== undefined) {
    const fitted = parseFitted(options.fitted);
    if (fitted.kind !== kind) throw new TypeError(`${name}: options.fitted holds "${fitted.kind}" statistics; this transform needs "${kind}"`);
    return applying(name, fitted, options.features, policy, missingIsNaN);
  }
  const features = options.features ?? [];
  checkFeatureNames(name, features);
  const warmUp = options.warmUp ?? DEFAULT_WARM_UP;
  if (!Number.isInteger(warmUp) || warmUp < 1) throw new RangeError(`${name}: options.warmUp must be a positive integer (records per key), got ${warmUp}`);
  const key = options.key ?? (() => null);
  return composite(name, (input: PCollection<FeatureRecord>) =>
    input
      .withKeys(key, 'key')
      .apply(statefulParDo(new WarmUpFitFn(kind, features, warmUp, policy)).withName('fit'))
      // In 'records' mode the fitter emits only FittedRecords.
      .parDo(
        new ApplyFittedFn<WarmUpOutput<unknown>>(features, policy, { record: (p) => (p as FittedRecord).record, fitted: (p) => (p as FittedRecord).fitted }, missingIsNaN),
        'apply',
      ),
  );
}

function applying(name: string, fitted: FittedStatistics, features: readonly string[] | undefined, policy: NonFinitePolicy, missingIsNaN = false): RecordTransform {
  if (features && (features.length !== fitted.featureNames.length || features.some((f, i) => f !== fitted.featureNames[i]))) {
    throw new TypeError(`${name}: options.features (${features.join(', ')}) must equal the artifact's featureNames (${fitted.featureNames.join(', ')})`);
  }
  // A DoFn per application: it holds the bundle being processed.
  return composite(name, (input: PCollection<FeatureRecord>) =>
    input.parDo(new ApplyFittedFn<FeatureRecord>(fitted.featureNames, policy, { record: (r) => r, fitted: () => fitted }, missingIsNaN), 'apply'),
  );
}

/** Scales features to mean 0, std 1 (population std) with fitted means and deviations. */
export function scaleToZScore<R extends object = FeatureRecord>(options: FittedOptions<R>): RecordTransform<R> {
  return typed(fittedTransform('scaleToZScore', 'zscore', options as FittedOptions));
}

/** Scales features to [0, 1] with fitted minima and maxima. */
export function scaleToMinMax<R extends object = FeatureRecord>(options: FittedOptions<R>): RecordTransform<R> {
  return typed(fittedTransform('scaleToMinMax', 'minMax', options as FittedOptions));
}

/** Scales features by (x − median) / IQR with fitted quartiles: robust to outliers. */
export function scaleRobust<R extends object = FeatureRecord>(options: FittedOptions<R>): RecordTransform<R> {
  return typed(fittedTransform('scaleRobust', 'robust', options as FittedOptions));
}

/** Options of `impute`. */
export interface ImputeOptions<R = FeatureRecord> extends Omit<FittedOptions<R>, 'nonFinite'> {
  /** `'mean'` / `'median'` of the finite values (fitted), `'constant'` (`value`), or `'last'` (forward fill per key). */
  readonly strategy: 'mean' | 'median' | 'constant' | 'last';
  /** The constant, one for all features or one per feature (strategy `'constant'`). */
  readonly value?: number | readonly number[];
}

function perFeature(name: string, option: string, value: number | readonly number[] | undefined, d: number): number[] {
  const values = typeof value === 'number' ? Array.from({ length: d }, () => value) : value ? [...value] : [];
  if (values.length !== d || !values.every((v) => typeof v === 'number' && !Number.isNaN(v))) {
    throw new TypeError(`${name}: options.${option} must be a number or ${d} numbers (one per feature), got ${JSON.stringify(value)}`);
  }
  return values;
}

/**
 * Replaces missing (`null`, absent) and non-finite feature values: with the mean or median of
 * the finite values (fitted), with a constant, or with the key's last finite value (forward
 * fill; leading gaps stay NaN). A field holding a non-number is still a dead letter.
 */
export function impute<R extends object = FeatureRecord>(options: ImputeOptions<R>): RecordTransform<R> {
  return typed(imputeRecords(options as ImputeOptions));
}

function imputeRecords(options: ImputeOptions): RecordTransform {
  const { strategy } = options;
  if (strategy === 'constant') {
    const features = options.features ?? [];
    checkFeatureNames('impute', features);
    const fitted = fittedStatistics('imputeConstant', features, { value: perFeature('impute', 'value', options.value, features.length) });
    return applying('impute', fitted, features, 'keep', true);
  }
  if (strategy === 'last') {
    const features = options.features ?? [];
    checkFeatureNames('impute', features);
    const key = options.key ?? (() => null);
    return composite('impute', (input: PCollection<FeatureRecord>) => input.withKeys(key, 'key').apply(statefulParDo(new ForwardFillFn(features)).withName('fill')));
  }
  const kinds: Record<string, FittableKind> = { mean: 'imputeMean', median: 'imputeMedian' };
  const kind = kinds[strategy];
  if (!kind) throw new TypeError(`impute: options.strategy must be 'mean', 'median', 'constant' or 'last', got ${JSON.stringify(strategy)}`);
  return fittedTransform('impute', kind, options, true);
}

/** Options of `clip`. */
export interface ClipOptions {
  readonly features: readonly string[];
  /** Lower bound, one for all features or one per feature (default −Infinity). */
  readonly min?: number | readonly number[];
  /** Upper bound (default +Infinity). */
  readonly max?: number | readonly number[];
  /** NaN in a feature: `'reject'` (default) or `'keep'` (stays NaN; ±Inf clip to the bounds). */
  readonly nonFinite?: NonFinitePolicy;
}

/** Limits features to [min, max]. */
export function clip<R extends object = FeatureRecord>(options: ClipOptions): RecordTransform<R> {
  checkFeatureNames('clip', options.features);
  const d = options.features.length;
  const min = perFeature('clip', 'min', options.min ?? -Infinity, d);
  const max = perFeature('clip', 'max', options.max ?? Infinity, d);
  const bad = min.findIndex((lo, i) => !(lo <= max[i]!));
  if (bad >= 0) throw new RangeError(`clip: min (${min[bad]}) is above max (${max[bad]}) for feature "${options.features[bad]}"`);
  return typed(applying('clip', fittedStatistics('clip', options.features, { min, max }), options.features, options.nonFinite ?? 'reject'));
}
