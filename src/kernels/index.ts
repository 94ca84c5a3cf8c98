export { F32Block, F64Block, KernelArena } from './arena.js';
export { kernels, loadKernels, instantiateKernels, type Kernels, type KernelExports } from './module.js';
export type { StatsExports, ScaleExports, SignalExports, FftExports, LinalgExports, TrainExports } from './exports.js';
export { Frame, allocFrame, frameOf, type FrameLike } from './frame.js';
export { FftPlan, type FftWindow } from './fft-plan.js';
export { BiquadKind } from './biquad-kind.js';
export { locateKernels, KERNELS_VARIABLE } from './locate.js';
