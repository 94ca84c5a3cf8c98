/** On-device training: trainers sharing one contract (`fit(frame, labels, options) → TrainedModel`). */
export { isClassifier, type TrainedModel, type TrainedClassifier, type Trainer, type ExportOptions } from './types.js';
export { linearRegression, fitLinearRegression, NormalEquations, LinearRegressionModel, type LinearRegressionOptions, type LinearRegressionParams } from './linear-regression.js';
export {
  logisticRegression,
  fitLogisticRegression,
  LogisticRegressionModel,
  type LogisticRegressionOptions,
  type LogisticRegressionParams,
  type LogisticSolver,
} from './logistic-regression.js';
export { gaussianNB, fitGaussianNB, GaussianNB, GaussianNBModel, type GaussianNBOptions, type GaussianNBParams, type ClassMoments } from './naive-bayes.js';
export { lbfgs, type LbfgsOptions, type LbfgsResult } from './lbfgs.js';
export {
  gradientBoostingRegressor,
  gradientBoostingClassifier,
  fitGradientBoostingRegressor,
  fitGradientBoostingClassifier,
  GradientBoostingRegressorModel,
  GradientBoostingClassifierModel,
  type GradientBoostingOptions,
  type GradientBoostingParams,
} from './gradient-boosting.js';
export { kMeans, fitKMeans, MiniBatchKMeans, KMeansModel, type KMeansOptions, type KMeansParams } from './kmeans.js';
export {
  fitFromStatistics,
  linearStatistics,
  naiveBayesStatistics,
  parseStatistics,
  type LinearStatistics,
  type NaiveBayesStatistics,
  type StatisticsFitOptions,
  type SufficientStatistics,
} from './sufficient-statistics.js';
