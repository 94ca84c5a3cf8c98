/** The options of `ModelLifecycle` and what its ticks report. */
import type { Clock } from '../../core/clock.js';
import type { FrameLike } from '../../kernels/frame.js';
import type { LabelSource, SampleCaps } from '../../store/samples.js';
import type { Store } from '../../store/store.js';
import type { ModelRegistry } from '../../sync/directory-registry.js';
import type { ModelManifest, TensorSpec } from '../../sync/manifest.js';
import type { FrameModelOptions } from '../infer/frame-settings.js';
import type { FrameModel, ModelHandler } from '../infer/types.js';
import type { SufficientStatistics } from '../train/sufficient-statistics.js';
import type { TrainedModel, Trainer } from '../train/types.js';
import type { DriftOptions } from './drift.js';
import type { LifecycleMetric } from './metric.js';

/** When to retrain; every trigger is off unless set. */
export interface RetrainPolicy {
  /** Retrain when this much clock time passed since the last fit, ms. */
  readonly everyMs?: number;
  /** Retrain when this many samples were written since the last fit. */
  readonly everySamples?: number;
  /** Retrain on drift (at most once per new sample written since the last fit). */
  readonly drift?: DriftOptions;
  /** Labelled samples needed before a fit (default 40). */
  readonly minSamples?: number;
  /** Newest labelled samples a fit uses at most (default 5000; a device profile's `training.maxSamples`). */
  readonly maxSamples?: number;
  /** Time a fit may take, ms (a device profile's `training.retrainBudgetMs`): a fit that took longer shrinks the next one's samples to fit. */
  readonly budgetMs?: number;
}

/**
 * What fits a challenger: a function of a frame of the features and its labels, or a trainer
 * with its options (`{ trainer: linearRegression, options: { l2: 1 } }`), whose name tells the
 * loop what kind of fit it is (fleet learning needs that).
 */
export type LifecycleTrainer = ((frame: FrameLike, labels: Float64Array) => TrainedModel) | { readonly trainer: Trainer; readonly options?: object };

/** Fleet learning from the loop: see `ModelLifecycleOptions.fleet`. */
export interface FleetOptions {
  /**
   * Called after each fit with the sufficient statistics of the rows it trained on (not the
   * held-out slice) and their event-time range, ms; e.g. `queueStatistics(queue, model, device)`
   * from ml/fleet, which queues them for the registry. A throw is logged, never fails the loop.
   */
  readonly publish: (statistics: SufficientStatistics, from: number, to: number) => void;
}

/** How champion and challenger are compared. */
export interface PromotionOptions {
  /** Default `rmse`. */
  readonly metric?: LifecycleMetric;
  /** Relative improvement a challenger needs (default 0.02: 2 % better). */
  readonly margin?: number;
  /** Share of the newest labelled samples held out (default 0.25), at least `minHeldOut` (default 10). */
  readonly heldOutFraction?: number;
  readonly minHeldOut?: number;
}

/** Options of `ModelLifecycle`. */
export interface ModelLifecycleOptions {
  readonly store: Store;
  /** The model's name: its samples' `model`, its rows in `model_versions`, its registry name. */
  readonly model: string;
  /** Feature names in the model's input order (as given to `writeSamples`). */
  readonly features: readonly string[];
  readonly labels: LabelSource;
  /** Loads every version: the served champion and the challengers scored against it. */
  readonly handler: ModelHandler<FrameModelOptions, FrameModel>;
  /** Fits a challenger on a frame of `features` and its labels. */
  readonly trainer: LifecycleTrainer;
  /** The first champion when the store has none for `model` (e.g. a persistence baseline, or a model pulled from a registry). */
  readonly baseline?: Uint8Array;
  /** Why the baseline serves, stored as its reason (default `baseline: the starting model`). */
  readonly baselineReason?: string;
  /** Default the system clock. */
  readonly clock?: Clock;
  readonly policy?: RetrainPolicy;
  readonly promotion?: PromotionOptions;
  /** Shadow mode: a challenger that passed the held-out check scores `minSamples` live samples beside the champion, not serving, before it is decided. */
  readonly shadow?: { readonly minSamples: number };
  /** Roll a promoted model back when its live metric falls below its predecessor's on `minSamples` (default 30) live samples within `windowMs`. */
  readonly rollback?: { readonly windowMs: number; readonly minSamples?: number };
  /** Versions kept in the store (default 10); the champion, a predecessor under watch and a challenger in shadow always stay. */
  readonly keep?: number;
  /** Caps of the model's samples, applied on each tick. */
  readonly caps?: SampleCaps;
  /** The output tensor compared with the labels (default `prediction`). */
  readonly output?: string;
  /** Pushes each promoted version to a registry, as today. */
  readonly publish?: { readonly registry: ModelRegistry; readonly inputs: readonly TensorSpec[]; readonly outputs: readonly TensorSpec[] };
  /**
   * Hands the statistics of each fit's training rows on for fleet learning. Only for a trainer
   * given as `{ trainer, options }` whose fit is a function of such statistics: `linearRegression`
   * (OLS or ridge) or `gaussianNB`; any other is refused when the loop is made.
   */
  readonly fleet?: FleetOptions;
  /** Where the loop says what it did (default: nowhere). */
  readonly log?: (line: string) => void;
  /** Measures fit time against the budget, ms (default `performance.now`). */
  readonly timer?: () => number;
}

/** What one `tick` did. */
export interface LifecycleEvent {
  readonly action: 'none' | 'busy' | 'waiting' | 'promoted' | 'rejected' | 'shadow' | 'rolled-back';
  /** The version acted on (the challenger, or the one rolled back); none when the fit itself failed. */
  readonly version?: number;
  /** Champion after the tick. */
  readonly champion: number;
  /** Why a retrain started. */
  readonly trigger?: string;
  readonly scores?: { readonly champion: number; readonly challenger: number; readonly samples: number };
  readonly fitMs?: number;
  readonly published?: ModelManifest;
  /** One line for people. */
  readonly summary: string;
}
