/** Feature transforms built on the WASM kernels (see docs/kernels.md, "Feature transforms"). */
export { FITTED_FORMAT, FITTED_VERSION, FITTED_PARAMS, fittedStatistics, parseFitted, serializeFitted, type FittedKind, type FittedStatistics } from './fitted/artifact.js';
export { fitStatistics, type FitOptions, type FittableKind } from './fitted/fit.js';
export { applyStatistics, applyToFrames } from './fitted/apply-frames.js';
export { fitFeatures, fitOnWarmUp, type FitFeaturesOptions, type FitOnWarmUpOptions } from './fitted/fit-features.js';
export { DEFAULT_WARM_UP } from './fitted/warm-up.js';
export { scaleToZScore, scaleToMinMax, scaleRobust, impute, clip, type FittedOptions, type ImputeOptions, type ClipOptions, type RecordTransform } from './scaling.js';
export { windowStats, windowStatNames, WINDOW_STATS, type WindowStat, type WindowStatsOptions } from './window-stats.js';
export { fftBands, fftBandNames, type FftBandsOptions, type FftBandsSpec } from './fft-bands.js';
export { lags, lagNames, rolling, rollingNames, type RollingStat, type SeriesOptions, type SeriesTransform } from './series.js';
export { featureVector, selectFeatures, dropFeatures, selectColumns, concatFrames, type FeatureFrame, type FeatureVectorOptions } from './feature-frame.js';
export type { PaneOptions, WindowFeatures, WindowFeatureTransform } from './window-features.js';
export type { FeatureRecord, NonFinitePolicy } from './records.js';
