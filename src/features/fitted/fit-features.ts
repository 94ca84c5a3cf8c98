/**
 * `fitFeatures`: the bounded pass of Beam's MLTransform. It fits an artifact on a whole bounded
 * collection (a training set read from CSV or the store) and emits it once, to be written as
 * JSON and given to the scaling transforms of the training and inference pipelines as `fitted`.
 */
import type { CombineFn } from '../../core/combine-fn.js';
import type { KV } from '../../core/element.js';
import type { PCollection } from '../../core/pcollection.js';
import { MIN_TIMESTAMP } from '../../core/time.js';
import { composite, type PTransform } from '../../core/ptransform.js';
import { statefulParDo } from '../../transforms/stateful-par-do.js';
import { fitParams, fitsFiniteRowsOnly, isFittable, type FittableKind } from './fit.js';
import { fittedStatistics, type FittedStatistics } from './artifact.js';
import { checkFeatureNames, readFeatures, typed, type FeatureRecord, type NonFinitePolicy } from '../records.js';
import { DEFAULT_WARM_UP, WarmUpFitFn } from './warm-up.js';
import { kernels } from '../../kernels/module.js';
import { Workspace } from '../workspace.js';

/** Accumulator: the rows kept for fitting (JSON, so a durable run can persist it) and their time range. */
interface FitAccumulator {
  rows: number[][];
  from: number | null;
  to: number | null;
}

/** A checked row of feature values and its event time. */
interface TimedRow {
  readonly t: number;
  readonly values: number[];
}

function fitCombiner(kind: FittableKind, features: readonly string[]): CombineFn<TimedRow, FitAccumulator, FittedStatistics> {
  const finiteRows = fitsFiniteRowsOnly(kind);
  return {
    name: `fit(${kind})`,
    createAccumulator: () => ({ rows: [], from: null, to: null }),
    addInput(acc, { t, values }) {
      if (finiteRows && !values.every(Number.isFinite)) return acc;
      acc.rows.push(values);
      if (t <= MIN_TIMESTAMP) return acc; // no event time (a created collection)
      acc.from = acc.from === null ? t : Math.min(acc.from, t);
      acc.to = acc.to === null ? t : Math.max(acc.to, t);
      return acc;
    },
    mergeAccumulators(accs) {
      const merged: FitAccumulator = { rows: [], from: null, to: null };
      for (const a of accs) {
        for (const r of a.rows) merged.rows.push(r);
        if (a.from !== null) merged.from = merged.from === null ? a.from : Math.min(merged.from, a.from);
        if (a.to !== null) merged.to = merged.to === null ? a.to : Math.max(merged.to, a.to);
      }
      return merged;
    },
    extractOutput({ rows, from, to }) {
      const ws = new Workspace();
      const d = features.length;
      const block = ws.f32('fit', rows.length * d);
      const view = block.view;
      rows.forEach((r, i) => view.set(r, i * d));
      return fittedStatistics(kind, features, fitParams(ws, kind, block.ptr, rows.length, d), { rows: rows.length, from, to });
    },
  };
}

/** Options of `fitFeatures`. */
export interface FitFeaturesOptions {
  readonly features: readonly string[];
  /** NaN/±Inf in a feature: `'reject'` (dead letter, the default) or `'keep'` (left out of the fit). */
  readonly nonFinite?: NonFinitePolicy;
}

/**
 * Fits `kind` on a bounded collection of records and emits one `FittedStatistics` (in the
 * global window, when the input ends). Records with a missing or non-numeric feature are dead letters.
 */
export function fitFeatures<R extends object = FeatureRecord>(kind: FittableKind, options: FitFeaturesOptions): PTransform<PCollection<R>, PCollection<FittedStatistics>> {
  if (!isFittable(kind)) throw new TypeError(`fitFeatures(kind): "${String(kind)}" is not fitted from data`);
  const { features } = options;
  checkFeatureNames('fitFeatures', features);
  const imputing = !fitsFiniteRowsOnly(kind);
  const policy = imputing ? 'keep' : (options.nonFinite ?? 'reject');
  return typed(
    composite(`fitFeatures(${kind})`, (input: PCollection<FeatureRecord>) =>
      input
        .parDo<TimedRow>(
          {
            // The fit runs in the kernels once the input ends: load them at set-up, so a missing
            // kernels file fails the run before it reads the input rather than after.
            setup() {
              kernels();
            },
            process(record, ctx) {
              const values = new Array<number>(features.length);
              readFeatures(record, features, policy, values, 0, imputing);
              ctx.output({ t: ctx.timestamp, values });
            },
          },
          'check',
        )
        .combineGlobally(fitCombiner(kind, features), 'fit'),
    ),
  );
}

/** Options of `fitOnWarmUp`. */
export interface FitOnWarmUpOptions<R = FeatureRecord> extends FitFeaturesOptions {
  /** Records per key to fit on (default 1000, as the scalers). */
  readonly warmUp?: number;
  /** One artifact per key (default: one for the stream). */
  readonly key?: (record: R) => unknown;
}

/**
 * Exports the streaming fit: emits `{ key, value: FittedStatistics }` once per key (and window),
 * fitted on the same first `warmUp` records as a scaler with the same options, e.g. to send with
 * a model trained on the scaled stream, or to write with `writeOutbox`. The fit is kept in state
 * like the scalers', so a restart of a durable run does not emit it again.
 */
export function fitOnWarmUp<R extends object = FeatureRecord>(
  kind: FittableKind,
  options: FitOnWarmUpOptions<R>,
): PTransform<PCollection<R>, PCollection<KV<unknown, FittedStatistics>>> {
  if (!isFittable(kind)) throw new TypeError(`fitOnWarmUp(kind): "${String(kind)}" is not fitted from data`);
  const { features } = options;
  checkFeatureNames('fitOnWarmUp', features);
  const warmUp = options.warmUp ?? DEFAULT_WARM_UP;
  if (!Number.isInteger(warmUp) || warmUp < 1) throw new RangeError(`fitOnWarmUp: options.warmUp must be a positive integer (records per key), got ${warmUp}`);
  const policy = fitsFiniteRowsOnly(kind) ? (options.nonFinite ?? 'reject') : 'keep';
  const key = (options.key as ((r: FeatureRecord) => unknown) | undefined) ?? (() => null);
  return typed(
    composite(`fitOnWarmUp(${kind})`, (input: PCollection<FeatureRecord>) =>
      input.withKeys(key, 'key').apply(statefulParDo(new WarmUpFitFn(kind, features, warmUp, policy, 'fitted')).withName('fit')),
    ),
  );
}
