/** The learning loop as a library: training samples, retrain policy, champion/challenger, shadow, rollback. */
export { writeLabels, writeSamples, type WriteLabelsOptions, type WriteSamplesOptions } from './write-samples.js';
export {
  ModelLifecycle,
  pushDetails,
  type FleetOptions,
  type LifecycleEvent,
  type LifecycleTrainer,
  type ModelLifecycleOptions,
  type PromotionOptions,
  type RetrainPolicy,
} from './model-lifecycle.js';
export { promoteByHand, rollbackByHand } from './by-hand.js';
export { featureStatistics, type DriftOptions, type FeatureStatistics } from './drift.js';
export type { LifecycleMetric } from './metric.js';
export { ModelVersionTable, type ModelVersion, type VersionStatus } from '../../store/model-versions.js';
export { SampleTable, type LabelSource, type LabelledSamples, type SampleCaps } from '../../store/samples.js';
