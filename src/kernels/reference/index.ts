/** Plain-TS twins of every kernel, one namespace per family (tests and benchmark baselines). */
export * as stats from './stats.js';
export * as scale from './scale.js';
export * as signal from './signal.js';
export * as fft from './fft.js';
export * as linalg from './linalg.js';
export * as train from './train.js';
