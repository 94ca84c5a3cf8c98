export { F32Block, KernelArena } from './arena.js';
export { kernels, instantiateKernels, type Kernels, type KernelExports } from './module.js';
export { locateKernels } from './locate.js';
