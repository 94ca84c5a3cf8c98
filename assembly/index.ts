// The kernels module: every export here is part of build/kernels.wasm.
// Conventions: pointers are byte offsets into linear memory; frames are row-major f32 [n × d];
// per-column results and fitted parameters are f64 arrays of length d. Kernels never allocate.
export { alloc, free } from "./memory";
export {
  sumF32, meanF32, colCount, colSum, colMean, colVar, colStd, colMin, colMax, colPtp, colRms,
  colSkew, colKurt, colQuantiles, colMedian, colMeanFinite, colMedianFinite, colZcr,
} from "./stats";
export {
  zscore, minMaxScale, robustScale, clip, imputeConst, imputeLast, countNonFinite, nonFiniteMask,
} from "./scale";
export { movingAverage, ema, biquadDesign, biquad, fir, diff, lags, resampleLinear } from "./signal";
export { fftTableLen, fftInit, rfft, spectrumMagnitude, bandEnergies } from "./fft";
export { dot, gemv, gemm, xtxAccumulate, xtyAccumulate, cholesky, choleskySolve } from "./linalg";
export {
  gramAccumulate, logisticTerms, softmaxGradient, softmaxHessianVector, softmaxHessianDiagonal, affine, softmaxRows, sigmoidPairs, logValues, classMoments, gaussianJll, binColumns, histogram, nearestCenter,
} from "./train";
