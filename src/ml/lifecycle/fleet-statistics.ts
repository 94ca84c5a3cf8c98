/**
 * Fleet learning from the loop: which trainers fit a function of sufficient statistics, and how a
 * fit's training rows become those statistics (the same accumulators the trainers fit with), so
 * the loop can hand them on after each fit (`ModelLifecycleOptions.fleet`).
 */
import type { FrameLike } from '../../kernels/frame.js';
import { NormalEquations } from '../train/linear-regression.js';
import { GaussianNB } from '../train/naive-bayes.js';
import { linearStatistics, naiveBayesStatistics, type SufficientStatistics } from '../train/sufficient-statistics.js';
import type { TrainedModel } from '../train/types.js';
import type { LifecycleTrainer } from './options.js';

type Accumulate = (frame: FrameLike, labels: Float64Array) => SufficientStatistics;

/** Trainer name → the statistics of its training rows. */
const STATISTICS = new Map<string, Accumulate>([
  ['linear-regression', (frame, labels) => linearStatistics(new NormalEquations(frame.names).update(frame, labels))],
  ['gaussian-naive-bayes', (frame, labels) => naiveBayesStatistics(new GaussianNB(frame.names).partialFit(frame, labels))],
]);

/** The fit a lifecycle trainer makes. */
export function fitterOf(trainer: LifecycleTrainer): (frame: FrameLike, labels: Float64Array) => TrainedModel {
  if (typeof trainer === 'function') return trainer;
  return (frame, labels) => trainer.trainer.fit(frame, labels, trainer.options);
}

/** How `trainer`'s training rows become the statistics fleet learning merges; throws naming the fix when its fit is not a function of them. */
export function statisticsOf(trainer: LifecycleTrainer, model: string): Accumulate {
  const supported = [...STATISTICS.keys()].join(' or ');
  if (typeof trainer === 'function') {
    throw new TypeError(
      `model "${model}": options.fleet needs to know the kind of fit, and options.trainer is a function; give it as { trainer, options } with the ${supported} trainer (e.g. { trainer: linearRegression, options: { l2: 1 } })`,
    );
  }
  const accumulate = STATISTICS.get(trainer.trainer.name);
  if (!accumulate) {
    throw new RangeError(
      `model "${model}": options.fleet publishes sufficient statistics, and the fit of a "${trainer.trainer.name}" trainer is not a function of them; only ${supported} qualify: drop options.fleet or change the trainer`,
    );
  }
  return accumulate;
}
