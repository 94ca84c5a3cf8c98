/** Evaluation and model selection: metrics, seeded splits, cross-validation, grid search, reports. */
export { rmse, mae, r2, accuracy, confusionMatrix, classScores, f1Macro, logLoss, rocAuc, labelsOf, type ConfusionMatrix, type ClassScores } from './metrics.js';
export { trainTestSplit, kFold, takeRows, takeLabels, seededRandom, shuffleInPlace, type Split, type SplitOptions, type KFoldOptions } from './split.js';
export { score, SCORES, type ScoreName } from './scoring.js';
export { crossValidate, type CrossValidateOptions, type CrossValidation } from './cross-validate.js';
export { gridSearch, gridCandidates, type ParamGrid, type GridSearchOptions, type GridResult, type GridSearch } from './grid-search.js';
export { Report, regressionReport, classificationReport, evaluateModel, table, type ClassificationReportOptions } from './report.js';
