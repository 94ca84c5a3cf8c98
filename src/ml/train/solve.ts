/** Symmetric positive-definite solves with the WASM Cholesky kernels (f64). */
import { withWorkspace } from './wasm.js';

/**
 * Solves A·x = b for the symmetric positive-definite A (D × D, row-major). Returns x, or the
 * 0-based index of the first pivot that was not > 0 (A is singular or indefinite there).
 */
export function solveSpd(a: Float64Array, b: Float64Array, D: number): Float64Array | { failedPivot: number } {
  return withWorkspace((ws) => {
    const A = ws.f64Of(a);
    const B = ws.f64Of(b);
    const status = ws.x.cholesky(A.ptr, D);
    if (status !== 0) return { failedPivot: status - 1 };
    ws.x.choleskySolve(A.ptr, D, B.ptr, B.ptr);
    return Float64Array.from(B.view);
  });
}
