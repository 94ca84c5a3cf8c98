// The kernels module: every export here is part of build/kernels.wasm.
export { alloc, free } from "./memory";
export { sumF32, meanF32 } from "./stats";
